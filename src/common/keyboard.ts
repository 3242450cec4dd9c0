/**
 * Ctrl-C as a key, while a kit command runs in the foreground of a terminal.
 *
 * Why not the signal: a terminal sends SIGINT to the whole foreground process group, and yarn 1 dies of it at once
 * (it has no handler). The shell then takes the terminal back and reports 130 while the node process below is still
 * committing offsets or undoing a lab, printing over the next prompt; a second Ctrl-C goes to the shell. So while a
 * command captures the keyboard, the terminal is in raw mode (no signal keys, no echo): Ctrl-C reaches this process
 * as a byte and nobody else, the command stops gracefully in the foreground, and yarn exits with its exit code (0 for
 * `yarn consume`, 130 for an interrupted lab).
 *
 *   Ctrl-C → the 'interrupt' listeners (src/clients/interrupts.ts turns it into an Interrupt, like SIGINT)
 *   Ctrl-\ → exits at once (131), as SIGQUIT would
 *   Ctrl-Z → stops the whole process group, as SIGTSTP would; raw mode comes back on `fg`
 *   Enter  → whoever waits in nextEnter() (a lab's pause); every other key is dropped (typing ahead skips nothing)
 *
 * Only in the foreground (a background process that touches the terminal is stopped by it), never when stdin is not
 * a terminal, and not with KAFKA_LAB_NO_RAW=1. The terminal's mode is restored on exit. A terminal that closes
 * (SIGHUP) is let go: see terminalHungUp().
 */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';

type KeyListener = () => void;

const interruptListeners = new Set<KeyListener>();
const enterWaiters = new Set<KeyListener>();
let holders = 0;
let reading = false;

/** This process's group and the terminal's foreground group, or null when unknown (then: not captured). */
function groups(): { pgid: number; foreground: number } | null {
  try {
    if (process.platform === 'linux') {
      const stat = readFileSync('/proc/self/stat', 'utf8');
      const [, , pgid, , , tpgid] = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      return { pgid: Number(pgid), foreground: Number(tpgid) };
    }
    if (process.platform === 'win32') return null;
    const [pgid, tpgid] = execFileSync('ps', ['-o', 'pgid=,tpgid=', '-p', String(process.pid)], { encoding: 'utf8' }).trim().split(/\s+/);
    return { pgid: Number(pgid), foreground: Number(tpgid) };
  } catch {
    return null;
  }
}

function inForeground(): boolean {
  const g = groups();
  return g !== null && g.pgid > 0 && g.pgid === g.foreground;
}

let hungUp = false;

const restore = () => {
  if (process.stdin.isTTY && reading && !hungUp) process.stdin.setRawMode(false);
};

/**
 * The terminal is gone (SIGHUP: its window closed, the ssh link dropped). Everything written to it now fails with EIO,
 * and an unhandled stream error would kill the process in the middle of its cleanup: from here on, output to the
 * terminal is dropped quietly and its mode is not touched again.
 */
export function terminalHungUp(): void {
  if (hungUp) return;
  hungUp = true;
  for (const stream of [process.stdin, process.stdout, process.stderr]) stream.on('error', () => {});
  // Every write would fail with EIO at once; a loop that waits for its writes would then spin on microtasks and starve
  // the cleanup of I/O. Writes are dropped, their callbacks called on the next turn of the event loop.
  for (const stream of [process.stdout, process.stderr]) {
    stream.write = ((_chunk: unknown, encoding?: unknown, callback?: unknown) => {
      const done = typeof encoding === 'function' ? encoding : callback;
      if (typeof done === 'function') setImmediate(done as () => void);
      return true;
    }) as typeof stream.write;
  }
  if (reading) {
    process.stdin.off('data', onData);
    process.stdin.pause();
    reading = false;
    for (const waiter of [...enterWaiters]) waiter();
  }
}

function onData(chunk: Buffer): void {
  for (const byte of chunk) {
    if (byte === 0x03) {
      if (interruptListeners.size === 0) process.kill(process.pid, 'SIGINT');
      for (const listener of [...interruptListeners]) listener();
    } else if (byte === 0x1c) {
      restore();
      process.exit(131);
    } else if (byte === 0x1a) {
      suspend();
    } else if (byte === 0x0d || byte === 0x0a) {
      for (const waiter of [...enterWaiters]) waiter();
    }
  }
}

function startReading(): boolean {
  if (reading) return true;
  if (!process.stdin.isTTY || process.env.KAFKA_LAB_NO_RAW === '1' || !inForeground()) return false;
  process.stdin.setRawMode(true);
  process.stdin.on('data', onData);
  process.stdin.resume();
  reading = true;
  return true;
}

function stopReading(): void {
  if (!reading) return;
  process.stdin.off('data', onData);
  if (!hungUp) process.stdin.setRawMode(false);
  process.stdin.pause();
  reading = false;
}

/** Ctrl-Z: give the terminal back in its normal mode and stop the whole group, as the terminal itself would. */
function suspend(): void {
  const g = groups();
  if (!g) return;
  stopReading();
  process.once('SIGCONT', () => {
    if (holders > 0) startReading(); // back in the foreground (`fg`); after `bg` it stays off the terminal
  });
  process.kill(-g.pgid, 'SIGTSTP');
}

/**
 * Read the keyboard key by key until release() (calls nest). False when it cannot be (not a terminal, in the
 * background, KAFKA_LAB_NO_RAW=1): Ctrl-C is then an ordinary SIGINT.
 */
export function captureKeyboard(): boolean {
  if (!startReading()) return false;
  if (holders++ === 0) process.on('exit', restore);
  return true;
}

export function releaseKeyboard(): void {
  if (holders === 0) return;
  if (--holders > 0) return;
  process.off('exit', restore);
  stopReading();
  for (const waiter of [...enterWaiters]) waiter();
}

/** True while the keyboard is read key by key. */
export function keyboardCaptured(): boolean {
  return reading;
}

/** Call `listener` at each Ctrl-C while the keyboard is captured; returns the unsubscribe. */
export function onInterruptKey(listener: KeyListener): () => void {
  interruptListeners.add(listener);
  return () => interruptListeners.delete(listener);
}

/** Resolves true at the next Enter; false when the keyboard is released or `signal` aborts first. */
export function nextEnter(signal?: AbortSignal): Promise<boolean> {
  if (!reading || signal?.aborted) return Promise.resolve(false);
  return new Promise((resolve) => {
    const done = (entered: boolean) => {
      enterWaiters.delete(onEnter);
      signal?.removeEventListener('abort', onAbort);
      resolve(entered);
    };
    const onEnter = () => done(reading);
    const onAbort = () => done(false);
    enterWaiters.add(onEnter);
    signal?.addEventListener('abort', onAbort);
  });
}
