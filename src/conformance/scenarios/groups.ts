/** Consumer groups as a client sees them: static membership (KIP-345) and the KIP-848 protocol. */
import { Kafka, logLevel } from 'kafkajs';
import { setTimeout as sleep } from 'node:timers/promises';
import { requestOnce } from '../../cluster/kafka-requests.js';
import type { Answer, Scenario } from '../types.js';

const membership = (a: Answer) => (a.error ? { error: a.error } : { memberId: a.memberId, generation: a.generation, assignment: a.assignment });

export const staticMembership: Scenario = {
  name: 'static-membership',
  title: 'a static member (group.instance.id) that leaves without LeaveGroup and rejoins: no rebalance, same generation',
  level: 'must-match',
  quick: true,
  clients: ['java', 'franz-go'],
  quickClients: ['java'],
  needs: [{ op: 'join', group: '', topic: '', instanceId: 'x', waitMs: 0 }],
  async run(ctx) {
    const topic = ctx.topic();
    await ctx.admin.createTopic(topic, { partitions: 2, replicationFactor: 3 });
    const group = ctx.topic('group');
    const first = await ctx.run('join as instance i-1', { op: 'join', group, topic, instanceId: 'i-1', waitMs: 30_000 }, { keep: membership });
    const again = await ctx.run('the same instance joins again (a restart)', { op: 'join', group, topic, instanceId: 'i-1', waitMs: 30_000 }, { keep: membership });
    ctx.observe('generation after the rejoin minus before', (again.generation ?? NaN) - (first.generation ?? NaN));
  },
};

export const kip848: Scenario = {
  name: 'kip-848',
  title: 'the Java consumer with group.protocol=consumer (KIP-848: ConsumerGroupHeartbeat)',
  level: 'informational',
  quick: true,
  clients: ['java'],
  needs: [],
  async run(ctx) {
    const topic = ctx.topic();
    await ctx.admin.createTopic(topic, { partitions: 2, replicationFactor: 3 });
    await ctx.run('join with group.protocol=consumer', { op: 'join', group: ctx.topic('group'), topic, protocol: 'consumer', waitMs: 20_000 }, { keep: membership });
  },
};

/**
 * A kafkajs group member while its coordinator is SIGKILLed: Kafka's new coordinator loads the group from
 * `__consumer_offsets` (members, generation) and the member carries on without rejoining; committed offsets survive.
 */
export const coordinatorFailover: Scenario = {
  name: 'coordinator-failover',
  title: "the group coordinator killed under a consuming member: does the member rejoin, do its commits survive",
  // informational until analysed: on Kafka the kafkajs member sometimes (2 of 4 runs) read nothing for 25 s after the
  // kill, depending on which broker was coordinator and leader; on the embedded cluster it always read on
  level: 'informational',
  quick: false,
  clients: ['kafkajs'],
  needs: [],
  async run(ctx) {
    const topic = ctx.topic();
    const groupId = ctx.topic('group');
    await ctx.admin.createTopic(topic, { partitions: 1, replicationFactor: 3 });
    await ctx.run('produce 3 records', { op: 'produce', topic, partition: 0, values: ['a', 'b', 'c'], acks: -1, timeoutMs: 10_000 });
    const kafka = new Kafka({ brokers: ctx.bootstrap, logLevel: logLevel.NOTHING, retry: { retries: 20, initialRetryTime: 200, maxRetryTime: 2000 } });
    const consumer = kafka.consumer({ groupId, sessionTimeout: 30_000, heartbeatInterval: 500 });
    let joins = 0;
    let crashed = '';
    const seen: string[] = [];
    consumer.on(consumer.events.GROUP_JOIN, () => void joins++);
    consumer.on(consumer.events.CRASH, (e) => void (crashed = String(e.payload.error?.name ?? 'crash')));
    await consumer.connect();
    try {
      await consumer.subscribe({ topic, fromBeginning: true });
      await consumer.run({ autoCommitInterval: 500, eachMessage: async ({ message }) => void seen.push(message.value?.toString() ?? '') });
      for (const deadline = Date.now() + 30_000; seen.length < 3 && Date.now() < deadline; ) await sleep(100);
      await sleep(1500); // an auto-commit
      const found = await requestOnce(ctx.bootstrap[0]!, 10, 1, { key: groupId, keyType: 0 });
      ctx.observe('before: consumed, joins', { consumed: [...seen], joins });
      await ctx.cluster.killBroker(found.nodeId);
      await ctx.run('produce d while the coordinator is dead', { op: 'produce', topic, partition: 0, values: ['d'], acks: 1, timeoutMs: 10_000 }, { keep: () => 'sent' });
      // past the 5 s session timeout and a new leader for the topic and the group's offsets partition, with room for a
      // loaded machine: heartbeats, fetches and commits go to the new brokers
      await sleep(25_000);
      ctx.observe('25 s after the coordinator was killed: consumed, joins, crashed', { consumed: [...seen], joinsSinceTheKill: joins - 1, crashed: crashed || 'no' });
    } finally {
      await consumer.disconnect().catch(() => undefined);
    }
    const admin = kafka.admin();
    await admin.connect();
    try {
      const committed = await admin.fetchOffsets({ groupId, topics: [topic] });
      ctx.observe('committed offset after the failover', committed[0]?.partitions.map((p) => p.offset));
      // (not the group's state after disconnect: whether kafkajs' LeaveGroup reaches the new coordinator is timing)
    } finally {
      await admin.disconnect();
    }
  },
};
