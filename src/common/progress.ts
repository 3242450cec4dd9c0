/**
 * Progress for long steps that backends run themselves (starting a cluster, downloading Kafka): a spinner with the
 * elapsed seconds, or a bar when the total is known. On a terminal it redraws one line on stderr; elsewhere (CI logs)
 * it prints nothing but what the caller logs, except a bar, which prints a line every 25 %.
 *
 *   const progress = new Progress('downloading Kafka 4.4.0', { total: 54_000_000, unit: 'bytes' });
 *   progress.tick(12_000_000, 'kafka_2.13-4.4.0.jar');
 *   progress.done();
 */
import { type LiveRegion, liveAllowed, openRegion } from './terminal.js';

const FRAMES = '⠋⠙⠹⠸⠼⠴⠦⠧⠇⠏';
const BAR_WIDTH = 24;

export interface ProgressOutput {
  write(chunk: string): unknown;
  isTTY?: boolean;
}

export interface ProgressOptions {
  /** makes it a bar: `done` of `total` */
  total?: number;
  unit?: 'bytes' | 'items';
  output?: ProgressOutput;
}

function amount(n: number, unit: ProgressOptions['unit']): string {
  return unit === 'bytes' ? `${(n / 1e6).toFixed(1)} MB` : String(n);
}

export class Progress {
  private readonly started = Date.now();
  private readonly output: ProgressOutput;
  private readonly tty: boolean;
  private frame = 0;
  /** the line on the terminal, owned by ./terminal.ts so other output never lands on it */
  private region: LiveRegion | null = null;
  private lastQuarter = 0;
  /** makes it a bar once known (a download learns its size late) */
  total: number | undefined;

  constructor(
    private text: string,
    private readonly options: ProgressOptions = {},
  ) {
    this.output = options.output ?? process.stderr;
    this.tty = liveAllowed(this.output);
    this.total = options.total;
  }

  /** Redraw; `done` moves the bar, `detail` says what happens now. */
  tick(done?: number, detail?: string): void {
    const seconds = Math.floor((Date.now() - this.started) / 1000);
    const { total } = this;
    const { unit } = this.options;
    if (total && done !== undefined) {
      const ratio = Math.min(1, done / total);
      const quarter = Math.floor(ratio * 4);
      if (!this.tty) {
        if (quarter > this.lastQuarter) this.output.write(`  ${this.text}: ${quarter * 25}% (${amount(done, unit)} of ${amount(total, unit)})\n`);
        this.lastQuarter = Math.max(this.lastQuarter, quarter);
        return;
      }
      const filled = Math.round(ratio * BAR_WIDTH);
      const bar = '█'.repeat(filled) + '░'.repeat(BAR_WIDTH - filled);
      this.draw(`${bar} ${String(Math.round(ratio * 100)).padStart(3)}% ${amount(done, unit)}/${amount(total, unit)} ${this.text}${detail ? ` · ${detail}` : ''} (${seconds}s)`);
      return;
    }
    if (!this.tty) return;
    this.draw(`${FRAMES[this.frame++ % FRAMES.length]} ${this.text}${detail ? ` · ${detail}` : ''} (${seconds}s)`);
  }

  /** Change the text after the spinner. */
  retitle(text: string): void {
    this.text = text;
  }

  private draw(line: string): void {
    if (!liveAllowed(this.output)) return; // live output was suspended meanwhile (after Ctrl-C)
    this.region ??= openRegion(this.output);
    this.region.set([line]);
  }

  /** Clears the line (the caller prints the outcome). */
  done(): void {
    this.region?.close('clear');
    this.region = null;
  }
}
