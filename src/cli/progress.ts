/**
 * Progress for anything that takes over a second.
 *   await step('starting brokers', () => cluster.up())
 * TTY: a spinner with elapsed seconds, then `✓ starting brokers (4.2s)`. Not a TTY: `… starting brokers` then the ✓ line.
 */
import { liveAllowed, openRegion } from '../common/terminal.js';
import { c } from './ansi.js';

export interface StepOutput {
  write(chunk: string): unknown;
  isTTY?: boolean;
  columns?: number;
}

/** Spinner frames (the lab runner's waitFor draws them too). */
export const SPINNER = ['⠋', '⠙', '⠹', '⠸', '⠼', '⠴', '⠦', '⠧', '⠇', '⠏'];

function seconds(ms: number): string {
  return `${(ms / 1000).toFixed(1)}s`;
}

export interface StepHandle {
  /** change the text after the spinner, e.g. 'waiting for broker 2' */
  update(text: string): void;
}

export async function step<T>(
  title: string,
  work: (handle: StepHandle) => Promise<T> | T,
  output: StepOutput = process.stderr,
): Promise<T> {
  const started = Date.now();
  let detail = '';
  let timer: NodeJS.Timeout | undefined;
  const tty = liveAllowed(output);
  const handle: StepHandle = {
    update(text) {
      if (!tty && text && text !== detail) output.write(`  ${c.dim(text)}\n`);
      detail = text;
    },
  };
  // The spinner's line belongs to the terminal's live area: whatever the work prints goes above it, never onto it.
  const region = tty ? openRegion(output) : null;
  if (region) {
    let frame = 0;
    const draw = () => {
      if (!liveAllowed(output)) return;
      const extra = detail ? ` ${c.dim('· ' + detail)}` : '';
      region.set([`${c.cyan(SPINNER[frame++ % SPINNER.length]!)} ${title}${extra} ${c.dim(seconds(Date.now() - started))}`]);
    };
    draw();
    timer = setInterval(draw, 100);
    timer.unref?.();
  } else {
    output.write(`… ${title}\n`);
  }
  const clear = () => {
    if (timer) clearInterval(timer);
    region?.close('clear');
  };
  try {
    const result = await work(handle);
    clear();
    output.write(`${c.green('✓')} ${title} ${c.dim(`(${seconds(Date.now() - started)})`)}\n`);
    return result;
  } catch (error) {
    clear();
    output.write(`${c.red('✗')} ${title} ${c.dim(`(${seconds(Date.now() - started)})`)}\n`);
    throw error;
  }
}

/** A plain informational line on stderr (stdout stays clean for --json). */
export function info(line: string, output: StepOutput = process.stderr): void {
  output.write(line + '\n');
}
