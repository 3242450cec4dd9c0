/** The shell around every script: run, print `error: <one line>` for failures, exit with the right code. */
import { describeError, exitCodeOf, isDebug } from './errors.js';
import { c } from './ansi.js';

export interface RunOptions {
  /** where the error line goes (default process.stderr) */
  output?: { write(chunk: string): unknown };
  /** how to exit (default process.exit); tests pass a spy */
  exit?: (code: number) => void;
}

/** Report an error as `error: <one line>` and return its exit code. Unexpected errors get their stack in debug mode. */
export function reportError(error: unknown, output: { write(chunk: string): unknown } = process.stderr): number {
  output.write(`${c.red('error:')} ${describeError(error)}\n`);
  if (isDebug() && error instanceof Error && error.stack) output.write(c.dim(error.stack) + '\n');
  return exitCodeOf(error);
}

/**
 * Run a script's body. Resolves → exit 0 (or the number it returns); throws → `error: ...` and its exit code.
 * Exits explicitly so kafkajs' idle sockets or timers cannot keep a finished script alive.
 */
export async function runMain(body: () => Promise<number | void> | number | void, options: RunOptions = {}): Promise<void> {
  const exit = options.exit ?? ((code: number) => process.exit(code));
  let code = 0;
  try {
    code = (await body()) ?? 0;
  } catch (error) {
    code = reportError(error, options.output);
  }
  exit(code);
}
