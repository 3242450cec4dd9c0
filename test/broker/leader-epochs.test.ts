/**
 * Leader epochs reach clients (KIP-320), checked on whatever test/helpers/target.ts gives (the embedded cluster, or real
 * Kafka through the jvm backend): Metadata v7, ListOffsets v4, OffsetForLeaderEpoch v3, OffsetCommit v7 /
 * OffsetFetch v5 and Fetch's currentLeaderEpoch, raw with the kit's codec, around a broker restart that moves the
 * epoch on.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ErrorCode } from '../../src/broker/protocol/errors.js';
import { buildBatch } from '../../src/broker/protocol/record-batch.js';
import { requestOnce } from '../../src/cluster/kafka-requests.js';
import { eventually } from '../helpers/embedded.js';
import { type KafkaTarget, createTopicsAndWait, on, startTarget, targetSkip } from '../helpers/target.js';

const skip = targetSkip('test/broker/leader-epochs.test.ts');
let t: KafkaTarget;
beforeAll(async () => {
  if (!skip) t = await startTarget({ brokers: 1 });
}, 180_000);
afterAll(async () => {
  await t?.destroy();
}, 120_000);

const ask = (apiKey: number, version: number, body: unknown) => requestOnce(t.bootstrapServers[0]!, apiKey, version, body, 30_000);

async function metadataEpoch(topic: string): Promise<{ errorCode: number; leaderEpoch: number; leaderId: number }> {
  const response = await ask(3, 7, { topics: [{ name: topic }], allowAutoTopicCreation: false });
  return response.topics[0].partitions[0];
}

async function listOffset(topic: string, timestamp: number, currentLeaderEpoch = -1) {
  const response = await ask(2, 4, { replicaId: -1, isolationLevel: 0, topics: [{ name: topic, partitions: [{ partitionIndex: 0, currentLeaderEpoch, timestamp }] }] });
  return response.topics[0].partitions[0] as { errorCode: number; offset: number; leaderEpoch: number };
}

async function endOfEpoch(topic: string, leaderEpoch: number, currentLeaderEpoch = -1) {
  const response = await ask(23, 3, { replicaId: -1, topics: [{ topic, partitions: [{ partition: 0, currentLeaderEpoch, leaderEpoch }] }] });
  return response.topics[0].partitions[0] as { errorCode: number; leaderEpoch: number; endOffset: number };
}

async function fetchError(topic: string, currentLeaderEpoch: number): Promise<number> {
  const response = await ask(1, 11, {
    replicaId: -1,
    maxWaitMs: 0,
    minBytes: 0,
    maxBytes: 1 << 20,
    isolationLevel: 0,
    sessionId: 0,
    sessionEpoch: -1,
    topics: [{ topic, partitions: [{ partition: 0, currentLeaderEpoch, fetchOffset: 0, logStartOffset: -1, partitionMaxBytes: 1 << 20 }] }],
    forgottenTopicsData: [],
    rackId: '',
  });
  return response.responses[0].partitions[0].errorCode;
}

async function produce(topic: string, value: string): Promise<number> {
  const response = await ask(0, 7, { transactionalId: null, acks: -1, timeoutMs: 10_000, topicData: [{ name: topic, partitionData: [{ index: 0, records: buildBatch([{ value }]) }] }] });
  return response.responses[0].partitionResponses[0].errorCode;
}

describe.skipIf(skip)(on('leader epochs for clients (KIP-320)'), () => {
  it('names the leader epoch in Metadata, ListOffsets, OffsetForLeaderEpoch and committed offsets, and fences stale or future epochs', async () => {
    const admin = t.kafka().admin();
    await admin.connect();
    await createTopicsAndWait(admin, [{ topic: 'ep', numPartitions: 1 }]);
    await admin.disconnect();
    await eventually(async () => (await produce('ep', 'warm-up')) === ErrorCode.NONE, 30_000, 200);
    for (const v of ['a', 'b']) expect(await produce('ep', v)).toBe(ErrorCode.NONE);

    const first = await metadataEpoch('ep');
    expect(first.errorCode).toBe(ErrorCode.NONE);
    const e0 = first.leaderEpoch;
    expect(e0).toBeGreaterThanOrEqual(0);
    expect(await listOffset('ep', -1)).toMatchObject({ errorCode: 0, offset: 3, leaderEpoch: e0 });
    expect(await listOffset('ep', -2)).toMatchObject({ errorCode: 0, offset: 0, leaderEpoch: e0 });
    expect(await endOfEpoch('ep', e0)).toMatchObject({ errorCode: 0, leaderEpoch: e0, endOffset: 3 });
    // A client that has heard of a newer epoch than the broker: UNKNOWN_LEADER_EPOCH (retry after a metadata refresh).
    expect(await fetchError('ep', e0 + 5)).toBe(ErrorCode.UNKNOWN_LEADER_EPOCH);
    expect((await listOffset('ep', -1, e0 + 5)).errorCode).toBe(ErrorCode.UNKNOWN_LEADER_EPOCH);
    expect(await fetchError('ep', e0)).toBe(ErrorCode.NONE);

    // Committed offsets keep the epoch the consumer saw (OffsetCommit v6+, OffsetFetch v5+).
    const group = 'epoch-commits';
    await eventually(async () => (await ask(10, 2, { key: group, keyType: 0 })).errorCode === ErrorCode.NONE, 60_000, 250);
    const commit = await eventually(async () => {
      const response = await ask(8, 7, {
        groupId: group,
        generationIdOrMemberEpoch: -1,
        memberId: '',
        groupInstanceId: null,
        topics: [{ name: 'ep', partitions: [{ partitionIndex: 0, committedOffset: 2, committedLeaderEpoch: e0, committedMetadata: 'm' }] }],
      });
      const errorCode = response.topics[0].partitions[0].errorCode;
      return errorCode === ErrorCode.NOT_COORDINATOR || errorCode === ErrorCode.COORDINATOR_LOAD_IN_PROGRESS ? undefined : { errorCode };
    }, 60_000, 250);
    expect(commit.errorCode).toBe(ErrorCode.NONE);
    const fetched = await ask(9, 5, { groupId: group, topics: [{ name: 'ep', partitionIndexes: [0] }] });
    expect(fetched.topics[0].partitions[0]).toMatchObject({ committedOffset: 2, committedLeaderEpoch: e0, metadata: 'm', errorCode: 0 });

    // A restart moves the leader epoch on; what was asked with the old one is fenced.
    await t.cluster.stopBroker(1);
    await t.cluster.startBroker(1);
    const after = await eventually(async () => {
      const m = await metadataEpoch('ep').catch(() => undefined);
      return m && m.errorCode === ErrorCode.NONE && m.leaderId === 1 ? m : undefined;
    }, 90_000, 500);
    const e1 = after.leaderEpoch;
    expect(e1).toBeGreaterThan(e0);
    await eventually(async () => (await produce('ep', 'c')) === ErrorCode.NONE, 60_000, 250);
    expect(await fetchError('ep', e0)).toBe(ErrorCode.FENCED_LEADER_EPOCH);
    expect((await listOffset('ep', -1, e0)).errorCode).toBe(ErrorCode.FENCED_LEADER_EPOCH);
    expect((await endOfEpoch('ep', e0, e0)).errorCode).toBe(ErrorCode.FENCED_LEADER_EPOCH);
    // The old epoch's history ends where the new one begins; the latest offset carries the new epoch.
    expect(await endOfEpoch('ep', e0)).toMatchObject({ errorCode: 0, leaderEpoch: e0, endOffset: 3 });
    expect(await listOffset('ep', -1, e1)).toMatchObject({ errorCode: 0, offset: 4, leaderEpoch: e1 });
    console.log(`${t.name}: leader epoch ${e0} before the restart, ${e1} after`);
  });
});
