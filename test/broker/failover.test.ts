import { Kafka, logLevel } from 'kafkajs';
import { afterEach, describe, expect, it } from 'vitest';
import { eventually, startTestCluster, type TestCluster } from '../helpers/embedded.js';

let t: TestCluster | undefined;
afterEach(async () => {
  await t?.destroy();
  t = undefined;
});

async function replicatedTopic(cluster: TestCluster, topic: string, partitions = 1) {
  const admin = cluster.kafka().admin();
  await admin.connect();
  await admin.createTopics({
    topics: [{ topic, numPartitions: partitions, replicationFactor: 3, configEntries: [{ name: 'min.insync.replicas', value: '2' }] }],
  });
  return admin;
}

async function partitionState(cluster: TestCluster, topic: string, partition = 0) {
  const admin = cluster.kafka().admin();
  await admin.connect();
  try {
    const { topics } = await admin.fetchTopicMetadata({ topics: [topic] });
    return topics[0]!.partitions.find((p) => p.partitionId === partition)!;
  } finally {
    await admin.disconnect();
  }
}

describe('embedded cluster: replication and failover with kafkajs', () => {
  it('replicates to every in-sync replica and spreads leaders', async () => {
    t = await startTestCluster({ brokers: 3 });
    const admin = await replicatedTopic(t, 'spread', 3);
    const { topics } = await admin.fetchTopicMetadata({ topics: ['spread'] });
    const leaders = topics[0]!.partitions.map((p) => p.leader).sort();
    expect(leaders).toEqual([1, 2, 3]);
    for (const p of topics[0]!.partitions) {
      expect(p.replicas.sort()).toEqual([1, 2, 3]);
      expect(p.isr.sort()).toEqual([1, 2, 3]);
    }
    const producer = t.kafka().producer();
    await producer.connect();
    await producer.send({ topic: 'spread', acks: -1, messages: Array.from({ length: 30 }, (_, i) => ({ key: `k${i}`, value: `v${i}` })) });
    await producer.disconnect();
    // every replica holds the same log end offset once replicated
    const ctx = t.cluster.context;
    await eventually(() =>
      [0, 1, 2].every((p) => {
        const ends = [1, 2, 3].map((id) => ctx.brokers.get(id)!.replicas.get('spread', p)!.logEndOffset);
        return ends.every((e) => e === ends[0]) && ends[0]! > 0;
      }),
    );
    // metadata from every broker agrees
    const views = await Promise.all(
      t.cluster.bootstrapServers.map(async (server) => {
        const single = new Kafka({ brokers: [server], logLevel: logLevel.NOTHING }).admin();
        await single.connect();
        const view = await single.fetchTopicMetadata({ topics: ['spread'] });
        await single.disconnect();
        return JSON.stringify(view.topics[0]!.partitions.sort((a, b) => a.partitionId - b.partitionId));
      }),
    );
    expect(new Set(views).size).toBe(1);
    await admin.disconnect();
  });

  it('loses no acknowledged message when the leader is killed mid-production (acks=all, min ISR 2)', async () => {
    t = await startTestCluster({ brokers: 3, config: { brokerSessionTimeoutMs: 1000 } });
    const admin = await replicatedTopic(t, 'orders');
    const producer = t.kafka({ retry: { retries: 30, initialRetryTime: 100, maxRetryTime: 1000 } }).producer({ idempotent: true });
    await producer.connect();
    const acknowledged: string[] = [];
    let stop = false;
    let sendErrors = 0;
    const loop = (async () => {
      for (let i = 0; !stop; i++) {
        try {
          await producer.send({ topic: 'orders', acks: -1, messages: [{ key: `k${i % 5}`, value: `m${i}` }] });
          acknowledged.push(`m${i}`);
        } catch {
          sendErrors++;
        }
      }
    })();
    await eventually(() => acknowledged.length > 50);
    const before = await partitionState(t, 'orders');
    await t.cluster.killBroker(before.leader);
    const after = await eventually(async () => {
      const p = await partitionState(t!, 'orders');
      return p.leader !== before.leader && p.leader !== -1 ? p : null;
    });
    expect(after.isr).not.toContain(before.leader);
    const countAtElection = acknowledged.length;
    await eventually(() => acknowledged.length > countAtElection + 50);
    stop = true;
    await loop;
    await producer.disconnect();

    const consumer = t.kafka().consumer({ groupId: 'audit' });
    const consumed: string[] = [];
    await consumer.connect();
    await consumer.subscribe({ topic: 'orders', fromBeginning: true });
    await consumer.run({ eachMessage: async ({ message }) => void consumed.push(message.value!.toString()) });
    await eventually(() => consumed.length >= acknowledged.length, 30_000);
    await consumer.disconnect();
    // nothing lost, and the idempotent producer's retries across the failover left no duplicate in the log
    expect(new Set(consumed)).toEqual(new Set(acknowledged));
    expect(consumed).toHaveLength(acknowledged.length);

    // the killed broker comes back, catches up and rejoins the ISR
    await t.cluster.startBroker(before.leader);
    await eventually(async () => (await partitionState(t!, 'orders')).isr.includes(before.leader));
    expect(sendErrors).toBe(0);
    await admin.disconnect();
  });

  it('refuses acks=all with NOT_ENOUGH_REPLICAS once two of a topic\'s three replicas are fenced, and recovers', async () => {
    // Five brokers: with two of them dead, 3 of 5 controller voters still run, so the controller fences them and
    // shrinks the ISR. (With three brokers the same two deaths lose the quorum: see quorum.test.ts.)
    t = await startTestCluster({ brokers: 5, config: { brokerSessionTimeoutMs: 500, controllerQuorumFetchTimeoutMs: 200 } });
    const admin = await replicatedTopic(t, 'majority');
    const state = await partitionState(t, 'majority');
    const followers = state.replicas.filter((r) => r !== state.leader);
    await t.cluster.killBroker(followers[0]!);
    await t.cluster.killBroker(followers[1]!);
    await eventually(async () => (await partitionState(t!, 'majority')).isr.length === 1);
    // bootstrap through the surviving leader: the dead brokers refuse connections
    const leaderAddress = t.cluster.bootstrapServers[t.cluster.brokers().findIndex((b) => b.id === state.leader)]!;
    const producer = t.kafka({ brokers: [leaderAddress], retry: { retries: 0 } }).producer();
    await producer.connect();
    await expect(producer.send({ topic: 'majority', acks: -1, messages: [{ value: 'x' }] })).rejects.toThrow(/replicas|NOT_ENOUGH/i);
    // acks=1 still works: the leader alone takes it
    await producer.send({ topic: 'majority', acks: 1, messages: [{ value: 'y' }] });
    await t.cluster.startBroker(followers[0]!);
    await eventually(async () => (await partitionState(t!, 'majority')).isr.length === 2);
    await producer.send({ topic: 'majority', acks: -1, messages: [{ value: 'z' }] });
    await producer.disconnect();
    await admin.disconnect();
  });

  it('moves leadership first on a graceful stop, and gives it back to the preferred replica', async () => {
    t = await startTestCluster({ brokers: 3 });
    const admin = await replicatedTopic(t, 'graceful');
    const state = await partitionState(t, 'graceful');
    await t.cluster.stopBroker(state.leader);
    const moved = await partitionState(t, 'graceful');
    expect(moved.leader).not.toBe(state.leader);
    expect(moved.leader).not.toBe(-1);
    const producer = t.kafka().producer();
    await producer.connect();
    await producer.send({ topic: 'graceful', acks: -1, messages: [{ value: 'after-stop' }] });
    await t.cluster.startBroker(state.leader);
    await eventually(async () => (await partitionState(t!, 'graceful')).isr.length === 3);
    expect(t.cluster.electPreferredLeaders()).toBeGreaterThan(0);
    expect((await partitionState(t, 'graceful')).leader).toBe(state.leader);
    await producer.send({ topic: 'graceful', acks: -1, messages: [{ value: 'back-home' }] });
    await producer.disconnect();
    await admin.disconnect();
  });

  it('keeps a consumer group going when its coordinator dies', async () => {
    t = await startTestCluster({ brokers: 3, config: { brokerSessionTimeoutMs: 1000 } });
    const admin = await replicatedTopic(t, 'coord', 3);
    const producer = t.kafka().producer();
    await producer.connect();
    const consumed = new Set<string>();
    const consumer = t.kafka().consumer({ groupId: 'survivors', sessionTimeout: 6000, heartbeatInterval: 300 });
    await consumer.connect();
    await consumer.subscribe({ topic: 'coord', fromBeginning: true });
    await consumer.run({ eachMessage: async ({ message }) => void consumed.add(message.value!.toString()) });
    await producer.send({ topic: 'coord', messages: Array.from({ length: 10 }, (_, i) => ({ value: `a${i}` })) });
    await eventually(() => consumed.size === 10);
    const coordinator = t.cluster.context.coordinatorFor('survivors');
    await t.cluster.killBroker(coordinator);
    await eventually(() => t!.cluster.context.coordinatorFor('survivors') !== coordinator);
    await producer.send({ topic: 'coord', messages: Array.from({ length: 10 }, (_, i) => ({ value: `b${i}` })) });
    await eventually(() => consumed.size === 20, 40_000);
    await consumer.disconnect();
    await producer.disconnect();
    await admin.disconnect();
  });
});
