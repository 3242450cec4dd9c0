/**
 * Graceful shutdown on SIGINT/SIGTERM, or when the launcher (yarn, tsx) goes away: the first interrupt runs the
 * cleanup (stop taking work, finish in-flight sends, commit, disconnect) and exits 0; a second one says what the
 * cleanup is still doing; a third exits at once (130). Copies of one Ctrl-C count once (see ./interrupts.ts).
 */
import { type Interrupt, againKey, describeInterrupt, onInterrupt } from './interrupts.js';

export interface ShutdownProcess {
  on(event: NodeJS.Signals, listener: (signal: NodeJS.Signals) => void): unknown;
  off(event: NodeJS.Signals, listener: (signal: NodeJS.Signals) => void): unknown;
  exit(code?: number): never | void;
}

export interface ShutdownOptions {
  signals?: NodeJS.Signals[];
  /** one line per event (default stderr) */
  log?: (line: string) => void;
  /** tests pass a fake process (launchers are then not followed unless asked) */
  proc?: ShutdownProcess;
  /** exit code after a clean shutdown (default 0) */
  exitCode?: number;
  /** give up on the cleanup after this long and exit 1 (default 30 s) */
  timeoutMs?: number;
  /** what the cleanup does, for the first line (default 'finishing in-flight work') */
  what?: string;
  /** interrupts closer together than this are one (default DUPLICATE_SIGNAL_WINDOW_MS) */
  windowMs?: number;
  followLaunchers?: boolean;
  /** read Ctrl-C as a key in a terminal's foreground (see ./interrupts.ts; default false) */
  keyboard?: boolean;
  now?: () => number;
}

export interface ShutdownHandle {
  /** true once an interrupt arrived: loops should stop taking new work */
  readonly stopping: boolean;
  /** aborted when an interrupt arrives */
  readonly signal: AbortSignal;
  /** what the cleanup is doing now, e.g. 'waiting for 3 sends to be acknowledged' (a second Ctrl-C prints it) */
  doing(activity: string): void;
  /** an interrupt from elsewhere, e.g. readline's Ctrl-C while it edits a line */
  interrupt(): void;
  /** remove the listeners (when the program ends on its own) */
  dispose(): void;
}

/** `cleanup` may resolve to the exit code (e.g. 1 when some work failed); otherwise `options.exitCode` (default 0). */
export function onShutdown(
  cleanup: (interrupt: Interrupt) => Promise<number | void> | number | void,
  options: ShutdownOptions = {},
): ShutdownHandle {
  const proc = options.proc ?? (process as unknown as ShutdownProcess);
  const log = options.log ?? ((line: string) => process.stderr.write(line + '\n'));
  const controller = new AbortController();
  let activity = options.what ?? 'finishing in-flight work';
  let stopping = false;

  const first = (interrupt: Interrupt) => {
    stopping = true;
    const key = againKey(interrupt);
    log(`${describeInterrupt(interrupt)}: ${activity}, then exiting (${key} again to see what it waits for)`);
    controller.abort();
    const timeout = setTimeout(() => {
      log(`shutdown took too long (still ${activity}): exiting`);
      proc.exit(1);
    }, options.timeoutMs ?? 30_000);
    timeout.unref?.();
    Promise.resolve()
      .then(() => cleanup(interrupt))
      .then(
        (code) => {
          clearTimeout(timeout);
          proc.exit(typeof code === 'number' ? code : (options.exitCode ?? 0));
        },
        (error: unknown) => {
          clearTimeout(timeout);
          log(`error during shutdown: ${error instanceof Error ? error.message : String(error)}`);
          proc.exit(1);
        },
      );
  };

  const interrupts = onInterrupt(
    (interrupt) => {
      if (interrupt.count === 1) return first(interrupt);
      const key = againKey(interrupt);
      if (interrupt.count === 2) return void log(`still ${activity} (${key} again to exit now)`);
      log(`${key} again: exiting now, while ${activity}`);
      proc.exit(130);
    },
    {
      proc,
      ...(options.signals ? { signals: options.signals } : {}),
      ...(options.windowMs !== undefined ? { windowMs: options.windowMs } : {}),
      ...(options.now ? { now: options.now } : {}),
      followLaunchers: options.followLaunchers ?? options.proc === undefined,
      ...(options.keyboard ? { keyboard: true } : {}),
    },
  );
  return {
    get stopping() {
      return stopping;
    },
    signal: controller.signal,
    doing(text) {
      activity = text;
    },
    interrupt: () => interrupts.deliver('SIGINT'),
    dispose: () => interrupts.dispose(),
  };
}
