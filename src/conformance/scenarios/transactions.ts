/**
 * Transactions through kafkajs, as a consumer and a second producer see them: a commit, an abort, what read_committed
 * and read_uncommitted consumers read, the last stable offset while a transaction is open, a successor fencing a
 * producer that left a transaction open, and (not in the CI set) the coordinator aborting a transaction that outlived
 * its timeout.
 */
import { Kafka, logLevel, type Producer } from 'kafkajs';
import { coordinatorId } from '../../cluster/kafka-requests.js';
import { errorName as errorType } from '../drivers/kafkajs.js';
import { errorName, timedRequest } from '../drivers/raw.js';
import type { Answer, Scenario, ScenarioContext } from '../types.js';
import { produced } from './basics.js';

/** What a fenced producer hears: kafkajs' request versions predate PRODUCER_FENCED, so either name is the same answer. */
const fencedAs = (answer: string) => (answer === 'PRODUCER_FENCED' ? 'INVALID_PRODUCER_EPOCH' : answer);

function kafkaOf(ctx: ScenarioContext): Kafka {
  return new Kafka({ brokers: ctx.bootstrap, logLevel: logLevel.NOTHING, retry: { retries: 5, initialRetryTime: 100 } });
}

const transactional = (kafka: Kafka, transactionalId: string, transactionTimeout = 60_000): Producer =>
  kafka.producer({ transactionalId, idempotent: true, maxInFlightRequests: 1, transactionTimeout });

/** The values a fresh consumer in `mode` reads from the beginning of partition 0 up to `end` (sorted), within 15 s. */
async function readAll(kafka: Kafka, topic: string, readUncommitted: boolean): Promise<string[]> {
  const consumer = kafka.consumer({ groupId: `${topic}-${readUncommitted ? 'ru' : 'rc'}-${Date.now()}`, readUncommitted, maxWaitTimeInMs: 200 });
  await consumer.connect();
  await consumer.subscribe({ topic, fromBeginning: true });
  const values: string[] = [];
  // quiet for 1.5 s after the last record; before the first one, 10 s (a group join after a failover is slow)
  let last = Date.now() + 8_500;
  await consumer.run({ eachMessage: async ({ message }) => void (values.push(message.value!.toString()), (last = Date.now())) });
  const started = Date.now();
  while (Date.now() - last < 1500 && Date.now() - started < 20_000) await new Promise((r) => setTimeout(r, 100));
  await consumer.disconnect();
  return values.sort();
}

/** ListOffsets LATEST at partition 0's leader under an isolation level. */
async function latest(ctx: ScenarioContext, topic: string, isolationLevel: 0 | 1): Promise<number | string> {
  const { leader } = await ctx.admin.partition(topic, 0);
  const r = await timedRequest(ctx.bootstrap[leader - 1]!, 2, 5, { replicaId: -1, isolationLevel, topics: [{ name: topic, partitions: [{ partitionIndex: 0, currentLeaderEpoch: -1, timestamp: -1 }] }] });
  if (r.failure) return r.failure;
  const p = r.body.topics[0].partitions[0];
  return p.errorCode === 0 ? Number(p.offset) : errorName(p.errorCode);
}

export const transactions: Scenario = {
  name: 'transactions',
  title: 'kafkajs transactions: commit, abort, read_committed vs read_uncommitted, the last stable offset, a successor fencing an open transaction',
  level: 'must-match',
  quick: true,
  clients: ['kafkajs'],
  needs: [],
  async run(ctx) {
    const topic = ctx.topic();
    await ctx.admin.createTopic(topic, { partitions: 1, replicationFactor: 3 });
    const kafka = kafkaOf(ctx);
    const producer = transactional(kafka, `${topic}-tx`);
    const zombie = transactional(kafka, `${topic}-zombie`);
    const successor = transactional(kafka, `${topic}-zombie`);
    try {
      await producer.connect();
      const committed = await producer.transaction();
      await committed.send({ topic, messages: [{ value: 'committed-1', partition: 0 }, { value: 'committed-2', partition: 0 }] });
      await committed.commit();
      ctx.observe('commit', 'ok');
      const aborted = await producer.transaction();
      await aborted.send({ topic, messages: [{ value: 'aborted-1', partition: 0 }] });
      await aborted.abort();
      ctx.observe('abort', 'ok');

      await zombie.connect();
      const open = await zombie.transaction();
      await open.send({ topic, messages: [{ value: 'zombie', partition: 0 }] });
      ctx.observe('high watermark while a transaction is open', await latest(ctx, topic, 0));
      ctx.observe('last stable offset while a transaction is open', await latest(ctx, topic, 1));
      await successor.connect();
      ctx.observe('a successor with the same transactional id starts', 'ok');
      const fenced = await open.commit().then(() => 'committed (!)', errorType);
      ctx.observe('the first producer commits', fencedAs(fenced));
      ctx.observe('read_committed reads', await readAll(kafka, topic, false));
      ctx.observe('read_uncommitted reads', await readAll(kafka, topic, true));
    } catch (error) {
      ctx.observe('failed', errorType(error));
    } finally {
      for (const p of [producer, zombie, successor]) await p.disconnect().catch(() => undefined);
    }
  },
};

export const transactionTimeout: Scenario = {
  name: 'transaction-timeout',
  title: 'a transaction left open past transaction.timeout.ms is aborted by the coordinator and its producer fenced',
  level: 'must-match',
  quick: false,
  clients: ['kafkajs'],
  needs: [],
  async run(ctx) {
    const topic = ctx.topic();
    await ctx.admin.createTopic(topic, { partitions: 1, replicationFactor: 3 });
    const kafka = kafkaOf(ctx);
    const producer = transactional(kafka, `${topic}-tx`, 1000);
    try {
      await producer.connect();
      const txn = await producer.transaction();
      await txn.send({ topic, messages: [{ value: 'stalled', partition: 0 }] });
      // Kafka looks for timed-out transactions every 10 s (transaction.abort.timed.out.transaction.cleanup.interval.ms)
      await new Promise((r) => setTimeout(r, 12_000));
      const after = await txn.commit().then(() => 'committed (!)', errorType);
      ctx.observe('commit after the timeout', fencedAs(after));
      ctx.observe('read_committed reads', await readAll(kafka, topic, false));
    } catch (error) {
      ctx.observe('failed', errorType(error));
    } finally {
      await producer.disconnect().catch(() => undefined);
    }
  },
};

/** A transaction's records as the client reads them: committed ones under read_committed, all under read_uncommitted. */
const values = (a: Answer) => (a.error ? { error: a.error } : { values: a.records?.map((r) => r.value) });

export const transactionsAcrossClients: Scenario = {
  name: 'transactions-clients',
  title: 'each client with transactions: commit two records, abort one, commit one more; read them read_committed and read_uncommitted (the markers leave offset gaps)',
  level: 'must-match',
  quick: false,
  clients: ['kafkajs', 'java', 'franz-go', 'kcat'],
  quickClients: ['kafkajs', 'franz-go'],
  needs: [],
  async run(ctx) {
    const topic = ctx.topic();
    await ctx.admin.createTopic(topic, { partitions: 1, replicationFactor: 3 });
    // one transactional id per transaction: a new producer of the same id right after a commit gets
    // CONCURRENT_TRANSACTIONS on Kafka while the markers are written (a moment the embedded coordinator does not have)
    const transactionalId = `${topic}-tx`;
    if (ctx.driver.cannot({ op: 'transaction', transactionalId, topic, partition: 0, values: [], commit: true }) === null) {
      await ctx.run('commit c1, c2', { op: 'transaction', transactionalId: `${transactionalId}-1`, topic, partition: 0, values: ['c1', 'c2'], commit: true }, { keep: produced });
      await ctx.run('abort a1', { op: 'transaction', transactionalId: `${transactionalId}-2`, topic, partition: 0, values: ['a1'], commit: false }, { keep: produced });
      await ctx.run('commit c3', { op: 'transaction', transactionalId: `${transactionalId}-3`, topic, partition: 0, values: ['c3'], commit: true }, { keep: produced });
    } else {
      // a client without transactions still reads them: kafkajs writes
      const kafka = kafkaOf(ctx);
      const producer = transactional(kafka, transactionalId);
      await producer.connect();
      for (const [v, commit] of [[['c1', 'c2'], true], [['a1'], false], [['c3'], true]] as const) {
        const txn = await producer.transaction();
        await txn.send({ topic, messages: v.map((value) => ({ value, partition: 0 })) });
        if (commit) await txn.commit();
        else await txn.abort();
      }
      await producer.disconnect();
    }
    await ctx.run('read read_committed', { op: 'fetch', topic, partition: 0, offset: 0, max: 3, waitMs: 10_000, readCommitted: true }, { keep: values });
    await ctx.run('read read_uncommitted', { op: 'fetch', topic, partition: 0, offset: 0, max: 4, waitMs: 10_000 }, { keep: values });
  },
};

export const transactionFailover: Scenario = {
  name: 'transaction-failover',
  title: 'the transaction coordinator dies mid-transaction: a new one takes the open transaction over, and a successor producer finds and aborts it',
  level: 'must-match',
  quick: false,
  clients: ['kafkajs'],
  needs: [],
  async run(ctx) {
    const topic = ctx.topic();
    await ctx.admin.createTopic(topic, { partitions: 1, replicationFactor: 3 });
    await ctx.admin.waitFor(topic, (p) => p.isr.length === 3, 'a full ISR');
    const transactionalId = `${topic}-tx`;
    const kafka = kafkaOf(ctx);
    const producer = transactional(kafka, transactionalId);
    let killed = -1;
    try {
      await producer.connect();
      const committed = await producer.transaction();
      await committed.send({ topic, messages: [{ value: 'committed', partition: 0 }] });
      await committed.commit();
      const open = await producer.transaction();
      await open.send({ topic, messages: [{ value: 'open', partition: 0 }] });
      killed = (await coordinatorId(ctx.bootstrap, transactionalId, 1)) ?? -1;
      ctx.observe('the coordinator is known', killed >= 0);
      await ctx.cluster.killBroker(killed);
      const live = ctx.bootstrap.filter((_, i) => i !== killed - 1);
      const deadline = Date.now() + 60_000;
      let next = -1;
      while (Date.now() < deadline && (next < 0 || next === killed)) {
        next = (await coordinatorId(live, transactionalId, 1).catch(() => null)) ?? -1;
        if (next < 0 || next === killed) await new Promise((r) => setTimeout(r, 250));
      }
      ctx.observe('a new coordinator, not the dead broker', next >= 0 && next !== killed);
      const successor = transactional(kafkaOf(ctx), transactionalId);
      await successor.connect();
      ctx.observe('a successor with the same id starts', 'ok');
      await successor.disconnect();
      ctx.observe('read_committed reads', await readAll(kafka, topic, false));
      ctx.observe('read_uncommitted reads', await readAll(kafka, topic, true));
    } catch (error) {
      ctx.observe('failed', errorType(error));
    } finally {
      await producer.disconnect().catch(() => undefined);
      if (killed >= 0) await ctx.cluster.startBroker(killed);
    }
  },
};
