/**
 * The processes that launched this one, and noticing when they go away.
 *
 * `yarn consume` runs as yarn → /bin/sh -c → tsx → node. SIGTERM to yarn makes yarn forward it to the shell and exit;
 * the shell dies, tsx is re-parented to init and nobody tells the node process, which would go on consuming for
 * ever. So the node process watches its launchers: the ancestors in its own process group (a terminal's job, or
 * the tree a program spawned), nearest first. An interactive shell runs each job in a new group, so the shell itself
 * (and anything under `nohup … &`) is never watched: closing a terminal is SIGHUP's business, not this.
 */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';

export interface ProcessInfo {
  pid: number;
  ppid: number;
  pgid: number;
  /** what it runs, e.g. yarn, tsx, sh (a node program by its script's name) */
  name: string;
}

/** 'yarn' for `node /usr/bin/yarn consume`, 'sh' for `/bin/sh -c …`. */
function commandName(argv: string[]): string {
  const base = (path: string | undefined) => path?.split('/').at(-1) ?? '';
  const first = base(argv[0]?.split(' ')[0]); // npm rewrites its title to 'npm run x'
  if (first === 'node' || first === 'nodejs') {
    const script = argv.slice(1).find((a) => !a.startsWith('-'));
    if (script) return base(script).replace(/\.(c|m)?js$/, '');
  }
  return first;
}

/** ppid, pgid and name of a process, or null when it is gone or this platform cannot say. */
export function processInfo(pid: number): ProcessInfo | null {
  if (process.platform === 'linux') {
    try {
      // "pid (comm) state ppid pgrp ...": comm may hold spaces and parentheses, so split after the last ')'.
      const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
      const close = stat.lastIndexOf(')');
      const comm = stat.slice(stat.indexOf('(') + 1, close);
      const [, ppid, pgid] = stat.slice(close + 2).split(' ');
      let argv: string[] = [];
      try {
        argv = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').filter(Boolean);
      } catch {
        /* gone meanwhile, or not ours to read */
      }
      return { pid, ppid: Number(ppid), pgid: Number(pgid), name: argv.length ? commandName(argv) : comm };
    } catch {
      return null;
    }
  }
  if (process.platform === 'win32') return null; // no process groups
  try {
    const out = execFileSync('ps', ['-o', 'ppid=,pgid=,args=', '-p', String(pid)], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
    const match = /^\s*(\d+)\s+(\d+)\s+(.*)$/.exec(out.trim());
    if (!match) return null;
    return { pid, ppid: Number(match[1]), pgid: Number(match[2]), name: commandName(match[3]!.split(/\s+/)) };
  } catch {
    return null;
  }
}

/** This process's launchers: its ancestors in its own process group, nearest first (never init). */
export function launcherChain(self = process.pid): ProcessInfo[] {
  const me = processInfo(self);
  if (!me) return [];
  const chain: ProcessInfo[] = [];
  for (let pid = me.ppid; pid > 1 && chain.length < 16; ) {
    const info = processInfo(pid);
    if (!info || info.pgid !== me.pgid) break;
    chain.push(info);
    pid = info.ppid;
  }
  return chain;
}

/** Running, and not a zombie (a dead launcher nobody reaped, e.g. under a container's pid 1, still has its pid). */
function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EPERM') return false;
  }
  if (process.platform !== 'linux') return true;
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) !== 'Z';
  } catch {
    return false;
  }
}

export interface LauncherWatch {
  /** the launchers watched, nearest first */
  readonly chain: readonly ProcessInfo[];
  stop(): void;
}

/**
 * Calls `onGone` once, when a launcher exits (or this process is re-parented: its parent exited). Polls every
 * `intervalMs` with signal 0 (no process listing after the start); the timer never keeps the process alive.
 */
export function watchLaunchers(onGone: (gone: ProcessInfo) => void, options: { intervalMs?: number } = {}): LauncherWatch {
  const chain = launcherChain();
  const parent = process.ppid;
  let timer: NodeJS.Timeout | undefined;
  if (chain.length > 0) {
    timer = setInterval(() => {
      const gone = process.ppid !== parent ? chain[0]! : chain.find((p) => !alive(p.pid));
      if (!gone) return;
      clearInterval(timer);
      onGone(gone);
    }, options.intervalMs ?? 500);
    timer.unref();
  }
  return { chain, stop: () => clearInterval(timer) };
}
