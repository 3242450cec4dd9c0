/** Where a lab writes: the terminal (TTY-aware: colours, redraw in place) or a buffer in tests. */
export interface Output {
  readonly isTTY: boolean;
  readonly color: boolean;
  write(text: string): void;
  columns(): number;
}

export function terminalOutput(stream: NodeJS.WriteStream = process.stdout): Output {
  const isTTY = Boolean(stream.isTTY) && process.env.CI !== 'true';
  const color = isTTY && !process.env.NO_COLOR;
  return {
    isTTY,
    color,
    write: (text) => void stream.write(text),
    columns: () => (stream.isTTY && stream.columns ? stream.columns : 100),
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

export interface Style {
  bold(s: string): string;
  dim(s: string): string;
  green(s: string): string;
  red(s: string): string;
  yellow(s: string): string;
  cyan(s: string): string;
}

export function style(color: boolean): Style {
  const wrap = (open: number, close: number) => (s: string) => (color ? `\u001b[${open}m${s}\u001b[${close}m` : s);
  return {
    bold: wrap(1, 22),
    dim: wrap(2, 22),
    green: wrap(32, 39),
    red: wrap(31, 39),
    yellow: wrap(33, 39),
    cyan: wrap(36, 39),
  };
}

// eslint-disable-next-line no-control-regex
const ANSI = /\u001b\[[0-9;]*[A-Za-z]/g;
export const stripAnsi = (s: string): string => s.replace(ANSI, '');
export const visibleLength = (s: string): number => [...stripAnsi(s)].length;

export function formatMs(ms: number): string {
  if (ms < 1000) return `${Math.round(ms)} ms`;
  return `${(ms / 1000).toFixed(1)} s`;
}
