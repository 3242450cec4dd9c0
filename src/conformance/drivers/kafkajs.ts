/** kafkajs 2.2.4 in this process: the client the kit itself is built on. */
import { CompressionTypes, Kafka, logLevel } from 'kafkajs';
import type { Answer, Command, Driver } from '../types.js';

const CODECS = { none: CompressionTypes.None, gzip: CompressionTypes.GZIP } as const;

/** kafkajs' error type (e.g. REQUEST_TIMED_OUT), looking through its retry wrapper. */
export function errorName(error: unknown): string {
  let e: any = error;
  while (e?.cause && !e.type) e = e.cause;
  return e?.type ?? e?.name ?? String(error);
}

/**
 * Connects, trying again on a refused connection only: with retries 0 kafkajs gives up on the first seed broker it
 * tries, and after a kill that may be the dead one (a Java or librdkafka client goes on to the next seed).
 */
async function connected<T extends { connect(): Promise<void> }>(client: T): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      await client.connect();
      return client;
    } catch (error) {
      if (attempt >= 6 || errorName(error) !== 'KafkaJSConnectionError') throw error;
    }
  }
}

export function kafkajsDriver(bootstrap: string[]): Driver {
  // retries 0: a scenario observes what the broker answered, not what a retry made of it
  const kafka = new Kafka({ clientId: 'conformance-kafkajs', brokers: bootstrap, logLevel: logLevel.NOTHING, retry: { retries: 0 }, connectionTimeout: 3000 });
  // group members need kafkajs' usual retries: joining answers REBALANCE_IN_PROGRESS and the like along the way
  const readers = new Kafka({ clientId: 'conformance-kafkajs', brokers: bootstrap, logLevel: logLevel.NOTHING, retry: { retries: 20, initialRetryTime: 100, maxRetryTime: 2000 } });
  let groupCount = 0;

  async function produce(c: Extract<Command, { op: 'produce' }>): Promise<Answer> {
    const producer = kafka.producer({ allowAutoTopicCreation: false, retry: { retries: 0 } });
    try {
      await connected(producer);
      const result = await producer.send({
        topic: c.topic,
        acks: c.acks,
        timeout: c.timeoutMs,
        compression: CODECS[(c.compression ?? 'none') as keyof typeof CODECS],
        messages: c.values.map((value) => ({ partition: c.partition, value, ...(c.timestamp !== undefined ? { timestamp: String(c.timestamp) } : {}) })),
      });
      const base = Number(result[0]?.baseOffset ?? -1);
      return c.acks === 0 ? {} : { offsets: c.values.map((_, i) => base + i) };
    } catch (error) {
      return { error: errorName(error) };
    } finally {
      await producer.disconnect().catch(() => undefined);
    }
  }

  /** kafkajs reads only as a group member: a fresh group, seeked to the offset. */
  async function fetch(c: Extract<Command, { op: 'fetch' }>): Promise<Answer> {
    const consumer = readers.consumer({ groupId: `conformance-fetch-${process.pid}-${++groupCount}`, maxWaitTimeInMs: Math.min(c.waitMs, 1000), readUncommitted: !c.readCommitted });
    const records: NonNullable<Answer['records']> = [];
    try {
      await consumer.connect();
      await consumer.subscribe({ topic: c.topic, fromBeginning: true });
      let done!: () => void;
      const finished = new Promise<void>((r) => (done = r));
      await consumer.run({
        autoCommit: false,
        eachMessage: async ({ partition, message }) => {
          // a seek can deliver an offset twice (the group's start, then the seek): each offset once
          const offset = Number(message.offset);
          if (partition !== c.partition || records.length >= c.max || offset < c.offset || records.some((r) => r.offset === offset)) return;
          records.push({ offset: Number(message.offset), value: message.value?.toString() ?? '' });
          if (records.length >= c.max) done();
        },
      });
      consumer.seek({ topic: c.topic, partition: c.partition, offset: String(c.offset) });
      await Promise.race([finished, new Promise((r) => setTimeout(r, c.waitMs))]);
      return { records };
    } catch (error) {
      return { error: errorName(error), records };
    } finally {
      await consumer.disconnect().catch(() => undefined);
    }
  }

  async function withAdmin(f: (admin: ReturnType<Kafka['admin']>) => Promise<Answer>): Promise<Answer> {
    const admin = kafka.admin();
    try {
      await connected(admin);
      return await f(admin);
    } catch (error) {
      return { error: errorName(error) };
    } finally {
      await admin.disconnect().catch(() => undefined);
    }
  }

  return {
    name: 'kafkajs',
    cannot(c) {
      if (c.op === 'produce' && c.compression && !(c.compression in CODECS)) return `kafkajs has no ${c.compression} codec built in (it needs a plugin)`;
      if (c.op === 'join' && c.instanceId) return 'kafkajs has no static membership (group.instance.id)';
      if (c.op === 'join' && c.protocol === 'consumer') return 'kafkajs speaks only the classic group protocol';
      return null;
    },
    send(c) {
      switch (c.op) {
        case 'produce':
          return produce(c);
        case 'fetch':
          return fetch(c);
        case 'metadata':
          return withAdmin(async (admin) => {
            const cluster = await admin.describeCluster();
            const md = await admin.fetchTopicMetadata({ topics: [c.topic] });
            return {
              brokers: cluster.brokers.map((b) => b.nodeId).sort(),
              controller: cluster.controller ?? -1,
              partitions: md.topics[0]!.partitions.map((p) => ({ partition: p.partitionId, leader: p.leader, replicas: [...p.replicas].sort(), isr: [...p.isr].sort() })),
            };
          });
        case 'offsets':
          return withAdmin(async (admin) => {
            const p = (await admin.fetchTopicOffsets(c.topic)).find((x) => x.partition === c.partition)!;
            return { earliest: Number(p.low), latest: Number(p.high) };
          });
        case 'join':
          return join(c);
        case 'transaction':
          return transaction(c);
      }
    },
    async close() {},
  };

  async function transaction(c: Extract<Command, { op: 'transaction' }>): Promise<Answer> {
    const producer = readers.producer({ transactionalId: c.transactionalId, idempotent: true, maxInFlightRequests: 1 });
    try {
      await producer.connect();
      const txn = await producer.transaction();
      const sent = await txn.send({ topic: c.topic, messages: c.values.map((value) => ({ value, partition: c.partition })) });
      if (c.commit) await txn.commit();
      else await txn.abort();
      // kafkajs reports one base offset per partition: the records are consecutive from it
      const base = Number(sent[0]?.baseOffset ?? -1);
      return { offsets: c.values.map((_, i) => base + i) };
    } catch (error) {
      return { error: errorName(error) };
    } finally {
      await producer.disconnect().catch(() => undefined);
    }
  }

  async function join(c: Extract<Command, { op: 'join' }>): Promise<Answer> {
    const consumer = readers.consumer({ groupId: c.group });
    try {
      let joined: Answer | null = null;
      consumer.on(consumer.events.GROUP_JOIN, (e) => {
        joined = { memberId: e.payload.memberId, assignment: [...(e.payload.memberAssignment[c.topic] ?? [])].sort() }; // kafkajs does not expose the generation
      });
      await consumer.connect();
      await consumer.subscribe({ topic: c.topic });
      await consumer.run({ eachMessage: async () => {} });
      for (const deadline = Date.now() + c.waitMs; !joined && Date.now() < deadline; ) await new Promise((r) => setTimeout(r, 50));
      return joined ?? { error: 'NOT_JOINED' };
    } catch (error) {
      return { error: errorName(error) };
    } finally {
      await consumer.disconnect().catch(() => undefined);
    }
  }
}
