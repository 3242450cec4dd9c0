/**
 * Which requests answer at once and which wait, checked on whatever test/helpers/target.ts gives (the embedded
 * cluster, or real Kafka through the jvm backend): Fetch's long poll (Kafka's DelayedFetch) and the high watermark
 * while the ISR is below min.insync.replicas (Kafka's Partition.maybeIncrementLeaderHW, DelayedProduce).
 * Raw requests with the kit's codec, one per fresh connection, to one broker.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ErrorCode } from '../../src/broker/protocol/errors.js';
import { buildBatch } from '../../src/broker/protocol/record-batch.js';
import { eventually } from '../helpers/embedded.js';
import { type KafkaTarget, createTopicsAndWait, on, startTarget, targetSkip } from '../helpers/target.js';
import { EMBEDDED_TIMING, ask, fetchRecords, highWatermark, metadataFrom, timing } from './kraft.js';

const skip = targetSkip('test/broker/waits.test.ts');
let t: KafkaTarget;
let address: Map<number, string>;
beforeAll(async () => {
  if (skip) return;
  t = await startTarget({ brokers: 3, embedded: { config: { ...EMBEDDED_TIMING, autoLeaderRebalance: false } } });
  address = new Map((await t.cluster.brokers()).map((b) => [b.id, `${b.host}:${b.port}`]));
}, 180_000);
afterAll(async () => {
  await t?.destroy();
}, 120_000);

async function createTopic(topic: string, numPartitions: number, minInsync: number) {
  const admin = t.kafka().admin();
  await admin.connect();
  await createTopicsAndWait(admin, [
    { topic, numPartitions, replicationFactor: 3, configEntries: [{ name: 'min.insync.replicas', value: String(minInsync) }] },
  ]);
  await admin.disconnect();
  return eventually(async () => {
    const { partitions } = await metadataFrom(address.get(1)!, topic);
    return partitions.length === numPartitions && partitions.every((p) => p.leader > 0 && p.isr.length === 3) ? partitions : undefined;
  }, 30_000, 200);
}

/** Fetch v10 (a consumer without KIP-392 client metadata: only a leader serves it), timed. */
async function timedFetch(to: string, topic: string, partitions: Array<{ partition: number; offset: number }>, minBytes: number, maxWaitMs: number) {
  const started = Date.now();
  const response = await ask(
    to,
    1,
    10,
    {
      replicaId: -1,
      maxWaitMs,
      minBytes,
      maxBytes: 1 << 20,
      isolationLevel: 0,
      sessionId: 0,
      sessionEpoch: -1,
      topics: [{ topic, partitions: partitions.map((p) => ({ partition: p.partition, currentLeaderEpoch: -1, fetchOffset: p.offset, logStartOffset: -1, partitionMaxBytes: 1 << 20 })) }],
      forgottenTopicsData: [],
    },
    maxWaitMs + 20_000,
  );
  const errors = new Map<number, number>(response.responses[0].partitions.map((p: { partitionIndex: number; errorCode: number }) => [p.partitionIndex, p.errorCode]));
  return { ms: Date.now() - started, errors };
}

async function produce(to: string, topic: string, partition: number, acks: number, timeoutMs: number, value: string) {
  const started = Date.now();
  const response = await ask(
    to,
    0,
    7,
    { transactionalId: null, acks, timeoutMs, topicData: [{ name: topic, partitionData: [{ index: partition, records: buildBatch([{ value }]) }] }] },
    timeoutMs + 30_000,
  );
  const p = response.responses[0].partitionResponses[0];
  return { ms: Date.now() - started, errorCode: p.errorCode as number, baseOffset: p.baseOffset as number };
}

const LONG_WAIT = 8000;

describe.skipIf(skip)(on('Fetch long poll'), () => {
  it('answers at once when a partition has an error or minBytes is 0, and waits maxWaitMs otherwise', async () => {
    const partitions = await createTopic('lp', 2, 2);
    const p0 = partitions[0]!;
    const leader = address.get(p0.leader)!;
    const follower = address.get(p0.replicas.find((id) => id !== p0.leader)!)!;

    // A partition this broker does not lead (NOT_LEADER_OR_FOLLOWER): DelayedFetch is not even created.
    const notLeader = await timedFetch(follower, 'lp', [{ partition: 0, offset: 0 }], 1, LONG_WAIT);
    expect(notLeader.errors.get(0)).toBe(ErrorCode.NOT_LEADER_OR_FOLLOWER);
    expect(notLeader.ms).toBeLessThan(LONG_WAIT / 2);

    // minBytes 0: nothing to wait for.
    const noMinimum = await timedFetch(leader, 'lp', [{ partition: 0, offset: 0 }], 0, LONG_WAIT);
    expect(noMinimum.errors.get(0)).toBe(ErrorCode.NONE);
    expect(noMinimum.ms).toBeLessThan(LONG_WAIT / 2);

    // One partition in error and one with nothing to read: the error decides, the answer comes at once.
    const other = partitions.find((p) => p.leader !== p0.leader);
    if (other) {
      const mixed = await timedFetch(leader, 'lp', [{ partition: 0, offset: 0 }, { partition: other.partition, offset: 0 }], 1, LONG_WAIT);
      expect(mixed.errors.get(0)).toBe(ErrorCode.NONE);
      expect(mixed.errors.get(other.partition)).toBe(ErrorCode.NOT_LEADER_OR_FOLLOWER);
      expect(mixed.ms).toBeLessThan(LONG_WAIT / 2);
    }

    // Nothing to read and no error: the long poll waits out maxWaitMs.
    const waited = await timedFetch(leader, 'lp', [{ partition: 0, offset: 0 }], 1, 1500);
    expect(waited.errors.get(0)).toBe(ErrorCode.NONE);
    expect(waited.ms).toBeGreaterThanOrEqual(1400);
  });
});

describe.skipIf(skip)(on('the high watermark under min.insync.replicas'), () => {
  it('stops advancing while the ISR is below min.insync.replicas: acks=all waiting times out, acks=1 stays invisible until the ISR recovers', async () => {
    const [p] = await createTopic('minisr', 1, 3);
    const leader = address.get(p!.leader)!;
    const victim = p!.replicas.find((id) => id !== p!.leader)!;
    expect((await produce(leader, 'minisr', 0, -1, 10_000, 'one')).errorCode).toBe(ErrorCode.NONE);
    expect(await highWatermark(leader, 'minisr', 0)).toBe(1);

    // acks=all in flight when a follower dies: the ISR shrinks (after the session timeout) below min ISR, the high
    // watermark stays, and the produce times out, though the record is in the leader's log.
    await t.cluster.killBroker(victim);
    const timeoutMs = timing.sessionTimeoutMs + 5000;
    const waiting = await produce(leader, 'minisr', 0, -1, timeoutMs, 'two');
    expect(waiting.errorCode).toBe(ErrorCode.REQUEST_TIMED_OUT);
    expect(waiting.ms).toBeGreaterThanOrEqual(timeoutMs - 500);
    const shrunk = await eventually(async () => {
      const [view] = (await metadataFrom(leader, 'minisr')).partitions;
      return view && view.isr.length === 2 ? view : undefined;
    }, 30_000, 200);
    expect(shrunk.isr).not.toContain(victim);

    // Below min ISR: acks=all refused at once, acks=1 appended (offset 2, after the timed-out one) but not visible.
    expect((await produce(leader, 'minisr', 0, -1, 10_000, 'refused')).errorCode).toBe(ErrorCode.NOT_ENOUGH_REPLICAS);
    const acked = await produce(leader, 'minisr', 0, 1, 10_000, 'three');
    expect(acked).toMatchObject({ errorCode: ErrorCode.NONE, baseOffset: 2 });
    expect(await highWatermark(leader, 'minisr', 0)).toBe(1);
    expect(await fetchRecords(leader, 'minisr', 0)).toMatchObject({ errorCode: ErrorCode.NONE, highWatermark: 1, records: 1 });

    // The follower returns and catches up: the ISR is whole again and everything becomes visible.
    await t.cluster.startBroker(victim);
    await eventually(async () => (await highWatermark(leader, 'minisr', 0)) === 3, 60_000, 250);
    expect(await fetchRecords(leader, 'minisr', 0)).toMatchObject({ errorCode: ErrorCode.NONE, highWatermark: 3, records: 3 });
  });
});
