/**
 * Ctrl-C (or SIGTERM, or yarn going away) during a lab. The 1st stops the lab and starts undoing what it did; the
 * 2nd says what the undoing is busy with; the 3rd exits at once and lists what is left behind. Copies of one Ctrl-C
 * (yarn, tsx and the terminal each deliver it) count once: see src/clients/interrupts.ts.
 */
import { type Interrupt, type Interrupts, againKey, describeInterrupt, onInterrupt } from '../clients/interrupts.js';
import { suspendLive } from '../common/terminal.js';

export interface InterruptionStatus {
  /** what the lab does right now, e.g. 'restarting broker 2' */
  doing: string;
  /** what is not undone yet, e.g. ['broker 2 down (`yarn broker:start 2`)'] */
  left: string[];
}

/** A cleanup that hangs with nobody left to press Ctrl-C again (yarn went away) ends after this long. */
const GIVE_UP_MS = 120_000;

export class LabInterruption {
  /** the first interrupt, once it came */
  cause: Interrupt | null = null;
  readonly first: Promise<Interrupt>;
  private resolveFirst: (interrupt: Interrupt) => void = () => {};
  private interrupts: Interrupts | null = null;
  private watchdog: NodeJS.Timeout | undefined;

  constructor(
    private readonly say: (line: string) => void,
    private readonly status: () => InterruptionStatus,
    /** called with the first interrupt, synchronously: end every wait, stop the load */
    private readonly onFirst: (interrupt: Interrupt) => void,
    private readonly exit: (code: number) => void = (code) => process.exit(code),
  ) {
    this.first = new Promise((resolve) => (this.resolveFirst = resolve));
  }

  listen(): this {
    // Ctrl-C as a key in a terminal: yarn does not die of it, so the undoing happens in the foreground and a second
    // and third Ctrl-C reach the lab.
    this.interrupts = onInterrupt((interrupt) => this.handle(interrupt), { keyboard: true });
    return this;
  }

  handle(interrupt: Interrupt): void {
    const key = againKey(interrupt);
    if (interrupt.count === 1) {
      this.cause = interrupt;
      // Plain lines from here on: the undoing may outlive yarn (when Ctrl-C came as a signal, yarn died of it and the
      // shell has the terminal back), and spinners would scribble over the next prompt.
      suspendLive();
      this.say(`\n   ${describeInterrupt(interrupt)}: stopping the lab and undoing what it did (${key} again shows what it is doing)`);
      this.watchdog = setTimeout(() => this.giveUp(`the undoing took over ${GIVE_UP_MS / 1000} s`), GIVE_UP_MS);
      this.watchdog.unref();
      this.onFirst(interrupt);
      this.resolveFirst(interrupt);
      return;
    }
    const { doing, left } = this.status();
    if (interrupt.count === 2) {
      this.say(`   still ${doing || 'stopping the lab'} (${key} again exits at once${left.length ? ` and leaves ${left.join(', ')}` : ''})`);
      return;
    }
    this.giveUp(`${key} again`);
  }

  private giveUp(why: string): void {
    const { left } = this.status();
    this.say(`   ${why}: exiting now${left.length ? `; left behind: ${left.join('; ')}` : ''}`);
    this.exit(130);
  }

  dispose(): void {
    clearTimeout(this.watchdog);
    this.interrupts?.dispose();
  }
}
