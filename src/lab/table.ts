import { type Output, visibleLength } from './output.js';

/**
 * Plain-text tables and a live table that redraws in place on a TTY.
 * (Lab-local; merge candidate with src/cli/table.ts once that exists.)
 */
export type Cell = string | number | boolean | null | undefined;

export function renderTable(headers: string[], rows: Cell[][]): string[] {
  const text = rows.map((row) => headers.map((_, i) => cellText(row[i])));
  const widths = headers.map((h, i) => Math.max(visibleLength(h), ...text.map((r) => visibleLength(r[i] ?? ''))));
  const line = (cells: string[]) =>
    cells.map((c, i) => c + ' '.repeat(Math.max(0, (widths[i] ?? 0) - visibleLength(c)))).join('  ').trimEnd();
  return [line(headers), line(widths.map((w) => '─'.repeat(w))), ...text.map(line)];
}

function cellText(c: Cell): string {
  if (c === null || c === undefined) return '-';
  if (typeof c === 'boolean') return c ? 'yes' : 'no';
  return String(c);
}

/**
 * A table whose numbers change while the lab waits (leaders, ISR, counts). On a TTY it redraws in place; elsewhere
 * (CI, pipes) it prints only when the content changed, at most every `minPrintIntervalMs`, and once at the end.
 */
export class LiveTable {
  private lastLines: string[] = [];
  private drawnLines = 0;
  private lastPrintAt = 0;
  private pending: string[] | null = null;
  private closed = false;

  constructor(
    private readonly out: Output,
    private readonly headers: string[],
    private readonly options: { indent?: string; minPrintIntervalMs?: number; title?: () => string } = {},
  ) {}

  update(rows: Cell[][]): void {
    if (this.closed) return;
    const indent = this.options.indent ?? '   ';
    const title = this.options.title?.();
    const lines = [...(title ? [title] : []), ...renderTable(this.headers, rows)].map((l) => indent + l);
    if (this.out.isTTY) {
      this.redraw(lines);
      return;
    }
    // Non-TTY: ignore the title when deciding whether anything changed (titles often carry elapsed time).
    const body = lines.slice(title ? 1 : 0).join('\n');
    const last = this.lastLines.slice(title ? 1 : 0).join('\n');
    if (body === last) return;
    const now = Date.now();
    if (now - this.lastPrintAt < (this.options.minPrintIntervalMs ?? 1000) && this.lastLines.length > 0) {
      this.pending = lines;
      return;
    }
    this.print(lines);
  }

  /** Final draw; later updates are ignored. */
  done(): void {
    if (this.closed) return;
    if (!this.out.isTTY && this.pending) this.print(this.pending);
    this.closed = true;
  }

  private print(lines: string[]): void {
    this.out.write(lines.join('\n') + '\n');
    this.lastLines = lines;
    this.lastPrintAt = Date.now();
    this.pending = null;
  }

  private redraw(lines: string[]): void {
    let text = '';
    if (this.drawnLines > 0) text += `\u001b[${this.drawnLines}A`;
    for (const l of lines) text += `\u001b[2K${l}\n`;
    // Clear leftovers if the table shrank.
    for (let i = lines.length; i < this.drawnLines; i++) text += '\u001b[2K\n';
    const extra = Math.max(0, this.drawnLines - lines.length);
    if (extra > 0) text += `\u001b[${extra}A`;
    this.out.write(text);
    this.drawnLines = lines.length;
    this.lastLines = lines;
  }
}
