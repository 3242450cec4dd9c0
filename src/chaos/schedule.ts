/**
 * The fault schedule: a seeded list of what to break, for how long, and how long to wait before the next fault.
 * The same seed gives the same list (kinds, roles, timings). Which broker holds a role (leader of a partition, the
 * controller, the group coordinator) is read from the cluster when the fault fires, with a second seeded stream to
 * break ties, so on a cluster in the same state the same brokers are hit.
 */
export type FaultAction = 'kill' | 'stop';
/**
 * Whom a fault hits: a partition leader, one of its in-sync followers, the active KRaft controller (from DescribeQuorum),
 * the group coordinator, or two at once (a leader and one of its followers). On a 3-node combined-mode cluster two at
 * once is also 2 of 3 controller voters: killed, the quorum is lost until one returns (no fencing, no ISR change, acks=all
 * waits and times out); stopped, the first goes through a controlled shutdown and the second too while it can.
 */
export type FaultRole = 'leader' | 'follower' | 'controller' | 'coordinator' | 'two';

export interface FaultSpec {
  index: number;
  action: FaultAction;
  role: FaultRole;
  /** how long the broker(s) stay down before they are started again */
  downMs: number;
  /** pause after the cluster recovered (all brokers up, full ISR) before the next fault */
  gapMs: number;
}

/** mulberry32: a tiny, fast, well-mixed 32-bit PRNG; `next()` is in [0, 1). */
export class Prng {
  private state: number;
  constructor(seed: number) {
    this.state = (seed >>> 0) ^ 0x9e3779b9;
  }
  next(): number {
    this.state = (this.state + 0x6d2b79f5) >>> 0;
    let t = this.state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }
  /** integer in [min, max] */
  int(min: number, max: number): number {
    return min + Math.floor(this.next() * (max - min + 1));
  }
  pick<T>(items: readonly T[]): T {
    if (items.length === 0) throw new Error('pick from an empty list');
    return items[Math.floor(this.next() * items.length)]!;
  }
}

/** Every (action, role) pair appears in turn, in a seeded order, so even a short schedule covers them all. */
const KINDS: ReadonlyArray<[FaultAction, FaultRole]> = [
  ['kill', 'leader'],
  ['kill', 'follower'],
  ['kill', 'controller'],
  ['kill', 'coordinator'],
  ['kill', 'two'],
  ['stop', 'leader'],
  ['stop', 'follower'],
  ['stop', 'controller'],
  ['stop', 'coordinator'],
  ['stop', 'two'],
];

export interface ScheduleTiming {
  /** downtime range of one fault, ms */
  downMs: [number, number];
  /** pause range between faults, ms */
  gapMs: [number, number];
}

/** Sized for the embedded chaos cluster (1 s session timeout): a kill sometimes outlives the session, sometimes not. */
export const FAST_TIMING: ScheduleTiming = { downMs: [400, 1800], gapMs: [100, 600] };
/** For Docker (5 s session timeout in the compose files, slower container starts). */
export const DOCKER_TIMING: ScheduleTiming = { downMs: [2000, 8000], gapMs: [500, 2000] };

/** The `count` first faults of the schedule of `seed` (the schedule is an endless stream; --duration just takes more). */
export function planSchedule(seed: number, count: number, timing: ScheduleTiming = FAST_TIMING): FaultSpec[] {
  const stream = scheduleStream(seed, timing);
  return Array.from({ length: count }, () => stream.next());
}

export function scheduleStream(seed: number, timing: ScheduleTiming = FAST_TIMING): { next(): FaultSpec } {
  const rng = new Prng(seed);
  let round: Array<[FaultAction, FaultRole]> = [];
  let index = 0;
  return {
    next() {
      if (round.length === 0) {
        round = [...KINDS];
        for (let i = round.length - 1; i > 0; i--) {
          const j = rng.int(0, i);
          [round[i], round[j]] = [round[j]!, round[i]!];
        }
      }
      const [action, role] = round.shift()!;
      return { index: index++, action, role, downMs: rng.int(...timing.downMs), gapMs: rng.int(...timing.gapMs) };
    },
  };
}

export function describeSpec(spec: Pick<FaultSpec, 'action' | 'role'>): string {
  const who = { leader: 'a partition leader', follower: 'an in-sync follower', controller: 'the controller', coordinator: 'the group coordinator', two: 'a leader and a follower at once' }[spec.role];
  return `${spec.action} ${who}`;
}
