/**
 * A timeline a student can read at a glance: acknowledged sends and consumed messages per interval as a terminal bar
 * chart, with markers (kill, election, rejoin, ...) under the intervals where they happened; `*` where two or more fall
 * in the same interval (the legend lists each with its time).
 */
export interface TimelineMarker {
  at: number;
  symbol: string;
  label: string;
}

const LEVELS = [' ', '▁', '▂', '▃', '▄', '▅', '▆', '▇', '█'];

export class Timeline {
  private readonly counts = new Map<string, number[]>();
  readonly markers: TimelineMarker[] = [];
  private endAt: number | null = null;

  constructor(
    readonly series: string[] = ['acked', 'consumed'],
    readonly bucketMs = 500,
    readonly startAt = Date.now(),
  ) {
    for (const s of series) this.counts.set(s, []);
  }

  count(series: string, n = 1, at = Date.now()): void {
    const row = this.counts.get(series);
    if (!row) throw new Error(`unknown timeline series ${series}`);
    const i = Math.max(0, Math.floor((at - this.startAt) / this.bucketMs));
    while (row.length <= i) row.push(0);
    row[i] = (row[i] ?? 0) + n;
  }

  mark(symbol: string, label: string, at = Date.now()): void {
    this.markers.push({ at, symbol, label });
  }

  end(at = Date.now()): void {
    this.endAt = at;
  }

  /** Buckets with no count for `series` between two instants (e.g. the gap after a kill). */
  longestGapMs(series: string, from: number, to: number): number {
    const row = this.counts.get(series) ?? [];
    const a = Math.max(0, Math.floor((from - this.startAt) / this.bucketMs));
    const b = Math.floor((to - this.startAt) / this.bucketMs);
    let best = 0;
    let run = 0;
    for (let i = a; i <= b; i++) {
      if ((row[i] ?? 0) === 0) best = Math.max(best, ++run);
      else run = 0;
    }
    return best * this.bucketMs;
  }

  render(options: { width?: number; height?: number } = {}): string[] {
    const height = options.height ?? 4;
    const labelWidth = Math.max(...this.series.map((s) => s.length)) + 1;
    const maxCols = Math.max(10, (options.width ?? 100) - labelWidth - 3);
    const last = Math.max(
      this.endAt ?? 0,
      ...this.markers.map((m) => m.at),
      ...[...this.counts.values()].map((row) => this.startAt + row.length * this.bucketMs),
    );
    let buckets = Math.max(1, Math.ceil((last - this.startAt) / this.bucketMs));
    // Merge intervals when the run is longer than the terminal is wide.
    const merge = Math.max(1, Math.ceil(buckets / maxCols));
    const cellMs = this.bucketMs * merge;
    buckets = Math.ceil(buckets / merge);
    const rows = new Map<string, number[]>();
    for (const [name, row] of this.counts) {
      const merged = Array.from({ length: buckets }, (_, c) => {
        let sum = 0;
        for (let j = c * merge; j < (c + 1) * merge; j++) sum += row[j] ?? 0;
        return sum;
      });
      rows.set(name, merged);
    }
    const lines: string[] = [];
    const pad = (s: string) => s.padStart(labelWidth);
    for (const name of this.series) {
      const row = rows.get(name)!;
      const max = Math.max(1, ...row);
      for (let level = height - 1; level >= 0; level--) {
        let line = '';
        for (const v of row) {
          const eighths = Math.round((v / max) * height * 8) - level * 8;
          const cell = v > 0 && level === 0 && eighths < 1 ? 1 : Math.max(0, Math.min(8, eighths));
          line += LEVELS[cell];
        }
        const label = level === height - 1 ? `${name}` : level === 0 ? '' : '';
        const scale = level === height - 1 ? ` max ${max}/${formatSeconds(cellMs)}` : '';
        lines.push(`${pad(label)} │${line}│${scale}`);
      }
    }
    // Marker row: the symbol sits under the interval it happened in.
    // Two events in one interval share its cell: '*' marks it, and the legend says so.
    const markerRow = Array.from({ length: buckets }, () => ' ');
    let shared = false;
    for (const m of this.markers) {
      const c = Math.min(buckets - 1, Math.max(0, Math.floor((m.at - this.startAt) / cellMs)));
      if (markerRow[c] !== ' ') shared = true;
      markerRow[c] = markerRow[c] === ' ' ? m.symbol : '*';
    }
    lines.push(`${pad('events')} │${markerRow.join('')}│`);
    // Axis: a tick every 10 columns with the time in seconds.
    let axis = '';
    for (let c = 0; c < buckets; c += 10) {
      const label = `${formatSeconds(c * cellMs)}`;
      axis += ('┬' + label).padEnd(Math.min(10, buckets - c));
    }
    lines.push(`${pad('')}  ${axis.slice(0, buckets)}`);
    for (const m of this.markers) {
      lines.push(`${pad('')}  ${m.symbol} ${formatSeconds(m.at - this.startAt).padStart(6)}  ${m.label}`);
    }
    if (shared) lines.push(`${pad('')}  * ${''.padStart(6)}  two or more of these in one ${formatSeconds(cellMs)} interval (their times say which)`);
    return lines;
  }
}

function formatSeconds(ms: number): string {
  const s = ms / 1000;
  return Number.isInteger(s) ? `${s}s` : `${s.toFixed(1)}s`;
}
