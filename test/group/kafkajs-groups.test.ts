import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Consumer } from 'kafkajs';
import { eventually } from '../helpers/embedded.js';
import { type KafkaTarget, createTopicsAndWait, on, startTarget, targetSkip } from '../helpers/target.js';

const skip = targetSkip('test/group/kafkajs-groups.test.ts');
let t: KafkaTarget;
beforeAll(async () => {
  if (!skip) t = await startTarget({ brokers: 3 });
}, 180_000);
afterAll(async () => {
  await t?.destroy();
}, 120_000);

describe.skipIf(skip !== null)(on('consumer groups with kafkajs over TCP (3 brokers)'), () => {
  it('splits partitions among members, resumes from committed offsets, and reports offsets like Kafka', async () => {
    const admin = t.kafka().admin();
    await admin.connect();
    await createTopicsAndWait(admin, [{ topic: 'orders', numPartitions: 4, replicationFactor: 3 }]);
    const producer = t.kafka().producer({ idempotent: true, maxInFlightRequests: 1 }); // on Kafka a just-created partition can refuse the first send; kafkajs then resends the whole request
    await producer.connect();
    await producer.send({ topic: 'orders', messages: Array.from({ length: 40 }, (_, i) => ({ key: `k${i}`, value: `v${i}` })) });

    const received: string[] = [];
    const assignments = new Map<string, number[]>();
    const consumers: Consumer[] = [];
    for (const name of ['a', 'b']) {
      const consumer = t.kafka({ clientId: name }).consumer({ groupId: 'billing', sessionTimeout: 6000, heartbeatInterval: 300, maxWaitTimeInMs: 500 });
      consumer.on(consumer.events.GROUP_JOIN, (e) => assignments.set(name, e.payload.memberAssignment['orders'] ?? []));
      await consumer.connect();
      await consumer.subscribe({ topic: 'orders', fromBeginning: true });
      await consumer.run({ eachMessage: async ({ message }) => void received.push(message.value!.toString()) });
      consumers.push(consumer);
    }
    await eventually(() => new Set(received).size === 40, 30_000);
    await eventually(() => (assignments.get('a')?.length ?? 0) === 2 && (assignments.get('b')?.length ?? 0) === 2, 30_000);
    const described = await admin.describeGroups(['billing']);
    expect(described.groups[0]!.state).toBe('Stable');
    expect(described.groups[0]!.members.map((m) => m.clientId).sort()).toEqual(['a', 'b']);
    for (const c of consumers) await c.disconnect();

    const committed = await admin.fetchOffsets({ groupId: 'billing', topics: ['orders'] });
    expect(committed[0]!.partitions.reduce((n, p) => n + Number(p.offset), 0)).toBe(40);
    expect((await admin.describeGroups(['billing'])).groups[0]!.state).toBe('Empty');

    // A new member of the same group only sees what was produced after the commits.
    await producer.send({ topic: 'orders', messages: [{ key: 'late', value: 'late-1' }, { key: 'later', value: 'late-2' }] });
    const late: string[] = [];
    const c = t.kafka({ clientId: 'c' }).consumer({ groupId: 'billing', sessionTimeout: 6000, heartbeatInterval: 300, maxWaitTimeInMs: 500 });
    await c.connect();
    await c.subscribe({ topic: 'orders', fromBeginning: true });
    await c.run({ eachMessage: async ({ message }) => void late.push(message.value!.toString()) });
    await eventually(() => late.length === 2, 30_000);
    await new Promise((r) => setTimeout(r, 500));
    expect(late.sort()).toEqual(['late-1', 'late-2']);
    await c.disconnect();

    // Admin resets go through a temporary member (kafkajs) and show as Kafka shows them (-2 = earliest, unresolved).
    await admin.resetOffsets({ groupId: 'billing', topic: 'orders', earliest: true });
    const reset = await admin.fetchOffsets({ groupId: 'billing', topics: ['orders'] });
    expect(reset[0]!.partitions.map((p) => p.offset)).toEqual(['-2', '-2', '-2', '-2']);
    await admin.setOffsets({ groupId: 'billing', topic: 'orders', partitions: [{ partition: 3, offset: '7' }] });
    const set = await admin.fetchOffsets({ groupId: 'billing', topics: ['orders'] });
    expect(set[0]!.partitions.find((p) => p.partition === 3)!.offset).toBe('7');

    expect((await admin.listGroups()).groups.map((g) => g.groupId)).toContain('billing');
    await admin.deleteGroups(['billing']);
    expect((await admin.listGroups()).groups.map((g) => g.groupId)).not.toContain('billing');
    const gone = await admin.fetchOffsets({ groupId: 'billing', topics: ['orders'] });
    expect(gone[0]!.partitions.every((p) => p.offset === '-1')).toBe(true);
    await producer.disconnect();
    await admin.disconnect();
  }, 120_000);
});
