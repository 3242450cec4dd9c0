/** Runs a project script (scripts/*.ts) as a child process under tsx, line by line. */
import { type ChildProcess, spawn } from 'node:child_process';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { PROJECT_ROOT } from './registry.js';

export interface ScriptChild {
  proc: ChildProcess;
  exited: Promise<number>;
  stderrTail: string[];
  signal(sig: NodeJS.Signals): void;
}

export function spawnScript(script: string, args: string[], onLine: (line: string) => void, env: NodeJS.ProcessEnv = {}): ScriptChild {
  const proc = spawn(process.execPath, ['--import', 'tsx', join(PROJECT_ROOT, script), ...args], {
    cwd: PROJECT_ROOT,
    env: { ...process.env, ...env, FORCE_COLOR: '0' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const stderrTail: string[] = [];
  createInterface({ input: proc.stdout! }).on('line', onLine);
  createInterface({ input: proc.stderr! }).on('line', (l) => {
    stderrTail.push(l);
    if (stderrTail.length > 20) stderrTail.shift();
  });
  const exited = new Promise<number>((resolve) => {
    proc.on('exit', (code, sig) => resolve(code ?? (sig ? 128 : 1)));
    proc.on('error', () => resolve(127));
  });
  return {
    proc,
    exited,
    stderrTail,
    signal: (sig) => {
      if (proc.exitCode === null && proc.signalCode === null) proc.kill(sig);
    },
  };
}
