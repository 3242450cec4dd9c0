/**
 * Running external commands (docker, docker compose, lsof) through zx, behind a small interface so tests inject a
 * fake and never need Docker.
 */
import { $ } from 'zx';

export interface CommandResult {
  /** 127: the program does not exist; 124: it timed out */
  exitCode: number;
  stdout: string;
  stderr: string;
}

export interface RunOptions {
  timeoutMs?: number;
  /** stream the command's stderr to ours while it runs (e.g. image pull progress) */
  stream?: boolean;
  cwd?: string;
  env?: NodeJS.ProcessEnv;
}

export type CommandRunner = (argv: string[], options?: RunOptions) => Promise<CommandResult>;

export const EXIT_NOT_FOUND = 127;
export const EXIT_TIMEOUT = 124;

/** The real runner: zx with nothrow (we map exit codes ourselves) and quiet output. */
export const zxRunner: CommandRunner = async (argv, options = {}) => {
  const [program, ...args] = argv;
  const run = $({
    nothrow: true,
    quiet: !options.stream,
    verbose: false,
    cwd: options.cwd,
    env: options.env ?? process.env,
    ...(options.timeoutMs ? { timeout: options.timeoutMs } : {}),
  });
  try {
    const out = await run`${program} ${args}`;
    const timedOut = out.exitCode === null && out.signal !== null;
    return {
      exitCode: timedOut ? EXIT_TIMEOUT : (out.exitCode ?? 1),
      stdout: out.stdout,
      stderr: out.stderr + (timedOut ? `\n${program}: timed out after ${options.timeoutMs} ms` : ''),
    };
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') return { exitCode: EXIT_NOT_FOUND, stdout: '', stderr: `${program}: command not found` };
    return { exitCode: 1, stdout: '', stderr: (error as Error).message };
  }
};
