/** Where a lab writes: the terminal (TTY-aware: colours, redraw in place) or a buffer in tests. */
export interface Output {
  readonly isTTY: boolean;
  readonly color: boolean;
  write(text: string): void;
  columns(): number;
  /** the terminal stream behind it, when there is one: live tables and spinners share its live area */
  readonly stream?: NodeJS.WriteStream;
}

export function terminalOutput(stream: NodeJS.WriteStream = process.stdout): Output {
  const isTTY = Boolean(stream.isTTY) && process.env.CI !== 'true';
  const color = isTTY && !process.env.NO_COLOR;
  return {
    isTTY,
    color,
    write: (text) => void stream.write(text),
    columns: () => (stream.isTTY && stream.columns ? stream.columns : 100),
    ...(isTTY ? { stream } : {}),
  };
}

/** Collects everything written; for tests. */
export function bufferOutput(): Output & { text(): string } {
  let buffer = '';
  return {
    isTTY: false,
    color: false,
    write: (text) => void (buffer += text),
    columns: () => 100,
    text: () => buffer,
  };
}

/** Colour helpers for an output: `style(out.color)`. */
export { palette as style, type Palette as Style } from '../cli/ansi.js';

export function formatMs(ms: number): string {
  if (ms < 1000) return `${Math.round(ms)} ms`;
  return `${(ms / 1000).toFixed(1)} s`;
}
