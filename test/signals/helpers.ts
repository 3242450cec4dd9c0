/**
 * Driving the kit's real scripts as child processes: in their own process group (so a test can signal the whole
 * group, as a terminal does), or in a pseudo-terminal (`script`), where "\x03" is a real Ctrl-C key. Every cluster
 * lives in a temp KAFKA_LAB_HOME on free ports: nothing here meets a cluster on 9092.
 */
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePorts } from '../embedded-backend/helpers.js';

export const ROOT = join(import.meta.dirname, '..', '..');
const TSX = join(ROOT, 'node_modules', '.bin', 'tsx');

/** The environment of a child: the test's, minus anything that points at a user's cluster or changes modes. */
export function childEnv(extra: Record<string, string>): Record<string, string> {
  const env: Record<string, string> = {};
  const drop = ['KAFKA_BOOTSTRAP', 'KAFKA_LAB_BACKEND', 'KAFKA_LAB_DEBUG', 'DEBUG', 'KAFKA_LAB_PORTS', 'KAFKA_LAB_CONTROLLER_PORTS', 'KAFKA_LAB_HOME', 'CI', 'FORCE_COLOR', 'NO_COLOR'];
  for (const [k, v] of Object.entries(process.env)) if (v !== undefined && !drop.includes(k) && !k.startsWith('npm_') && !k.startsWith('VITEST')) env[k] = v;
  return { ...env, NO_COLOR: '1', ...extra };
}

export interface Lab {
  home: string;
  ports: number[];
  controllerPorts: number[];
  env: Record<string, string>;
  bootstrap: string;
  cleanup(): void;
}

/** A temp home and free ports for one profile (and controller ports, for the jvm backend). */
export async function labEnv(profile: 'single' | 'multi'): Promise<Lab> {
  const n = profile === 'multi' ? 3 : 1;
  const free = await freePorts(2 * n);
  const ports = free.slice(0, n);
  const controllerPorts = free.slice(n);
  const home = mkdtempSync(join(tmpdir(), 'kafka-lab-signals-'));
  return {
    home,
    ports,
    controllerPorts,
    env: childEnv({ KAFKA_LAB_HOME: home, KAFKA_LAB_PORTS: ports.join(','), KAFKA_LAB_CONTROLLER_PORTS: controllerPorts.join(',') }),
    bootstrap: ports.map((p) => `127.0.0.1:${p}`).join(','),
    cleanup: () => {
      // Never leave a daemon behind (a test that failed half-way): it would hold its ports with its home gone.
      const pid = embeddedDaemonPid(home);
      if (pid) process.kill(pid, 'SIGKILL');
      rmSync(home, { recursive: true, force: true });
    },
  };
}

export interface Run {
  child: ChildProcess;
  output(): string;
  /** resolves with the output once `pattern` shows up; rejects when the process ends first or after timeoutMs */
  waitFor(pattern: RegExp | string, timeoutMs?: number): Promise<string>;
  exited: Promise<number>;
  /** write to its stdin (in a pty: keys) */
  type(text: string): void;
  /** a signal to its whole process group, as a terminal sends Ctrl-C */
  signalGroup(signal: NodeJS.Signals): void;
}

function track(child: ChildProcess): Run {
  let out = '';
  child.stdout?.on('data', (c) => (out += c));
  child.stderr?.on('data', (c) => (out += c));
  const exited = new Promise<number>((resolve) => child.on('close', (code, signal) => resolve(code ?? (signal ? 128 + (signal === 'SIGINT' ? 2 : signal === 'SIGTERM' ? 15 : 9) : -1))));
  let done = false;
  void exited.then(() => (done = true));
  return {
    child,
    output: () => out,
    exited,
    waitFor: (pattern, timeoutMs = 60_000) =>
      new Promise((resolve, reject) => {
        const deadline = Date.now() + timeoutMs;
        const poll = () => {
          const hit = typeof pattern === 'string' ? out.includes(pattern) : pattern.test(out);
          if (hit) return resolve(out);
          if (done) return reject(new Error(`exited before ${String(pattern)} showed up:\n${out}`));
          if (Date.now() > deadline) return reject(new Error(`${String(pattern)} did not show up within ${timeoutMs} ms:\n${out}`));
          setTimeout(poll, 50);
        };
        poll();
      }),
    type: (text) => void child.stdin?.write(text),
    signalGroup: (signal) => {
      try {
        process.kill(-child.pid!, signal);
      } catch {
        /* gone */
      }
    },
  };
}

/** `node --import tsx scripts/<script>` (or any argv) in its own process group, stdin a pipe. */
export function run(argv: string[], env: Record<string, string>): Run {
  return track(spawn(argv[0]!, argv.slice(1), { cwd: ROOT, env, stdio: ['pipe', 'pipe', 'pipe'], detached: true }));
}

export const nodeScript = (script: string, ...args: string[]) => [process.execPath, '--import', 'tsx', join(ROOT, 'scripts', script), ...args];
export const tsxScript = (script: string, ...args: string[]) => [TSX, join('scripts', script), ...args];

/** A shell command in a pseudo-terminal of `cols` columns: `script` gives it one; what is typed goes to the terminal. */
export function inTerminal(command: string, env: Record<string, string>, cols = 100): Run {
  // stty sets the size the programs see (script's own terminal is the pipe's: none).
  const shell = `stty cols ${cols} rows 50 2>/dev/null; ${command}`;
  return track(spawn('script', ['-qfec', shell, '/dev/null'], { cwd: ROOT, env: { ...env, TERM: 'xterm-256color' }, stdio: ['pipe', 'pipe', 'pipe'], detached: true }));
}

export async function within<T>(ms: number, what: string, check: () => T | undefined | false | Promise<T | undefined | false>): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const value = await check();
    if (value !== undefined && value !== false) return value;
    if (Date.now() > deadline) throw new Error(`not within ${ms} ms: ${what}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

export function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Alive and not a zombie: an orphan that exited stays a zombie when nobody reaps it (PID 1 in a container may not). */
export function processRunning(pid: number): boolean {
  if (!pidAlive(pid)) return false;
  try {
    return !/^\d+ \(.*\) Z/.test(readFileSync(`/proc/${pid}/stat`, 'utf8'));
  } catch {
    return false;
  }
}

/** The embedded daemon of `home`, if its pid runs. */
export function embeddedDaemonPid(home: string): number | null {
  const file = join(home, 'embedded', 'daemon.json');
  if (!existsSync(file)) return null;
  try {
    const pid = (JSON.parse(readFileSync(file, 'utf8')) as { pid: number }).pid;
    return pidAlive(pid) ? pid : null;
  } catch {
    return null;
  }
}

/** Pids of processes whose command line contains `needle` (Linux /proc). */
export function pidsRunning(needle: string): number[] {
  const pids: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const cmd = readFileSync(`/proc/${entry}/cmdline`, 'utf8').replace(/\0/g, ' ');
      if (cmd.includes(needle) && Number(entry) !== process.pid) pids.push(Number(entry));
    } catch {
      /* gone */
    }
  }
  return pids;
}

/** The node process that runs a script (not the shell or package manager that started it): its argv[0] is node. */
export function scriptPids(needle: string): number[] {
  return pidsRunning(needle).filter((pid) => {
    try {
      return /(^|\/)node$/.test(readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0')[0]!);
    } catch {
      return false;
    }
  });
}

/** A script run to the end (cluster:up, topics:apply, broker:kill …): its exit code and output. */
export function runToEnd(argv: string[], env: Record<string, string>, input?: string): { code: number; output: string; stdout: string } {
  const r = spawnSync(argv[0]!, argv.slice(1), { cwd: ROOT, env, input: input ?? '', encoding: 'utf8', timeout: 180_000 });
  return { code: r.status ?? -1, output: `${r.stdout}${r.stderr}`, stdout: r.stdout };
}

/** The topics of the running cluster of `env`'s home (cluster:status --json). */
export function topicNames(env: Record<string, string>): string[] {
  const status = runToEnd(nodeScript('cluster-status.ts', '--json'), env);
  try {
    return (JSON.parse(status.stdout) as { topics: Array<{ name: string }> }).topics.map((t) => t.name);
  } catch {
    return []; // no cluster (yet): nothing to list
  }
}

/** The text a terminal shows for `raw` output, roughly: CR/LF, erase-line, erase-below and cursor-up applied. */
export function screenText(raw: string): string[] {
  const lines: string[] = [''];
  let row = 0;
  let col = 0;
  const put = (ch: string) => {
    const line = lines[row] ?? '';
    lines[row] = line.slice(0, col).padEnd(col) + ch + line.slice(col + 1);
    col++;
  };
  for (let i = 0; i < raw.length; i++) {
    const ch = raw[i]!;
    if (ch === '\x1b' && raw[i + 1] === '[') {
      const m = /^\x1b\[([0-9;?]*)([A-Za-z])/.exec(raw.slice(i));
      if (!m) continue;
      i += m[0].length - 1;
      const n = Number(m[1] || '1') || 1;
      if (m[2] === 'F' || m[2] === 'A') {
        row = Math.max(0, row - n);
        if (m[2] === 'F') col = 0;
      } else if (m[2] === 'J') {
        lines[row] = (lines[row] ?? '').slice(0, col);
        lines.length = row + 1;
      } else if (m[2] === 'K') {
        lines[row] = m[1] === '2' ? '' : (lines[row] ?? '').slice(0, col);
      } else if (m[2] === 'G') col = n - 1;
      continue;
    }
    if (ch === '\r') col = 0;
    else if (ch === '\n') {
      row++;
      col = 0;
      while (lines.length <= row) lines.push('');
    } else if (ch >= ' ' || ch === '\t') put(ch);
  }
  return lines.map((l) => l.trimEnd());
}
