/**
 * Graceful shutdown on SIGINT/SIGTERM: the first signal runs the cleanup (stop taking work, finish in-flight sends,
 * commit, disconnect) and exits 0; a second signal exits at once (130) for the impatient.
 */
export interface ShutdownProcess {
  on(event: NodeJS.Signals, listener: (signal: NodeJS.Signals) => void): unknown;
  off(event: NodeJS.Signals, listener: (signal: NodeJS.Signals) => void): unknown;
  exit(code?: number): never | void;
}

export interface ShutdownOptions {
  signals?: NodeJS.Signals[];
  /** one line per event (default stderr) */
  log?: (line: string) => void;
  /** tests pass a fake process */
  proc?: ShutdownProcess;
  /** exit code after a clean shutdown (default 0) */
  exitCode?: number;
  /** give up on the cleanup after this long and exit 1 (default 30 s) */
  timeoutMs?: number;
}

export interface ShutdownHandle {
  /** true once a signal arrived: loops should stop taking new work */
  readonly stopping: boolean;
  /** aborted when a signal arrives */
  readonly signal: AbortSignal;
  /** remove the listeners (when the program ends on its own) */
  dispose(): void;
}

/** `cleanup` may resolve to the exit code (e.g. 1 when some work failed); otherwise `options.exitCode` (default 0). */
export function onShutdown(
  cleanup: (signal: NodeJS.Signals) => Promise<number | void> | number | void,
  options: ShutdownOptions = {},
): ShutdownHandle {
  const proc = options.proc ?? (process as unknown as ShutdownProcess);
  const signals = options.signals ?? ['SIGINT', 'SIGTERM'];
  const log = options.log ?? ((line: string) => process.stderr.write(line + '\n'));
  const controller = new AbortController();
  let received = 0;

  const listener = (signal: NodeJS.Signals) => {
    received += 1;
    if (received > 1) {
      log(`${signal} again: exiting now`);
      proc.exit(130);
      return;
    }
    log(`${signal}: finishing in-flight work, then exiting (${signal === 'SIGINT' ? 'Ctrl-C' : signal} again to exit now)`);
    controller.abort();
    const timeout = setTimeout(() => {
      log('shutdown took too long: exiting');
      proc.exit(1);
    }, options.timeoutMs ?? 30_000);
    timeout.unref?.();
    Promise.resolve()
      .then(() => cleanup(signal))
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
  for (const s of signals) proc.on(s, listener);
  return {
    get stopping() {
      return received > 0;
    },
    signal: controller.signal,
    dispose() {
      for (const s of signals) proc.off(s, listener);
    },
  };
}
