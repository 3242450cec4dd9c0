/**
 * The counting rules on their own, with a fake process and clock: copies of one Ctrl-C within the window are one
 * interrupt, a key press is never a copy, and a lab's 2nd interrupt says what it does, the 3rd exits 130 naming
 * what is left behind.
 */
import { EventEmitter } from 'node:events';
import { describe, expect, it } from 'vitest';
import { type Interrupt, DUPLICATE_SIGNAL_WINDOW_MS, onInterrupt } from '../../src/clients/interrupts.js';
import { LabInterruption } from '../../src/lab/interruption.js';

function fake() {
  const emitter = new EventEmitter();
  let now = 0;
  return {
    proc: { on: emitter.on.bind(emitter), off: emitter.off.bind(emitter) },
    signal: (s: NodeJS.Signals) => emitter.emit(s, s),
    advance: (ms: number) => (now += ms),
    now: () => now,
  };
}

describe('onInterrupt', () => {
  it('signals within the window are one interrupt; later ones count', () => {
    const f = fake();
    const seen: Interrupt[] = [];
    const interrupts = onInterrupt((i) => seen.push(i), { proc: f.proc, now: f.now });
    f.signal('SIGINT');
    f.advance(30);
    f.signal('SIGINT'); // tsx's relay
    f.signal('SIGTERM'); // anything else in the same burst
    expect(seen.map((i) => i.count)).toEqual([1]);
    f.advance(DUPLICATE_SIGNAL_WINDOW_MS + 1);
    f.signal('SIGINT');
    expect(seen.map((i) => [i.cause, i.count])).toEqual([
      ['SIGINT', 1],
      ['SIGINT', 2],
    ]);
    interrupts.dispose();
    f.signal('SIGINT');
    expect(seen).toHaveLength(2);
  });

  it('a burst stays one however long it goes on, and a key press is never a copy', () => {
    const f = fake();
    const seen: Interrupt[] = [];
    const interrupts = onInterrupt((i) => seen.push(i), { proc: f.proc, now: f.now });
    for (let i = 0; i < 5; i++) {
      f.signal('SIGINT');
      f.advance(DUPLICATE_SIGNAL_WINDOW_MS - 1);
    }
    expect(seen).toHaveLength(1);
    interrupts.deliver('SIGINT'); // Ctrl-C read as a key: nobody relays keys
    expect(seen.map((i) => i.count)).toEqual([1, 2]);
  });
});

describe('a lab interrupted', () => {
  it('1st: stops the lab; 2nd: says what it is doing; 3rd: exits 130 naming what is left', () => {
    const lines: string[] = [];
    const exits: number[] = [];
    let first: Interrupt | null = null;
    const status = { doing: 'restarting broker 2', left: ['broker 2 down (`yarn broker:start 2`)', 'topic lab07-orders'] };
    const interruption = new LabInterruption((l) => lines.push(l), () => status, (i) => (first = i), (code) => exits.push(code));
    interruption.handle({ cause: 'SIGINT', count: 1 });
    expect(first).toEqual({ cause: 'SIGINT', count: 1 });
    expect(lines.at(-1)).toContain('Ctrl-C: stopping the lab and undoing what it did');
    interruption.handle({ cause: 'SIGINT', count: 2 });
    expect(lines.at(-1)).toBe('   still restarting broker 2 (Ctrl-C again exits at once and leaves broker 2 down (`yarn broker:start 2`), topic lab07-orders)');
    expect(exits).toEqual([]);
    interruption.handle({ cause: 'SIGINT', count: 3 });
    expect(exits).toEqual([130]);
    expect(lines.at(-1)).toBe('   Ctrl-C again: exiting now; left behind: broker 2 down (`yarn broker:start 2`); topic lab07-orders');
    interruption.dispose();
  });

  it('yarn going away reads as such', () => {
    const lines: string[] = [];
    const interruption = new LabInterruption((l) => lines.push(l), () => ({ doing: '', left: [] }), () => {}, () => {});
    interruption.handle({ cause: 'launcher gone', count: 1, launcher: { pid: 42, ppid: 1, pgid: 40, name: 'yarn' } });
    expect(lines.at(-1)).toContain('yarn (pid 42), which started this process, exited: stopping the lab');
    interruption.dispose();
  });
});
