import { describe, expect, it } from 'vitest';
import { coordinatorPartition } from '../../src/broker/group/index.js';
import { FAST_TIMING, Prng, coordinatorPartitionOf, parseDuration, planSchedule, resolveTargets, summarizePeriods, type ClusterView } from '../../src/chaos/index.js';

describe('fault schedule', () => {
  it('is the same for the same seed and different for another', () => {
    expect(planSchedule(7, 30)).toEqual(planSchedule(7, 30));
    expect(planSchedule(7, 30)).not.toEqual(planSchedule(8, 30));
  });

  it('covers every kind of fault in each round of ten, with downtimes and gaps in range', () => {
    const plan = planSchedule(42, 24);
    for (const round of [plan.slice(0, 10), plan.slice(10, 20)]) {
      expect(new Set(round.map((f) => `${f.action} ${f.role}`)).size).toBe(10);
    }
    for (const f of plan) {
      expect(f.downMs).toBeGreaterThanOrEqual(FAST_TIMING.downMs[0]);
      expect(f.downMs).toBeLessThanOrEqual(FAST_TIMING.downMs[1]);
      expect(f.gapMs).toBeGreaterThanOrEqual(FAST_TIMING.gapMs[0]);
      expect(f.gapMs).toBeLessThanOrEqual(FAST_TIMING.gapMs[1]);
    }
    expect(plan.map((f) => f.index)).toEqual([...Array(24).keys()]);
  });
});

describe('targets', () => {
  const view: ClusterView = {
    at: 0,
    controller: 2,
    coordinator: 3,
    liveBrokers: [1, 2, 3],
    partitions: [
      { partition: 0, leader: 1, replicas: [1, 2, 3], isr: [1, 2, 3] },
      { partition: 1, leader: 2, replicas: [2, 3, 1], isr: [2, 3] },
    ],
  };
  it('picks the broker that holds the role', () => {
    const rng = new Prng(1);
    for (let i = 0; i < 20; i++) {
      expect(resolveTargets({ role: 'controller' }, view, [1, 2, 3], rng)).toEqual({ targets: [2] });
      expect(resolveTargets({ role: 'coordinator' }, view, [1, 2, 3], rng)).toEqual({ targets: [3] });
      expect([1, 2]).toContain(resolveTargets({ role: 'leader' }, view, [1, 2, 3], rng).targets[0]);
      const follower = resolveTargets({ role: 'follower' }, view, [1, 2, 3], rng).targets;
      expect(follower).toHaveLength(1);
      expect(view.partitions.some((p) => p.leader !== follower[0] && p.isr.includes(follower[0]!))).toBe(true);
      const [a, b] = resolveTargets({ role: 'two' }, view, [1, 2, 3], rng).targets;
      expect(a).not.toBe(b);
      expect(view.partitions.some((p) => p.leader === a && p.isr.includes(b!))).toBe(true);
    }
  });
  it('falls back to a random broker, with a note, when nobody holds the role', () => {
    const empty: ClusterView = { ...view, controller: null, coordinator: null, partitions: [] };
    const r = resolveTargets({ role: 'controller' }, empty, [1, 2, 3], new Prng(3));
    expect(r.targets).toHaveLength(1);
    expect(r.note).toMatch(/random broker/);
    expect(resolveTargets({ role: 'two' }, empty, [1, 2, 3], new Prng(3)).targets).toHaveLength(2);
  });
});

describe('helpers', () => {
  // Finding: the embedded broker used `hash & 0x7fffffff` where Kafka uses Utils.abs (Math.abs, MIN_VALUE → 0), so
  // every group with a negative hash had another coordinator partition than on Kafka.
  it('finds the coordinator partition with Kafka\'s rule, as the embedded broker does', () => {
    expect(coordinatorPartition('my-group', 50)).toBe(12); // what Kafka's own Utils.abs gives (jshell)
    expect(coordinatorPartitionOf('my-group', 50)).toBe(12);
    for (const g of ['chaos-group-7-abc', 'orders', '', 'polygenelubricants', 'x'.repeat(50)]) {
      for (const n of [1, 10, 50]) expect(coordinatorPartitionOf(g, n)).toBe(coordinatorPartition(g, n));
    }
  });
  it('parses durations', () => {
    expect(parseDuration('60s')).toBe(60_000);
    expect(parseDuration('2m')).toBe(120_000);
    expect(parseDuration('1h')).toBe(3_600_000);
    expect(parseDuration('1500ms')).toBe(1500);
    expect(parseDuration('90')).toBe(90_000);
    expect(() => parseDuration('soon')).toThrow(/not a duration/);
    expect(() => parseDuration('0s')).toThrow(/longer than 0/);
  });
  it('summarises unavailable periods', () => {
    expect(summarizePeriods([{ start: 1000, end: 3500 }, { start: 5000, end: 6000 }], 0)).toEqual({
      count: 2,
      longestMs: 2500,
      totalMs: 3500,
      periods: [
        { startMs: 1000, endMs: 3500, ms: 2500 },
        { startMs: 5000, endMs: 6000, ms: 1000 },
      ],
    });
  });
});
