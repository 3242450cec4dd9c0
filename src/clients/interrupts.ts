/**
 * Ctrl-C as a person means it: the 1st interrupt starts a graceful stop, the 2nd asks what is taking so long, the 3rd
 * exits at once. SIGTERM counts the same, and SIGHUP (the terminal closed: the command cleans up with nobody watching,
 * its output dropped); so does a launcher (yarn, tsx) going away, which can only happen once.
 *
 * One Ctrl-C often arrives two or three times. A terminal sends SIGINT to the whole foreground process group (yarn,
 * sh, tsx and node all get it), npm forwards it to its child as well, and tsx forwards it again whenever the child
 * has not confirmed it within 30 ms (a busy event loop is enough). Those copies land within milliseconds, so
 * interrupts closer than `windowMs` to the previous one are the same Ctrl-C and do not count; a person pressing
 * Ctrl-C again takes longer than that.
 */
import { captureKeyboard, onInterruptKey, releaseKeyboard, terminalHungUp } from '../common/keyboard.js';
import { type LauncherWatch, type ProcessInfo, watchLaunchers } from './launchers.js';

/** Copies of one Ctrl-C arrive within a few ms (tsx waits 30 ms before relaying); a second press takes far longer. */
export const DUPLICATE_SIGNAL_WINDOW_MS = 500;

export type InterruptCause = NodeJS.Signals | 'launcher gone';

export interface Interrupt {
  cause: InterruptCause;
  /** 1 for the first interrupt, 2 for the next distinct one, … */
  count: number;
  /** the launcher that went away, for cause 'launcher gone' */
  launcher?: ProcessInfo;
}

export interface SignalSource {
  on(event: NodeJS.Signals, listener: (signal: NodeJS.Signals) => void): unknown;
  off(event: NodeJS.Signals, listener: (signal: NodeJS.Signals) => void): unknown;
}

export interface InterruptOptions {
  signals?: NodeJS.Signals[];
  windowMs?: number;
  /** tests pass a fake process */
  proc?: SignalSource;
  now?: () => number;
  /** treat a launcher that exits (see ./launchers.ts) as an interrupt (default true with the real process) */
  followLaunchers?: boolean;
  /**
   * read Ctrl-C as a key while in the foreground of a terminal (../common/keyboard.ts), so yarn does not die of the
   * SIGINT the terminal would send it (default false: only for a command that does not read its stdin itself)
   */
  keyboard?: boolean;
}

export interface Interrupts {
  /** distinct interrupts so far */
  readonly count: number;
  /** the launchers watched (empty when none or not followed) */
  readonly launchers: readonly ProcessInfo[];
  /** true when Ctrl-C arrives as a key (the keyboard is captured) rather than as SIGINT */
  readonly keyboard: boolean;
  /** an interrupt from elsewhere (e.g. readline's Ctrl-C while it edits a line), a key press: never a copy */
  deliver(cause: InterruptCause): void;
  dispose(): void;
}

/** Calls `handler` once per distinct interrupt; copies of the same Ctrl-C are dropped (see above). */
export function onInterrupt(handler: (interrupt: Interrupt) => void, options: InterruptOptions = {}): Interrupts {
  const proc = options.proc ?? process;
  const signals = options.signals ?? ['SIGINT', 'SIGTERM', 'SIGHUP'];
  const windowMs = options.windowMs ?? DUPLICATE_SIGNAL_WINDOW_MS;
  const now = options.now ?? Date.now;
  let count = 0;
  let last = -Infinity;

  /** `key`: Ctrl-C read from the keyboard, which nobody relays: never a copy, however fast the second press. */
  const deliver = (interrupt: Omit<Interrupt, 'count'>, key = false) => {
    const at = now();
    const duplicate = !key && at - last < windowMs;
    last = at; // a burst of copies stays one interrupt however long it lasts
    if (duplicate) return;
    count += 1;
    handler({ ...interrupt, count });
  };
  const listener = (signal: NodeJS.Signals) => {
    if (signal === 'SIGHUP' && options.proc === undefined) terminalHungUp();
    deliver({ cause: signal });
  };
  // Listeners stay for good (never `once`): a signal with no listener would kill the process mid-cleanup, which is
  // what tsx's own handler does when it finds none.
  for (const s of signals) proc.on(s, listener);
  const follow = options.followLaunchers ?? options.proc === undefined;
  // A launcher that goes away after an interrupt (yarn dying of the same Ctrl-C) asks for nothing new.
  const watch: LauncherWatch | null = follow ? watchLaunchers((launcher) => count === 0 && deliver({ cause: 'launcher gone', launcher })) : null;
  const keyboard = options.keyboard === true && captureKeyboard();
  const unsubscribe = keyboard ? onInterruptKey(() => deliver({ cause: 'SIGINT' }, true)) : null;
  let disposed = false;
  return {
    get count() {
      return count;
    },
    launchers: watch?.chain ?? [],
    keyboard,
    deliver: (cause) => deliver({ cause }, true),
    dispose() {
      if (disposed) return;
      disposed = true;
      for (const s of signals) proc.off(s, listener);
      watch?.stop();
      unsubscribe?.();
      if (keyboard) releaseKeyboard();
    },
  };
}

/** How an interrupt reads in a message: 'Ctrl-C', 'SIGTERM', 'yarn (pid 42), which started this process, exited'. */
export function describeInterrupt(interrupt: Pick<Interrupt, 'cause' | 'launcher'>): string {
  if (interrupt.cause === 'launcher gone') {
    const l = interrupt.launcher;
    return l ? `${l.name} (pid ${l.pid}), which started this process, exited` : 'the process that started this one exited';
  }
  if (interrupt.cause === 'SIGHUP') return 'the terminal closed (SIGHUP)';
  return interrupt.cause === 'SIGINT' ? 'Ctrl-C' : interrupt.cause;
}

/** The key to press again in messages: 'Ctrl-C' for SIGINT, else the signal's name. */
export function againKey(interrupt: Pick<Interrupt, 'cause'>): string {
  return interrupt.cause === 'SIGINT' || interrupt.cause === 'launcher gone' ? 'Ctrl-C' : interrupt.cause;
}
