/** Parent side of bench/child.ts: fork it (tsx loader, --expose-gc) and call its commands. */
import { type ChildProcess, fork } from 'node:child_process';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type { ChildCommand } from './child.js';

const HERE = dirname(fileURLToPath(import.meta.url));
const ROOT = join(HERE, '..');

function tsxLoader(): string {
  return pathToFileURL(createRequire(join(ROOT, 'package.json')).resolve('tsx')).href;
}

export class ServerProcess {
  private nextId = 1;
  private readonly pending = new Map<number, { resolve: (v: any) => void; reject: (e: Error) => void }>();
  private exited: string | null = null;

  private constructor(private readonly child: ChildProcess) {
    child.on('message', (m: { id?: number; ok?: boolean; result?: unknown; error?: string }) => {
      if (m.id === undefined) return;
      const p = this.pending.get(m.id);
      if (!p) return;
      this.pending.delete(m.id);
      if (m.ok) p.resolve(m.result);
      else p.reject(new Error(m.error));
    });
    child.on('exit', (code, signal) => {
      this.exited = signal ? `signal ${signal}` : `exit code ${code}`;
      for (const p of this.pending.values()) p.reject(new Error(`benchmark server process ended (${this.exited})`));
      this.pending.clear();
    });
  }

  get pid(): number {
    return this.child.pid!;
  }

  static async spawn(extraNodeArgs: string[] = []): Promise<ServerProcess> {
    const child = fork(join(HERE, 'child.ts'), [], {
      cwd: ROOT,
      execArgv: ['--import', tsxLoader(), '--expose-gc', ...extraNodeArgs],
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    });
    await new Promise<void>((resolve, reject) => {
      child.once('message', () => resolve());
      child.once('exit', (code) => reject(new Error(`benchmark server process failed to start (exit code ${code})`)));
    });
    return new ServerProcess(child);
  }

  call<T = any>(cmd: ChildCommand['cmd'], args: unknown = {}): Promise<T> {
    if (this.exited) return Promise.reject(new Error(`benchmark server process ended (${this.exited})`));
    const id = this.nextId++;
    return new Promise<T>((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      this.child.send({ id, cmd, args });
    });
  }

  /** Closes what runs inside, then ends the process (waits for a --cpu-prof child to write its profile). */
  async stop(removeData = true): Promise<void> {
    if (this.exited) return;
    try {
      await this.call('close', { removeData });
    } catch {
      /* already gone */
    }
    const done = new Promise<void>((resolve) => this.child.once('exit', () => resolve()));
    this.child.disconnect();
    const timer = setTimeout(() => this.child.kill('SIGKILL'), 15_000);
    await done;
    clearTimeout(timer);
  }
}
