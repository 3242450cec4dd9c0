import { CompressionTypes, type EachMessagePayload, type ITopicConfig } from 'kafkajs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually } from '../helpers/embedded.js';
import { type KafkaTarget, createTopicsAndWait, on, startTarget, targetSkip } from '../helpers/target.js';

const skip = targetSkip('test/broker/kafkajs-single.test.ts');
let t: KafkaTarget;
beforeAll(async () => {
  if (!skip) t = await startTarget({ brokers: 1 });
}, 180_000);
afterAll(async () => {
  await t?.destroy();
}, 120_000);

async function consumeAll(topic: string, count: number, groupId = `g-${topic}-${Math.random()}`) {
  const consumer = t.kafka().consumer({ groupId });
  const seen: EachMessagePayload[] = [];
  await consumer.connect();
  await consumer.subscribe({ topic, fromBeginning: true });
  await consumer.run({ eachMessage: async (payload) => void seen.push(payload) });
  await eventually(() => seen.length >= count, 30_000);
  await consumer.disconnect();
  return seen;
}

describe.skipIf(skip !== null)(on('kafkajs against a single broker'), () => {
  it('produces with acks 0, 1 and all, gzip, keys and headers, and reads them back in order', async () => {
    const admin = t.kafka().admin();
    await admin.connect();
    await createTopicsAndWait(admin, [{ topic: 'first', numPartitions: 1 }]);
    const producer = t.kafka().producer();
    await producer.connect();
    await producer.send({ topic: 'first', acks: 0, messages: [{ key: 'k0', value: 'zero' }] });
    await producer.send({ topic: 'first', acks: 1, messages: [{ key: 'k1', value: 'one', headers: { h: 'x' } }] });
    const [meta] = await producer.send({
      topic: 'first',
      acks: -1,
      compression: CompressionTypes.GZIP,
      messages: [
        { key: 'k2', value: 'two' },
        { key: 'k3', value: 'three' },
      ],
    });
    expect(meta!.errorCode).toBe(0);
    expect(meta!.baseOffset).toBe('2');
    await producer.disconnect();
    const seen = await consumeAll('first', 4);
    expect(seen.map((m) => m.message.value!.toString())).toEqual(['zero', 'one', 'two', 'three']);
    expect(seen.map((m) => m.message.offset)).toEqual(['0', '1', '2', '3']);
    expect(seen[1]!.message.headers!.h!.toString()).toBe('x');
    expect(seen[3]!.message.key!.toString()).toBe('k3');
    const offsets = await admin.fetchTopicOffsets('first');
    expect(offsets).toEqual([{ partition: 0, offset: '4', high: '4', low: '0' }]);
    await admin.disconnect();
  });

  it('dedupes an idempotent producer and keeps offsets dense', async () => {
    const admin = t.kafka().admin();
    await admin.connect();
    await createTopicsAndWait(admin, [{ topic: 'idem', numPartitions: 2 }]);
    const producer = t.kafka().producer({ idempotent: true, maxInFlightRequests: 1 });
    await producer.connect();
    for (let i = 0; i < 20; i++) await producer.send({ topic: 'idem', messages: [{ key: `k${i % 4}`, value: `v${i}` }] });
    await producer.disconnect();
    const offsets = await admin.fetchTopicOffsets('idem');
    expect(offsets.reduce((n, p) => n + Number(p.high), 0)).toBe(20);
    await admin.disconnect();
  });

  it('creates, describes, alters and deletes topics with Kafka error codes', async () => {
    const admin = t.kafka().admin();
    await admin.connect();
    expect(await createTopicsAndWait(admin, [{ topic: 'adm', numPartitions: 3, configEntries: [{ name: 'retention.ms', value: '60000' }] }])).toBe(true);
    expect(await admin.createTopics({ topics: [{ topic: 'adm' }] })).toBe(false);
    const creationError = async (topic: ITopicConfig) => {
      const error = await admin.createTopics({ topics: [topic] }).then(
        () => null,
        (e: { errors?: Array<{ type: string }> }) => e,
      );
      return error?.errors?.[0]?.type;
    };
    expect(await creationError({ topic: 'bad name!' })).toBe('INVALID_TOPIC_EXCEPTION');
    expect(await creationError({ topic: 'rf3', replicationFactor: 3 })).toBe('INVALID_REPLICATION_FACTOR');
    expect(await creationError({ topic: 'zero', numPartitions: 0 })).toBe('INVALID_PARTITIONS');
    expect(await creationError({ topic: 'cfg', configEntries: [{ name: 'no.such.config', value: '1' }] })).toBe('INVALID_CONFIG');

    const { topics } = await admin.fetchTopicMetadata({ topics: ['adm'] });
    expect(topics[0]!.partitions).toHaveLength(3);
    expect(topics[0]!.partitions.every((p) => p.leader === 1 && p.isr.join() === '1')).toBe(true);

    await admin.createPartitions({ topicPartitions: [{ topic: 'adm', count: 5 }] });
    expect((await admin.fetchTopicMetadata({ topics: ['adm'] })).topics[0]!.partitions).toHaveLength(5);
    await expect(admin.createPartitions({ topicPartitions: [{ topic: 'adm', count: 2 }] })).rejects.toThrow();

    const described = await admin.describeConfigs({ includeSynonyms: false, resources: [{ type: 2, name: 'adm' }] });
    const entries = described.resources[0]!.configEntries;
    expect(entries.find((e) => e.configName === 'retention.ms')!.configValue).toBe('60000');
    expect(entries.find((e) => e.configName === 'cleanup.policy')!.configValue).toBe('delete');
    await admin.alterConfigs({ validateOnly: false, resources: [{ type: 2, name: 'adm', configEntries: [{ name: 'cleanup.policy', value: 'compact' }] }] });
    const after = await admin.describeConfigs({ includeSynonyms: false, resources: [{ type: 2, name: 'adm', configNames: ['cleanup.policy'] }] });
    expect(after.resources[0]!.configEntries).toEqual([expect.objectContaining({ configName: 'cleanup.policy', configValue: 'compact' })]);

    const cluster = await admin.describeCluster();
    expect(cluster.brokers).toHaveLength(1);
    expect(cluster.controller).toBe(1);
    expect(cluster.clusterId).toBe(await t.clusterId());

    await admin.deleteTopics({ topics: ['adm'] });
    expect(await admin.listTopics()).not.toContain('adm');
    await admin.disconnect();
  });

  it('runs a consumer group: rebalances as members come and go, commits, lists, describes, resets and deletes', async () => {
    const admin = t.kafka().admin();
    await admin.connect();
    await createTopicsAndWait(admin, [{ topic: 'grp', numPartitions: 3 }]);
    const producer = t.kafka().producer({ idempotent: true, maxInFlightRequests: 1 }); // on Kafka a just-created partition can refuse the first send; kafkajs then resends the whole request
    await producer.connect();
    await producer.send({ topic: 'grp', messages: Array.from({ length: 30 }, (_, i) => ({ key: `k${i}`, value: `v${i}` })) });

    const assignments = new Map<string, number[]>();
    const received = new Set<string>();
    const makeConsumer = async (name: string) => {
      const consumer = t.kafka({ clientId: name }).consumer({ groupId: 'lab-group', sessionTimeout: 6000, heartbeatInterval: 500, maxWaitTimeInMs: 500 });
      consumer.on(consumer.events.GROUP_JOIN, (e) => assignments.set(name, e.payload.memberAssignment['grp'] ?? []));
      await consumer.connect();
      await consumer.subscribe({ topic: 'grp', fromBeginning: true });
      await consumer.run({ eachMessage: async ({ message }) => void received.add(message.value!.toString()) });
      return consumer;
    };
    const a = await makeConsumer('a');
    await eventually(() => received.size === 30);
    expect(assignments.get('a')!.sort()).toEqual([0, 1, 2]);
    const b = await makeConsumer('b');
    await eventually(() => (assignments.get('a')?.length ?? 0) + (assignments.get('b')?.length ?? 0) === 3 && assignments.get('b')!.length > 0);
    const groups = await admin.listGroups();
    expect(groups.groups.map((g) => g.groupId)).toContain('lab-group');
    const described = await admin.describeGroups(['lab-group']);
    expect(described.groups[0]!.state).toBe('Stable');
    expect(described.groups[0]!.members).toHaveLength(2);
    await b.disconnect();
    await eventually(() => assignments.get('a')!.length === 3);
    await a.disconnect();

    const committed = await admin.fetchOffsets({ groupId: 'lab-group', topics: ['grp'] });
    expect(committed[0]!.partitions.reduce((n, p) => n + Number(p.offset), 0)).toBe(30);
    await admin.resetOffsets({ groupId: 'lab-group', topic: 'grp', earliest: true });
    const reset = await admin.fetchOffsets({ groupId: 'lab-group', topics: ['grp'], resolveOffsets: true });
    expect(reset[0]!.partitions.every((p) => p.offset === '0')).toBe(true);
    await admin.setOffsets({ groupId: 'lab-group', topic: 'grp', partitions: [{ partition: 0, offset: '5' }] });
    const set = await admin.fetchOffsets({ groupId: 'lab-group', topics: ['grp'] });
    expect(set[0]!.partitions.find((p) => p.partition === 0)!.offset).toBe('5');
    await admin.deleteGroups(['lab-group']);
    expect((await admin.listGroups()).groups.map((g) => g.groupId)).not.toContain('lab-group');
    await producer.disconnect();
    await admin.disconnect();
  });

  it('long-polls: a consumer waiting at the end gets a message produced later; seek replays', async () => {
    const admin = t.kafka().admin();
    await admin.connect();
    await createTopicsAndWait(admin, [{ topic: 'poll' }]);
    const consumer = t.kafka().consumer({ groupId: 'poller', maxWaitTimeInMs: 2000 });
    const seen: string[] = [];
    await consumer.connect();
    await consumer.subscribe({ topic: 'poll', fromBeginning: true });
    await consumer.run({ eachMessage: async ({ message }) => void seen.push(message.value!.toString()) });
    const producer = t.kafka().producer();
    await producer.connect();
    await new Promise((r) => setTimeout(r, 500));
    await producer.send({ topic: 'poll', messages: [{ value: 'late' }, { value: 'later' }] });
    await eventually(() => seen.length === 2);
    consumer.seek({ topic: 'poll', partition: 0, offset: '0' });
    await eventually(() => seen.length === 4);
    expect(seen).toEqual(['late', 'later', 'late', 'later']);
    await consumer.disconnect();
    await producer.disconnect();
    await admin.disconnect();
  });

  it('stamps LogAppendTime topics with the broker clock and answers it in the produce response', async () => {
    const admin = t.kafka().admin();
    await admin.connect();
    await createTopicsAndWait(admin, [{ topic: 'append-time', configEntries: [{ name: 'message.timestamp.type', value: 'LogAppendTime' }] }]);
    const producer = t.kafka().producer();
    await producer.connect();
    const before = Date.now();
    const [meta] = await producer.send({ topic: 'append-time', messages: [{ value: 'x', timestamp: '1000' }] });
    expect(Number(meta!.logAppendTime)).toBeGreaterThanOrEqual(before);
    const [m] = await consumeAll('append-time', 1);
    expect(Number(m!.message.timestamp)).toBeGreaterThanOrEqual(before);
    // a config change reaches the open log at once
    await admin.alterConfigs({
      validateOnly: false,
      resources: [{ type: 2, name: 'append-time', configEntries: [{ name: 'message.timestamp.type', value: 'CreateTime' }] }],
    });
    const [created] = await producer.send({ topic: 'append-time', messages: [{ value: 'y', timestamp: '1000' }] });
    expect(created!.logAppendTime).toBe('-1');
    await producer.disconnect();
    await admin.disconnect();
  });

  it('finds offsets by timestamp', async () => {
    const admin = t.kafka().admin();
    await admin.connect();
    await createTopicsAndWait(admin, [{ topic: 'ts' }]);
    const producer = t.kafka().producer();
    await producer.connect();
    await producer.send({ topic: 'ts', messages: [{ value: 'a', timestamp: '1000' }] });
    await producer.send({ topic: 'ts', messages: [{ value: 'b', timestamp: '2000' }] });
    await producer.send({ topic: 'ts', messages: [{ value: 'c', timestamp: '3000' }] });
    expect(await admin.fetchTopicOffsetsByTimestamp('ts', 1500)).toEqual([{ partition: 0, offset: '1' }]);
    expect(await admin.fetchTopicOffsetsByTimestamp('ts', 9999)).toEqual([{ partition: 0, offset: '3' }]);
    await producer.disconnect();
    await admin.disconnect();
  });

  it('keeps topics, messages and committed offsets across a restart', { timeout: 180_000 }, async () => {
    const admin = t.kafka().admin();
    await admin.connect();
    await createTopicsAndWait(admin, [{ topic: 'durable', numPartitions: 2 }]);
    const producer = t.kafka().producer({ idempotent: true }); // a retry under load must not write a batch twice: the count is checked
    await producer.connect();
    await producer.send({ topic: 'durable', messages: Array.from({ length: 10 }, (_, i) => ({ key: `k${i}`, value: `v${i}` })) });
    await producer.disconnect();
    await admin.setOffsets({ groupId: 'durable-group', topic: 'durable', partitions: [{ partition: 0, offset: '1' }, { partition: 1, offset: '1' }] });
    await admin.disconnect();

    await t.restart();

    const admin2 = t.kafka().admin();
    await admin2.connect();
    expect(await admin2.listTopics()).toContain('durable');
    // Kafka's broker serves Metadata before it has taken up leadership of its partitions again
    // (NOT_LEADER_OR_FOLLOWER, retriable) and its group coordinator may still be loading __consumer_offsets
    // (COORDINATOR_LOAD_IN_PROGRESS): ask until each answers.
    const offsets = await eventually(() => admin2.fetchTopicOffsets('durable'), 60_000, 250);
    expect(offsets.reduce((n, p) => n + Number(p.high), 0)).toBe(10);
    const committed = await eventually(() => admin2.fetchOffsets({ groupId: 'durable-group', topics: ['durable'] }), 60_000, 250);
    expect(committed[0]!.partitions.map((p) => p.offset).sort()).toEqual(['1', '1']);
    await admin2.disconnect();
    const seen = await consumeAll('durable', 10);
    expect(new Set(seen.map((m) => m.message.value!.toString())).size).toBe(10);
  });
});
