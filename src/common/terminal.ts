/**
 * The live area at the bottom of a terminal: spinners, live tables and a prompt, redrawn in place, with ordinary
 * output scrolling above them.
 *
 *   const region = openRegion(process.stderr);
 *   region.set(['⠋ starting brokers 1.2s']);     // drawn below everything printed so far
 *   console.log('broker 1 is up');               // printed above the region, which is drawn again below it
 *   region.close('clear');                       // or 'keep': its last lines stay as ordinary output
 *
 * Why one owner for the whole area: a spinner on stderr and a line on stdout end up on the same screen line
 * ("…0.0sembedded cluster reset"); a line printed under a live table makes its next redraw start one line too low,
 * leaving its old header above it. So while a region is open, every write to process.stdout and process.stderr (when
 * they are terminals) first erases the live area, then prints, then draws the area again below what it printed.
 * Keys typed meanwhile are not echoed while the keyboard is captured (./keyboard.ts), so Enter cannot move it either.
 *
 * Nothing here is used when the output is not a terminal: callers check `liveAllowed(stream)` and print plain lines
 * (CI logs get no redraw codes).
 */

export interface TerminalStream {
  write(chunk: string): unknown;
  isTTY?: boolean;
  columns?: number;
  rows?: number;
}

export interface LiveRegion {
  /** Replace the region's lines and redraw. `cursorAtEnd`: the cursor stays at the end of the last line (a prompt). */
  set(lines: string[], options?: { cursorAtEnd?: boolean }): void;
  /** Stop redrawing: 'keep' leaves the last lines as ordinary output, 'clear' erases them. */
  close(mode: 'keep' | 'clear'): void;
  readonly closed: boolean;
}

const CSI_SEQUENCE = /^\x1b\[[0-9;?]*[A-Za-z]/;

/** Printed width of a line: escape sequences take no columns. */
/** Printed width of a line: escape sequences take no columns. */
export function visibleLength(text: string): number {
  let cols = 0;
  for (let i = 0; i < text.length; ) {
    const esc = CSI_SEQUENCE.exec(text.slice(i));
    if (esc) {
      i += esc[0].length;
      continue;
    }
    const ch = String.fromCodePoint(text.codePointAt(i)!);
    cols += 1;
    i += ch.length;
  }
  return cols;
}

/** Cut a line to `width` columns, escapes kept, style reset when cut (a wrapped line would break the arithmetic). */
export function fitLine(text: string, width: number): string {
  if (!Number.isFinite(width) || visibleLength(text) <= width) return text;
  let out = '';
  let cols = 0;
  for (let i = 0; i < text.length; ) {
    const esc = CSI_SEQUENCE.exec(text.slice(i));
    if (esc) {
      out += esc[0];
      i += esc[0].length;
      continue;
    }
    const ch = String.fromCodePoint(text.codePointAt(i)!);
    if (cols + 1 > width) break;
    out += ch;
    cols += 1;
    i += ch.length;
  }
  return out + (out.includes('\x1b[') ? '\x1b[0m' : '');
}

interface RegionState {
  stream: TerminalStream;
  lines: string[];
  cursorAtEnd: boolean;
  closed: boolean;
}

type WriteFn = (chunk: unknown, ...rest: unknown[]) => boolean;

/** One live area per terminal (process.stdout/stderr) or per stand-in output (tests). */
class Screen {
  private readonly regions: RegionState[] = [];
  /** lines of the live area on screen now */
  private height = 0;
  /** the cursor sits at the end of the area's last line (a prompt) instead of below it */
  private cursorAtEnd = false;
  /** ordinary output left the cursor after some text: the area is drawn again once that line ends */
  private midLine = false;
  private drawing = false;
  private readonly originals = new Map<NodeJS.WriteStream, WriteFn>();

  constructor(private readonly intercept: boolean) {}

  open(stream: TerminalStream): LiveRegion {
    const state: RegionState = { stream, lines: [], cursorAtEnd: false, closed: false };
    this.regions.push(state);
    if (this.intercept) this.patch();
    return {
      set: (lines, options = {}) => {
        if (state.closed) return;
        state.lines = lines;
        state.cursorAtEnd = options.cursorAtEnd ?? false;
        this.redraw(stream);
      },
      close: (mode) => this.remove(state, mode),
      get closed() {
        return state.closed;
      },
    };
  }

  /** Erase the area; the cursor ends at the area's first column. */
  private eraseSequence(): string {
    if (this.height === 0) return '';
    const up = this.height - (this.cursorAtEnd ? 1 : 0);
    this.height = 0;
    return (up > 0 ? `\x1b[${up}F` : '\r') + '\x1b[J';
  }

  private drawSequence(): string {
    const ref = this.regions[0]?.stream;
    const width = ref?.columns && ref.columns > 0 ? ref.columns - 1 : Infinity;
    let lines = this.regions.flatMap((r) => r.lines).map((l) => fitLine(l, width));
    if (lines.length === 0) return '';
    // Taller than the screen cannot be redrawn in place: keep its top.
    if (ref?.rows && lines.length > ref.rows - 1) lines = lines.slice(0, Math.max(1, ref.rows - 1));
    const last = this.regions.filter((r) => r.lines.length > 0).at(-1);
    this.cursorAtEnd = Boolean(last?.cursorAtEnd);
    this.height = lines.length;
    const lead = this.midLine ? '\n' : '';
    this.midLine = false;
    return lead + lines.join('\n') + (this.cursorAtEnd ? '' : '\n');
  }

  private raw(stream: TerminalStream, text: string): void {
    if (!text) return;
    const original = this.originals.get(stream as NodeJS.WriteStream);
    this.drawing = true;
    try {
      if (original) original.call(stream, text);
      else stream.write(text);
    } finally {
      this.drawing = false;
    }
  }

  private redraw(stream: TerminalStream): void {
    // The very first frame starts with a clear too: whatever was under the cursor (a stray echo) goes.
    const erase = this.height === 0 ? (this.midLine ? '' : '\x1b[J') : this.eraseSequence();
    this.raw(stream, erase + this.drawSequence());
  }

  private remove(state: RegionState, mode: 'keep' | 'clear'): void {
    if (state.closed) return;
    state.closed = true;
    const stream = state.stream;
    let text = this.eraseSequence();
    if (mode === 'keep' && state.lines.length > 0) {
      const width = stream.columns && stream.columns > 0 ? stream.columns - 1 : Infinity;
      text += (this.midLine ? '\n' : '') + state.lines.map((l) => fitLine(l, width)).join('\n') + '\n';
      this.midLine = false;
    }
    this.regions.splice(this.regions.indexOf(state), 1);
    text += this.drawSequence();
    this.raw(stream, text);
    if (this.regions.length === 0) this.unpatch();
  }

  /** Close every region, keeping what they show (after Ctrl-C: what was on screen stays, plain lines follow). */
  closeAll(): void {
    for (const state of [...this.regions]) this.remove(state, 'keep');
  }

  // ---------------------------------------------------------------- ordinary output

  private patch(): void {
    for (const stream of [process.stdout, process.stderr]) {
      if (!stream.isTTY || this.originals.has(stream)) continue;
      const original = stream.write as unknown as WriteFn;
      this.originals.set(stream, original);
      const screen = this;
      stream.write = function (this: NodeJS.WriteStream, chunk: unknown, ...rest: unknown[]): boolean {
        if (screen.drawing || screen.regions.length === 0) return original.call(this, chunk, ...rest);
        const text = typeof chunk === 'string' ? chunk : Buffer.isBuffer(chunk) || chunk instanceof Uint8Array ? Buffer.from(chunk).toString() : String(chunk);
        if (text === '') return original.call(this, chunk, ...rest);
        screen.drawing = true;
        try {
          const erase = screen.eraseSequence();
          if (erase) original.call(this, erase);
          const result = original.call(this, chunk, ...rest);
          screen.midLine = !text.endsWith('\n');
          if (!screen.midLine) {
            const draw = screen.drawSequence();
            if (draw) original.call(this, draw);
          }
          return result;
        } finally {
          screen.drawing = false;
        }
      } as typeof stream.write;
    }
  }

  private unpatch(): void {
    for (const [stream, original] of this.originals) stream.write = original as unknown as typeof stream.write;
    this.originals.clear();
  }
}

const terminal = new Screen(true);
const standIns = new WeakMap<object, Screen>();
let suspended = false;

function screenFor(stream: TerminalStream): Screen {
  if (stream === process.stdout || stream === process.stderr) return terminal;
  let screen = standIns.get(stream);
  if (!screen) standIns.set(stream, (screen = new Screen(false)));
  return screen;
}

/** True when `stream` may show live regions: a terminal, and live output not suspended (see suspendLive). */
export function liveAllowed(stream: TerminalStream): boolean {
  return Boolean(stream.isTTY) && !suspended;
}

/** A live region at the bottom of `stream`'s terminal (see above). */
export function openRegion(stream: TerminalStream): LiveRegion {
  return screenFor(stream).open(stream);
}

/**
 * From now on no live output: every region closes where it stands and new ones are not drawn (callers fall back
 * to plain lines). For cleanup after Ctrl-C, which may go on after yarn has exited and the shell took the terminal
 * back: spinners would scribble over the user's next command.
 */
export function suspendLive(): void {
  suspended = true;
  terminal.closeAll();
}
