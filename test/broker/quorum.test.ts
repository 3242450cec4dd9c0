/**
 * The KRaft controller quorum of a 3-node combined-mode cluster (every broker is also a voter), as Kafka 4.4.0 shows
 * it (docs/fidelity.md, "KRaft quorum"): with 2 of 3 nodes dead nothing in the metadata changes, acks=all times out,
 * acks=1 stays below the high watermark, requests for the controller wait; one node back and the controller fences
 * the other after a fresh session timeout. Only the wire and the Cluster interface are used, so the file runs on the
 * embedded cluster and, through test/helpers/target.ts, on real Kafka (the timings differ, never the outcome).
 */
import { afterEach, describe, expect, it } from 'vitest';
import { setTimeout as sleep } from 'node:timers/promises';
import { coordinatorPartition } from '../../src/broker/group/index.js';
import { ErrorCode } from '../../src/broker/protocol/errors.js';
import { kafkaErrorType } from '../../src/clients/kafka.js';
import { eventually } from '../helpers/embedded.js';
import { on, startTarget, targetSkip, type KafkaTarget } from '../helpers/target.js';
import { EMBEDDED_TIMING, NoAnswer, ask, describeQuorum, fetchRecords, highWatermark, metadataFrom, timing } from './kraft.js';

const skip = targetSkip('test/broker/quorum.test.ts');
let t: KafkaTarget | undefined;
afterEach(async () => {
  await t?.destroy();
  t = undefined;
});

async function start(): Promise<{ t: KafkaTarget; address: Map<number, string> }> {
  t = await startTarget({ brokers: 3, embedded: { config: { ...EMBEDDED_TIMING, autoLeaderRebalance: false } } });
  const address = new Map((await t.cluster.brokers()).map((b) => [b.id, `${b.host}:${b.port}`]));
  return { t, address };
}

async function createTopic(target: KafkaTarget, topic: string, numPartitions: number) {
  const admin = target.kafka().admin();
  await admin.connect();
  await admin.createTopics({
    waitForLeaders: true,
    topics: [{ topic, numPartitions, replicationFactor: 3, configEntries: [{ name: 'min.insync.replicas', value: '2' }] }],
  });
  await admin.disconnect();
}

/**
 * A group id whose coordinator (the leader of its __consumer_offsets partition) is `broker`. Kafka creates
 * __consumer_offsets on the first FindCoordinator, so ask one first and wait for the topic.
 */
async function groupCoordinatedBy(address: string, broker: number, prefix: string): Promise<string> {
  const partitions = await eventually(async () => {
    await ask(address, 10, 2, { key: prefix, keyType: 0 });
    const found = (await metadataFrom(address, '__consumer_offsets')).partitions;
    return found.length > 0 && found.every((p) => p.leader >= 0) ? found : undefined;
  }, 60_000, 500);
  for (let i = 0; i < 10_000; i++) {
    const group = `${prefix}-${i}`;
    if (partitions.find((p) => p.partition === coordinatorPartition(group, partitions.length))?.leader === broker) return group;
  }
  throw new Error(`no group id coordinated by broker ${broker}`);
}

describe.skipIf(skip)(on('the KRaft quorum'), () => {
  it('names a random live broker as Metadata controllerId, and the active controller in DescribeQuorum', async () => {
    const { address } = await start();
    const ids = [...address.keys()].sort();
    const seen = new Set<number>();
    for (const a of address.values()) {
      for (let i = 0; i < 20; i++) {
        const { brokers, controllerId } = await metadataFrom(a);
        expect(brokers).toEqual(ids);
        expect(ids).toContain(controllerId);
        seen.add(controllerId);
      }
    }
    expect(seen.size).toBeGreaterThan(1); // 60 answers from 3 live brokers: never the same one every time
    const described = await ask(address.get(ids[0]!)!, 60, 0, { includeClusterAuthorizedOperations: false });
    expect(ids).toContain(described.controllerId);

    const views = await Promise.all([...address.values()].map((a) => describeQuorum(a, 2)));
    const [{ response, partition }] = views as [(typeof views)[number]];
    expect(response.errorCode).toBe(ErrorCode.NONE);
    expect(partition.errorCode).toBe(ErrorCode.NONE);
    expect(ids).toContain(partition.leaderId);
    expect(partition.leaderEpoch).toBeGreaterThan(0);
    expect(partition.currentVoters.map((v: { replicaId: number }) => v.replicaId).sort()).toEqual(ids);
    expect(partition.observers).toEqual([]);
    expect(response.nodes.map((n: { nodeId: number }) => n.nodeId).sort()).toEqual(ids);
    // every broker forwards to the same controller
    for (const view of views) expect(view.partition.leaderId).toBe(partition.leaderId);
    // v0 has no timestamps; v1 has them for every running voter
    const v0 = await describeQuorum(address.get(ids[1]!)!, 0);
    expect(v0.partition.currentVoters.every((v: { lastFetchTimestamp: number }) => v.lastFetchTimestamp === -1)).toBe(true);
    const v1 = await describeQuorum(address.get(ids[1]!)!, 1);
    expect(v1.partition.currentVoters.every((v: { lastFetchTimestamp: number }) => v.lastFetchTimestamp > 0)).toBe(true);
    // only __cluster_metadata-0 is answered
    const other = await ask(address.get(ids[0]!)!, 55, 2, { topics: [{ topicName: '__cluster_metadata', partitions: [{ partitionIndex: 1 }] }] });
    expect(other.topics[0].partitions[0].errorCode).toBe(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION);
    // a broker listener is not a controller endpoint
    const controllers = await ask(address.get(ids[0]!)!, 60, 1, { includeClusterAuthorizedOperations: false, endpointType: 2 });
    expect(controllers.errorCode).toBe(ErrorCode.MISMATCHED_ENDPOINT_TYPE);
  });

  it('freezes the metadata without a quorum (2 of 3 nodes dead), and the controller resumes when one returns', async () => {
    const { t, address } = await start();
    const topic = 'frozen';
    await createTopic(t, topic, 3);
    const producer = t.kafka().producer();
    await producer.connect();
    for (const partition of [0, 1, 2]) {
      await producer.send({ topic, acks: -1, messages: Array.from({ length: 10 }, (_, i) => ({ partition, value: `before-${i}` })) });
    }
    await producer.disconnect();
    const before = await metadataFrom(address.get(1)!, topic);
    const survivor = before.partitions[0]!.leader;
    const victims = [...address.keys()].filter((id) => id !== survivor);
    const S = address.get(survivor)!;
    const group = await groupCoordinatedBy(S, survivor, 'frozen-group');
    const commitGroup = await groupCoordinatedBy(S, survivor, 'frozen-commit');
    for (const id of victims) await t.cluster.killBroker(id);

    // Twice the session timeout: nobody is fenced, no leader moves, no ISR shrinks.
    await sleep(2 * timing.sessionTimeoutMs + 500);
    const frozen = await metadataFrom(S, topic);
    expect(frozen.brokers).toEqual([...address.keys()].sort());
    expect(frozen.partitions.map((p) => [p.leader, p.isr])).toEqual(before.partitions.map((p) => [p.leader, p.isr]));
    expect(frozen.partitions.every((p) => p.errorCode === ErrorCode.NONE && p.offline.length === 0)).toBe(true);
    expect(frozen.partitions.some((p) => victims.includes(p.leader))).toBe(true); // dead leaders are still named
    expect([...address.keys()]).toContain(frozen.controllerId);

    // acks=all: the leader appends and waits for replicas that never come.
    const survivorOnly = t.kafka({ brokers: [S], retry: { retries: 0 } }).producer();
    await survivorOnly.connect();
    const refused = await survivorOnly.send({ topic, acks: -1, timeout: 1000, messages: [{ partition: 0, value: 'timed-out' }] }).then(
      () => 'acknowledged',
      (error) => kafkaErrorType(error),
    );
    expect(refused).toBe('REQUEST_TIMED_OUT');
    // acks=1: acknowledged, but below the high watermark nothing moves.
    const [written] = await survivorOnly.send({ topic, acks: 1, messages: [{ partition: 0, value: 'leader-only' }] });
    expect(Number(written!.baseOffset)).toBe(11);
    expect(await highWatermark(S, topic, 0)).toBe(10);
    expect(await fetchRecords(S, topic, 0, 0)).toMatchObject({ errorCode: ErrorCode.NONE, highWatermark: 10, records: 10 });

    // What needs the controller waits, then times out, whatever the request's own timeout.
    const [quorum, created, producerId] = await Promise.all([
      ask(S, 55, 1, { topics: [{ topicName: '__cluster_metadata', partitions: [{ partitionIndex: 0 }] }] }, timing.forwardTimeoutMs + 10_000),
      ask(S, 19, 3, { topics: [{ name: 'not-now', numPartitions: 1, replicationFactor: 1, assignments: [], configs: [] }], timeoutMs: 100 }, timing.forwardTimeoutMs + 10_000),
      ask(S, 22, 1, { transactionalId: null, transactionTimeoutMs: 60_000 }),
    ]);
    expect(quorum.errorCode).toBe(ErrorCode.REQUEST_TIMED_OUT);
    expect(created.topics[0].errorCode).toBe(ErrorCode.REQUEST_TIMED_OUT);
    // no producer-id block on the survivor yet, and no controller to get one from
    expect(producerId.errorCode).toBe(ErrorCode.COORDINATOR_LOAD_IN_PROGRESS);
    // A new group cannot start: its assignment cannot be written to __consumer_offsets.
    const protocols = [{ name: 'range', metadata: Buffer.alloc(0) }];
    const join = { groupId: group, sessionTimeoutMs: 30_000, rebalanceTimeoutMs: 30_000, protocolType: 'consumer', protocols };
    const first = await ask(S, 11, 5, { ...join, memberId: '' });
    const joined = await ask(S, 11, 5, { ...join, memberId: first.memberId });
    expect(joined.errorCode).toBe(ErrorCode.NONE);
    const synced = await ask(S, 14, 3, { groupId: group, generationId: joined.generationId, memberId: joined.memberId, assignments: [{ memberId: joined.memberId, assignment: Buffer.alloc(0) }] }, timing.offsetsCommitTimeoutMs + 10_000);
    expect(synced.errorCode).toBe(ErrorCode.COORDINATOR_NOT_AVAILABLE);
    const committed = await ask(S, 8, 5, { groupId: commitGroup, generationIdOrMemberEpoch: -1, memberId: '', topics: [{ name: topic, partitions: [{ partitionIndex: 0, committedOffset: 5, committedMetadata: null }] }] }, timing.offsetsCommitTimeoutMs + 10_000);
    expect(committed.topics[0].partitions[0].errorCode).toBe(ErrorCode.COORDINATOR_NOT_AVAILABLE);

    // One node back: a quorum, a controller, and the other node fenced after a fresh session timeout.
    const [back, still] = victims as [number, number];
    await t.cluster.startBroker(back);
    const recovered = await eventually(async () => {
      const { partition } = await describeQuorum(S, 1, 2000).catch(() => ({ partition: undefined }));
      return partition?.errorCode === ErrorCode.NONE ? partition : undefined;
    }, 90_000);
    expect([survivor, back]).toContain(recovered.leaderId);
    await eventually(async () => !(await metadataFrom(S)).brokers.includes(still), 90_000);
    await eventually(async () => {
      const [p0] = (await metadataFrom(S, topic)).partitions;
      return p0!.isr.length === 2 && p0!.isr.includes(back) && p0!.isr.includes(survivor);
    }, 90_000);
    // the high watermark passes what waited: the timed-out write and the acks=1 one
    await eventually(async () => (await highWatermark(S, topic, 0)) >= 12, 30_000);
    const after = t.kafka({ brokers: [S], retry: { retries: 20, initialRetryTime: 100, maxRetryTime: 1000 } }).producer();
    await after.connect();
    await after.send({ topic, acks: -1, messages: [{ partition: 0, value: 'after' }] });
    await after.disconnect();
    await survivorOnly.disconnect();
    await t.cluster.startBroker(still);
    await eventually(async () => (await metadataFrom(S, topic)).partitions.every((p) => p.isr.length === 3), 90_000);
  });

  it('elects a new controller when the active one dies, then fences it after a fresh session timeout', async () => {
    const { t, address } = await start();
    await createTopic(t, 'moves', 3);
    const { partition: before } = await describeQuorum(address.get(1)!, 1);
    const dead = before.leaderId as number;
    const survivors = [...address.keys()].filter((id) => id !== dead);
    await t.cluster.killBroker(dead);
    const after = await eventually(async () => {
      const { partition } = await describeQuorum(address.get(survivors[0]!)!, 1, 2000).catch(() => ({ partition: undefined }));
      return partition && partition.errorCode === ErrorCode.NONE && partition.leaderId !== dead ? partition : undefined;
    }, 60_000);
    expect(survivors).toContain(after.leaderId);
    expect(after.leaderEpoch).toBeGreaterThan(before.leaderEpoch);
    const { partition: other } = await describeQuorum(address.get(survivors[1]!)!, 1);
    expect(other.leaderId).toBe(after.leaderId);
    await eventually(async () => {
      const m = await metadataFrom(address.get(survivors[0]!)!, 'moves');
      return !m.brokers.includes(dead) && m.partitions.every((p) => p.leader !== dead && !p.isr.includes(dead) && p.offline.includes(dead));
    }, 60_000);
    // Metadata still never names the dead broker as controller
    for (let i = 0; i < 10; i++) expect(survivors).toContain((await metadataFrom(address.get(survivors[1]!)!)).controllerId);
    await t.cluster.startBroker(dead);
    await eventually(async () => (await metadataFrom(address.get(survivors[0]!)!, 'moves')).partitions.every((p) => p.isr.length === 3), 60_000);
  });
});

describe.skipIf(skip)(on('ElectLeaders'), () => {
  it('moves leadership back to the preferred replica after a restart; ELECTION_NOT_NEEDED where it already leads', async () => {
    const { t, address } = await start();
    const topic = 'elect';
    await createTopic(t, topic, 3);
    const any = address.get(1)!;
    const notNeeded = { errorCode: ErrorCode.ELECTION_NOT_NEEDED, errorMessage: 'Leader election not needed for topic partition.' };
    const elect = (version: number, body: object, to = any) => ask(to, 43, version, { timeoutMs: 10_000, ...body });

    const all = await elect(1, { electionType: 0, topicPartitions: [{ topic, partitions: [0, 1, 2] }] });
    expect(all.errorCode).toBe(ErrorCode.NONE);
    expect(all.replicaElectionResults).toEqual([{ topic, partitionResult: [0, 1, 2].map((partitionId) => ({ partitionId, ...notNeeded })) }]);
    expect((await elect(0, { topicPartitions: [{ topic, partitions: [0] }] })).replicaElectionResults[0].partitionResult[0]).toMatchObject(notNeeded);
    expect((await elect(2, { electionType: 1, topicPartitions: [{ topic, partitions: [0] }] })).replicaElectionResults[0].partitionResult[0]).toMatchObject(notNeeded);
    const unknown = await elect(2, { electionType: 0, topicPartitions: [{ topic: 'nope', partitions: [0] }, { topic, partitions: [7] }] });
    expect(unknown.replicaElectionResults).toEqual([
      { topic: 'nope', partitionResult: [{ partitionId: 0, errorCode: ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, errorMessage: 'No such topic as nope' }] },
      { topic, partitionResult: [{ partitionId: 7, errorCode: ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, errorMessage: `No such partition as ${topic}-7` }] },
    ]);
    expect((await elect(2, { electionType: 5, topicPartitions: [{ topic, partitions: [0] }] })).errorCode).toBe(ErrorCode.INVALID_REQUEST);

    // The preferred leader of partition 0 stops: leadership moves, and cannot be elected back while it is down.
    const [p0] = (await metadataFrom(any, topic)).partitions;
    const preferred = p0!.replicas[0]!;
    expect(p0!.leader).toBe(preferred);
    const other = address.get([...address.keys()].find((id) => id !== preferred)!)!;
    await t.cluster.stopBroker(preferred);
    await eventually(async () => (await metadataFrom(other, topic)).partitions[0]!.leader !== preferred, 60_000);
    const unavailable = await elect(2, { electionType: 0, topicPartitions: [{ topic, partitions: [0] }] }, other);
    expect(unavailable.replicaElectionResults[0].partitionResult[0]).toEqual({
      partitionId: 0,
      errorCode: ErrorCode.PREFERRED_LEADER_NOT_AVAILABLE,
      errorMessage: 'The preferred leader was not available.',
    });
    // it has a leader: an unclean election is not needed either
    expect((await elect(2, { electionType: 1, topicPartitions: [{ topic, partitions: [0] }] }, other)).replicaElectionResults[0].partitionResult[0]).toMatchObject(notNeeded);

    await t.cluster.startBroker(preferred);
    await eventually(async () => (await metadataFrom(other, topic)).partitions[0]!.isr.includes(preferred), 60_000);
    // null = every partition; those already led by their preferred replica are left out
    const everything = await elect(2, { electionType: 0, topicPartitions: null }, other);
    expect(everything.errorCode).toBe(ErrorCode.NONE);
    const mine = everything.replicaElectionResults.find((r: { topic: string }) => r.topic === topic);
    expect(mine).toBeDefined(); // every topic is listed, even with nothing to elect
    for (const r of mine.partitionResult) expect(r.errorCode).toBe(ErrorCode.NONE);
    expect((await metadataFrom(other, topic)).partitions[0]!.leader).toBe(preferred);
    const again = await elect(2, { electionType: 0, topicPartitions: null }, other);
    expect(again.replicaElectionResults.find((r: { topic: string }) => r.topic === topic)).toEqual({ topic, partitionResult: [] });
  });

  it('waits for the controller without a quorum, then times out', async () => {
    const { t, address } = await start();
    await createTopic(t, 'no-election', 1);
    // The survivor is not the active controller (a controller that lost its followers still answers for a few
    // seconds what needs no commit), and the others die, the controller with them.
    const { partition: quorum } = await describeQuorum(address.get(1)!, 1);
    const survivor = [...address.keys()].find((id) => id !== quorum.leaderId)!;
    for (const id of address.keys()) if (id !== survivor) await t.cluster.killBroker(id);
    await sleep(2 * timing.sessionTimeoutMs);
    const request = { electionType: 0, topicPartitions: [{ topic: 'no-election', partitions: [0] }], timeoutMs: 100 };
    const answer = await ask(address.get(survivor)!, 43, 1, request, timing.forwardTimeoutMs + 10_000).catch((e) => e);
    expect(answer).not.toBeInstanceOf(NoAnswer);
    expect(answer.errorCode).toBe(ErrorCode.REQUEST_TIMED_OUT);
    expect(answer.replicaElectionResults[0].partitionResult[0].errorCode).toBe(ErrorCode.REQUEST_TIMED_OUT);
  });
});
