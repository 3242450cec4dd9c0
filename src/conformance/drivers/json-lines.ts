/**
 * A driver in another process that speaks the command protocol (../types.ts) as JSON lines: one command per line on
 * its stdin, one answer per line on its stdout, in order. Its stderr is kept for the error message when it dies.
 */
import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import type { Answer, ClientName, Command, Driver } from '../types.js';

export interface ProcessSpec {
  command: string;
  args: string[];
  env?: NodeJS.ProcessEnv;
  cwd?: string;
}

export function jsonLinesDriver(name: ClientName, spec: ProcessSpec, cannot: (c: Command) => string | null): Driver {
  const child = spawn(spec.command, spec.args, { stdio: ['pipe', 'pipe', 'pipe'], env: spec.env ?? process.env, cwd: spec.cwd });
  const waiting: Array<{ resolve: (a: Answer) => void; reject: (e: Error) => void }> = [];
  let stderr = '';
  let exited: Error | null = null;
  child.stderr.on('data', (chunk: Buffer) => {
    stderr = (stderr + chunk.toString()).slice(-4000);
  });
  createInterface({ input: child.stdout }).on('line', (line) => {
    if (!line.startsWith('{')) return; // a library's own chatter on stdout
    const next = waiting.shift();
    try {
      next?.resolve(JSON.parse(line) as Answer);
    } catch (error) {
      next?.reject(new Error(`${name}: unreadable answer ${line.slice(0, 200)}`));
    }
  });
  const died = (why: string) => {
    exited = new Error(`${name} driver ${why}: ${stderr.trim().split('\n').slice(-3).join(' | ')}`);
    for (const w of waiting.splice(0)) w.reject(exited);
  };
  child.on('exit', (code, signal) => died(`exited (${signal ?? code})`));
  child.on('error', (error) => died(`did not start (${error.message})`));
  return {
    name,
    cannot,
    send(command) {
      if (exited) return Promise.reject(exited);
      return new Promise((resolve, reject) => {
        waiting.push({ resolve, reject });
        child.stdin.write(JSON.stringify(command) + '\n');
      });
    },
    async close() {
      if (exited) return;
      child.stdin.end();
      const gone = new Promise((r) => child.once('exit', r));
      const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
      await gone;
      clearTimeout(timer);
    },
  };
}
