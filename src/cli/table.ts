/**
 * Tables for the terminal, and a live view that redraws a frame in place.
 *
 *   const text = formatTable(
 *     [{ header: 'partition', align: 'right' }, { header: 'leader', align: 'right' }, { header: 'isr' }],
 *     [[0, 1, '1,2,3'], [1, 2, '2,3']],
 *   );
 *
 *   const live = createLiveView();          // process.stdout by default
 *   live.render(text, title);                // TTY: redraws in place; not a TTY: prints each changed frame
 *   live.done();                             // leaves the last frame on screen (and prints a held-back one)
 *
 * Cells may contain ANSI colours (see ./ansi.ts); widths ignore them.
 */
import { type LiveRegion, liveAllowed, openRegion } from '../common/terminal.js';
import { truncateVisible, visibleWidth, colorEnabled, palette } from './ansi.js';

export type Cell = string | number | boolean | null | undefined;

export interface ColumnSpec {
  header: string;
  align?: 'left' | 'right';
  /** cap the column at this many columns (cells get an ellipsis) */
  maxWidth?: number;
}

export interface TableOptions {
  /** characters between columns (default 2 spaces) */
  gap?: number;
  /** dim the header and draw a rule under it (default true) */
  rule?: boolean;
  /** shown on its own line when rows is empty, e.g. '(no topics)' */
  empty?: string;
  /** indent every line by this many spaces */
  indent?: number;
  /** text for null/undefined cells (default '') */
  emptyCell?: string;
  /** show booleans as yes/no (default: true/false) */
  yesNo?: boolean;
  /** bold the header and dim the rule (default: colorEnabled()); false draws the same table in plain text */
  color?: boolean;
}

function cellText(cell: Cell, options: TableOptions): string {
  if (cell === null || cell === undefined) return options.emptyCell ?? '';
  if (typeof cell === 'boolean' && options.yesNo) return cell ? 'yes' : 'no';
  return String(cell);
}

function fit(text: string, width: number): string {
  if (visibleWidth(text) <= width) return text;
  return truncateVisible(text, Math.max(0, width - 1)) + '…';
}

function pad(text: string, width: number, align: 'left' | 'right'): string {
  const space = ' '.repeat(Math.max(0, width - visibleWidth(text)));
  return align === 'right' ? space + text : text + space;
}

/** Format rows under headers; returns the table as one string of lines joined by '\n' (no trailing newline). */
export function formatTable(columns: Array<ColumnSpec | string>, rows: Cell[][], options: TableOptions = {}): string {
  const cols: ColumnSpec[] = columns.map((col) => (typeof col === 'string' ? { header: col } : col));
  const gap = ' '.repeat(options.gap ?? 2);
  const indent = ' '.repeat(options.indent ?? 0);
  const texts = rows.map((row) => cols.map((col, i) => fit(cellText(row[i], options), col.maxWidth ?? Infinity)));
  const widths = cols.map((col, i) => Math.max(visibleWidth(col.header), ...texts.map((row) => visibleWidth(row[i] ?? ''))));
  const line = (cells: string[]) =>
    indent +
    cells
      .map((cell, i) => pad(cell, widths[i]!, cols[i]!.align ?? 'left'))
      .join(gap)
      .trimEnd();
  const c = palette(options.color ?? colorEnabled());
  const out: string[] = [];
  const header = line(cols.map((col) => col.header));
  out.push(options.rule === false ? header : c.bold(header));
  if (options.rule !== false) out.push(indent + c.dim(widths.map((w) => '─'.repeat(w)).join(gap)));
  if (texts.length === 0 && options.empty) out.push(indent + c.dim(options.empty));
  for (const row of texts) out.push(line(row));
  return out.join('\n');
}

export interface LiveOutput {
  write(chunk: string): unknown;
  isTTY?: boolean;
  columns?: number;
  rows?: number;
}

export interface LiveView {
  /**
   * Show a frame (multi-line string). On a TTY it replaces the previous frame; otherwise it is printed below.
   * `title`, if given, is drawn as the frame's first line; when not interactive a frame whose body did not change
   * is not printed again just because its title did (titles often carry elapsed time).
   */
  render(frame: string, title?: string): void;
  /** Stop redrawing; the last frame stays where it is (not interactive: a frame held back by throttling is printed). */
  done(): void;
  readonly interactive: boolean;
}

export interface LiveViewOptions {
  /** force in-place redraws on or off (default: output.isTTY) */
  interactive?: boolean;
  /** when not interactive, skip frames identical to the previous one (default true) */
  skipUnchanged?: boolean;
  /** when not interactive, print at most this often; the latest frame in between is held for the next print or done() (default 0) */
  minPrintIntervalMs?: number;
  /** when not interactive, printed between two frames (default '\n': a blank line) */
  frameSeparator?: string;
}

export function createLiveView(output: LiveOutput = process.stdout, options: LiveViewOptions = {}): LiveView {
  const interactive = options.interactive ?? liveAllowed(output);
  const skipUnchanged = options.skipUnchanged ?? true;
  const minPrintIntervalMs = options.minPrintIntervalMs ?? 0;
  const separator = options.frameSeparator ?? '\n';
  const withTitle = (frame: string, title?: string) => (title ? `${title}\n${frame}` : frame);
  let previousFrame: string | null = null;
  let lastPrintAt = 0;
  let pending: string | null = null;
  let finished = false;
  // On a terminal the frame is a region of its live area (src/common/terminal.ts): anything else printed meanwhile
  // goes above it, so a redraw always replaces exactly the lines it drew.
  let region: LiveRegion | null = null;
  const print = (text: string) => {
    output.write((previousFrame === null ? '' : separator) + text + '\n');
    lastPrintAt = Date.now();
    pending = null;
  };
  return {
    interactive,
    render(frame: string, title?: string) {
      if (finished) return;
      if (!interactive) {
        if (skipUnchanged && frame === previousFrame) {
          pending = null; // back to what is on screen: a held-back frame is stale now
          return;
        }
        const text = withTitle(frame, title);
        if (previousFrame !== null && Date.now() - lastPrintAt < minPrintIntervalMs) {
          pending = text;
          return;
        }
        print(text);
        previousFrame = frame;
        return;
      }
      region ??= openRegion(output);
      region.set(withTitle(frame, title).split('\n'));
      previousFrame = frame;
    },
    done() {
      if (finished) return;
      if (!interactive && pending !== null) print(pending);
      region?.close('keep');
      finished = true;
    },
  };
}
