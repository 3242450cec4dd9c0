/** Tiny ANSI helpers. Colour only on a TTY, and never when NO_COLOR is set (https://no-color.org). */
import { stripVTControlCharacters } from 'node:util';
import { fitLine } from '../common/terminal.js';

export function colorEnabled(stream: { isTTY?: boolean } = process.stdout): boolean {
  if (process.env.NO_COLOR !== undefined && process.env.NO_COLOR !== '') return false;
  if (process.env.FORCE_COLOR !== undefined && process.env.FORCE_COLOR !== '0') return true;
  return Boolean(stream.isTTY);
}

/** Colour helpers that colour when `enabled` is (or returns) true, e.g. `palette(out.color)` for a given output. */
export function palette(enabled: boolean | (() => boolean)) {
  const on = typeof enabled === 'function' ? enabled : () => enabled;
  const wrap = (open: number, close: number) => (text: string) => (on() ? `\x1b[${open}m${text}\x1b[${close}m` : text);
  return {
    bold: wrap(1, 22),
    dim: wrap(2, 22),
    red: wrap(31, 39),
    green: wrap(32, 39),
    yellow: wrap(33, 39),
    blue: wrap(34, 39),
    cyan: wrap(36, 39),
  };
}

export type Palette = ReturnType<typeof palette>;

/** Colours for process.stdout, decided at each call (NO_COLOR / FORCE_COLOR / TTY). */
export const c: Palette = palette(() => colorEnabled());

/** The text without ANSI escapes. */
export function stripAnsi(text: string): string {
  return stripVTControlCharacters(text);
}

/** Printed width of a string: ANSI escapes take no columns. */
export function visibleWidth(text: string): number {
  return [...stripAnsi(text)].length;
}

/** Cut a line to `width` printed columns, keeping escapes intact (and resetting style if it was cut). */
export const truncateVisible = (text: string, width: number): string => fitLine(text, width);
