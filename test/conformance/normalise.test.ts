/**
 * The normaliser and the comparison on real observations: the same scenario run on two separate embedded clusters
 * (real sockets, kafkajs) gives different member ids and durations, which must compare equal; a changed record must not.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startEmbedded, type RunningCluster } from '../../src/conformance/backends.js';
import { recordingContext } from '../../src/conformance/context.js';
import { openDriver } from '../../src/conformance/drivers/index.js';
import { agree, compare, normalise } from '../../src/conformance/normalise.js';
import type { Observation, Scenario } from '../../src/conformance/types.js';

const scenario: Scenario = {
  name: 'normalise-probe',
  title: 'produce, read back, join a group, with timings',
  level: 'must-match',
  quick: true,
  clients: ['kafkajs'],
  needs: [],
  async run(ctx) {
    const topic = ctx.topic();
    await ctx.admin.createTopic(topic, { partitions: 1, replicationFactor: 3 });
    await ctx.run('produce', { op: 'produce', topic, partition: 0, values: ['a', 'b'], acks: -1, timeoutMs: 10_000 }, { toleranceMs: 2000 });
    await ctx.run('fetch', { op: 'fetch', topic, partition: 0, offset: 0, max: 2, waitMs: 15_000 }, { keep: (a) => a.records });
    await ctx.run('join', { op: 'join', group: ctx.topic('g'), topic, waitMs: 20_000 });
  },
};

async function observe(running: RunningCluster): Promise<Observation[]> {
  const driver = openDriver('kafkajs', running.bootstrap());
  const recording = recordingContext(scenario.name, 'kafkajs', running, driver, () => {});
  try {
    await scenario.run(recording.ctx);
    return recording.observations;
  } finally {
    await recording.close();
    await driver.close();
  }
}

describe('normaliser and comparison on observations from two embedded clusters', () => {
  let a: RunningCluster;
  let b: RunningCluster;
  let first: Observation[];
  let second: Observation[];
  beforeAll(async () => {
    [a, b] = await Promise.all([startEmbedded(), startEmbedded()]);
    first = await observe(a);
    second = await observe(b);
  }, 120_000);
  afterAll(async () => {
    await Promise.all([a?.destroy(), b?.destroy()]);
  });

  it('sees different member ids and durations before normalising', () => {
    const join = (o: Observation[]) => o.find((x) => x.step === 'join')!.value as { memberId: string };
    expect(join(first).memberId).toMatch(/^conformance-kafkajs-/);
    expect(join(first).memberId).not.toBe(join(second).memberId);
    expect(JSON.stringify(first)).not.toBe(JSON.stringify(second));
  });

  it('finds no difference after normalising', () => {
    expect(compare(first, second)).toEqual([]);
    expect(normalise(first.find((x) => x.step === 'join')!.value)).toMatchObject({ memberId: '<generated>', assignment: [0] });
  });

  it('finds a changed record, a missing step and a duration outside the tolerance', () => {
    const changed = second.map((o) => (o.step === 'fetch' ? { step: o.step, value: [{ offset: 0, value: 'a' }, { offset: 1, value: 'X' }] } : o));
    expect(compare(first, changed).map((d) => d.step)).toEqual(['fetch']);
    expect(compare(first, second.slice(0, -1))).toEqual([{ step: 'join', embedded: normalise(first.at(-1)!.value), jvm: '(not reached)' }]);
    const produced = first.find((o) => o.step === 'produce')!.value as { took: { ms: number; toleranceMs: number } };
    expect(agree(produced.took, { ms: produced.took.ms + 1999, toleranceMs: 2000 })).toBe(true);
    expect(agree(produced.took, { ms: produced.took.ms + 2001, toleranceMs: 2000 })).toBe(false);
  });
});
