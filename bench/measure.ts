/** The measurements, each against a list of bootstrap servers, with an unmodified kafkajs client. */
import { Kafka, type Producer, logLevel } from 'kafkajs';
import { createTopicsAndWait } from '../src/clients/topics.js';

import { setTimeout as sleep } from 'node:timers/promises';
export { sleep };

export function kafkaFor(brokers: string[], clientId = 'kafka-lab-bench'): Kafka {
  return new Kafka({
    clientId,
    brokers,
    logLevel: logLevel.NOTHING,
    // Short, many retries: the failover gap should show the broker's detection delay, not a long client backoff.
    retry: { retries: 60, initialRetryTime: 50, maxRetryTime: 250 },
    connectionTimeout: 3000,
    requestTimeout: 30_000,
  });
}

export function quantile(sorted: number[], q: number): number {
  if (sorted.length === 0) return NaN;
  const i = Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1));
  return sorted[i]!;
}

export async function createTopic(brokers: string[], topic: string, partitions: number, replicationFactor: number): Promise<void> {
  const admin = kafkaFor(brokers).admin();
  await admin.connect();
  try {
    // asks again while real Kafka's brokers have not all seen the new topic (kafkajs' waitForLeaders fails on that)
    await createTopicsAndWait(admin, [{ topic, numPartitions: partitions, replicationFactor }]);
  } finally {
    await admin.disconnect();
  }
}

export interface Throughput {
  messages: number;
  bytes: number;
  seconds: number;
  msgsPerSec: number;
  mbPerSec: number;
  /** CPU time of the client process (this one) and of the server process, as % of one core over the run */
  clientCpuPct?: number;
  serverCpuPct?: number;
  /** server CPU time per message (µs): what the broker costs, less sensitive to a busy machine than msg/s */
  serverCpuUsPerMsg?: number;
}

function throughput(messages: number, bytes: number, ms: number): Throughput {
  const seconds = ms / 1000;
  return { messages, bytes, seconds, msgsPerSec: messages / seconds, mbPerSec: bytes / 1e6 / seconds };
}

/** Starts counting CPU time of this process and of the server (`serverCpuMicros`); `stop` adds the shares to a result. */
export async function cpuMeter(serverCpuMicros: () => Promise<number>) {
  const c0 = process.cpuUsage();
  const s0 = await serverCpuMicros();
  const w0 = performance.now();
  return {
    async stop(t: Throughput): Promise<Throughput> {
      const c = process.cpuUsage(c0);
      const s1 = await serverCpuMicros();
      const micros = (performance.now() - w0) * 1000;
      return {
        ...t,
        clientCpuPct: ((c.user + c.system) / micros) * 100,
        serverCpuPct: ((s1 - s0) / micros) * 100,
        serverCpuUsPerMsg: (s1 - s0) / t.messages,
      };
    },
  };
}

/** Runs `fn` and adds the client's and the server's CPU use over the whole call to its result. */
export async function withCpu(serverCpuMicros: () => Promise<number>, fn: () => Promise<Throughput>): Promise<Throughput> {
  const meter = await cpuMeter(serverCpuMicros);
  return meter.stop(await fn());
}

export interface ProduceOptions {
  topic: string;
  messages: number;
  valueBytes: number;
  /** messages per send() */
  batch: number;
  /** send() calls in flight */
  concurrency: number;
  /** messages sent (and not counted) before the clock starts: JIT and connections warm up */
  warmup: number;
  /** called every ~500 ms with the messages acknowledged so far */
  progress?: (done: number, total: number) => void;
  /** the server's CPU time counter (µs): adds CPU shares over the timed part (not the warm-up) */
  serverCpuMicros?: () => Promise<number>;
}

/** Produce throughput with acks=all: `concurrency` loops each sending `batch` messages per request. */
export async function measureProduce(brokers: string[], o: ProduceOptions): Promise<Throughput> {
  const producer = kafkaFor(brokers).producer({ allowAutoTopicCreation: false });
  await producer.connect();
  try {
    const value = Buffer.alloc(o.valueBytes, 0x62);
    const messages = Array.from({ length: o.batch }, () => ({ value }));
    const run = async (total: number, report?: (n: number) => void) => {
      let sent = 0;
      let acked = 0;
      const loop = async () => {
        while (sent < total) {
          const n = Math.min(o.batch, total - sent);
          sent += n;
          await producer.send({ topic: o.topic, acks: -1, messages: n === o.batch ? messages : messages.slice(0, n) });
          acked += n;
          report?.(acked);
        }
      };
      await Promise.all(Array.from({ length: o.concurrency }, loop));
    };
    if (o.warmup > 0) await run(o.warmup);
    let lastReport = 0;
    const meter = o.serverCpuMicros ? await cpuMeter(o.serverCpuMicros) : null;
    const start = performance.now();
    await run(o.messages, (n) => {
      const now = performance.now();
      if (o.progress && now - lastReport > 500) {
        lastReport = now;
        o.progress(n, o.messages);
      }
    });
    const t = throughput(o.messages, o.messages * o.valueBytes, performance.now() - start);
    return meter ? meter.stop(t) : t;
  } finally {
    await producer.disconnect();
  }
}

/**
 * Consume throughput: a new group reads `messages` from the beginning. The clock runs from the first batch to the
 * last message (the group join before it is not throughput).
 */
export async function measureConsume(brokers: string[], topic: string, messages: number, timeoutMs = 300_000): Promise<Throughput> {
  const consumer = kafkaFor(brokers).consumer({ groupId: `bench-consume-${Date.now()}`, maxBytesPerPartition: 4 * 1024 * 1024, maxBytes: 16 * 1024 * 1024 });
  await consumer.connect();
  let count = 0;
  let bytes = 0;
  let start = 0;
  let end = 0;
  try {
    await consumer.subscribe({ topic, fromBeginning: true });
    const done = new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`consumed ${count} of ${messages} messages in ${timeoutMs} ms`)), timeoutMs);
      void consumer.run({
        autoCommit: false,
        eachBatch: async ({ batch }) => {
          if (start === 0) start = performance.now();
          for (const m of batch.messages) bytes += m.value?.length ?? 0;
          count += batch.messages.length;
          if (count >= messages && end === 0) {
            end = performance.now();
            clearTimeout(timer);
            resolve();
          }
        },
      });
    });
    await done;
  } finally {
    await consumer.disconnect();
  }
  return throughput(count, bytes, end - start);
}

export interface Latency {
  samples: number;
  ratePerSec: number;
  p50Ms: number;
  p99Ms: number;
  maxMs: number;
}

/**
 * End-to-end latency at a steady rate: every `intervalMs` one small batch with the send time in each value; a consumer
 * (joined before the clock starts) records receive time minus send time.
 */
export async function measureLatency(brokers: string[], topic: string, o: { seconds: number; ratePerSec: number }): Promise<Latency> {
  const kafka = kafkaFor(brokers);
  const consumer = kafka.consumer({ groupId: `bench-latency-${Date.now()}`, maxWaitTimeInMs: 500 });
  const producer = kafka.producer({ allowAutoTopicCreation: false });
  const latencies: number[] = [];
  let assigned = false;
  await Promise.all([consumer.connect(), producer.connect()]);
  try {
    consumer.on(consumer.events.GROUP_JOIN, () => (assigned = true));
    await consumer.subscribe({ topic, fromBeginning: false });
    await consumer.run({
      eachMessage: async ({ message }) => {
        const sent = Number(message.value?.toString('utf8', 0, 20));
        if (sent > 0) latencies.push(performance.timeOrigin + performance.now() - sent);
      },
    });
    const joinDeadline = Date.now() + 30_000;
    while (!assigned && Date.now() < joinDeadline) await sleep(20);
    await sleep(500); // the first fetch positions at the log end before we send
    const intervalMs = 10;
    const perTick = Math.max(1, Math.round((o.ratePerSec * intervalMs) / 1000));
    const ticks = Math.round((o.seconds * 1000) / intervalMs);
    const pad = Buffer.alloc(1000, 0x20);
    const sends: Promise<unknown>[] = [];
    const start = performance.now();
    for (let i = 0; i < ticks; i++) {
      const stamp = (performance.timeOrigin + performance.now()).toFixed(3).padStart(20, '0');
      const value = Buffer.concat([Buffer.from(stamp), pad]);
      sends.push(producer.send({ topic, acks: -1, messages: Array.from({ length: perTick }, () => ({ value })) }));
      const next = start + (i + 1) * intervalMs;
      const wait = next - performance.now();
      if (wait > 0) await sleep(wait);
    }
    await Promise.all(sends);
    const expected = ticks * perTick;
    const deadline = Date.now() + 10_000;
    while (latencies.length < expected && Date.now() < deadline) await sleep(20);
  } finally {
    await Promise.all([consumer.disconnect(), producer.disconnect()]);
  }
  const sorted = latencies.sort((a, b) => a - b);
  return {
    samples: sorted.length,
    ratePerSec: o.ratePerSec,
    p50Ms: quantile(sorted, 0.5),
    p99Ms: quantile(sorted, 0.99),
    maxMs: sorted[sorted.length - 1] ?? NaN,
  };
}

export interface FailoverControl {
  leader(): Promise<number>;
  /** Kills the broker; resolves with the Date.now() of the kill. */
  kill(id: number): Promise<number>;
  start(id: number): Promise<void>;
  isrSize(): Promise<number>;
}

export interface Failover {
  kills: number;
  gapsMs: number[];
  p50Ms: number;
  maxMs: number;
}

/**
 * Failover gap: a producer sends one message at a time (acks=all) without pause; the partition leader is killed
 * abruptly; the gap is the time from the kill to the first acknowledgement of a send begun after it. Then the broker comes back and we
 * wait for the full ISR before the next round.
 */
export async function measureFailover(brokers: string[], topic: string, kills: number, control: FailoverControl, replicas: number): Promise<Failover> {
  const producer: Producer = kafkaFor(brokers, 'kafka-lab-bench-failover').producer({ allowAutoTopicCreation: false });
  await producer.connect();
  let stop = false;
  let lastAck = 0;
  const waiters: Array<{ after: number; resolve: (t: number) => void }> = [];
  const loop = (async () => {
    const value = Buffer.alloc(1024, 0x63);
    while (!stop) {
      try {
        const sentAt = Date.now();
        await producer.send({ topic, acks: -1, messages: [{ value }] });
        lastAck = Date.now();
        // only a send begun after the kill counts: the answer to one in flight at the kill may still arrive from the
        // old leader a few ms later (a jvm run measured a 2 ms "gap" that way)
        for (let i = waiters.length - 1; i >= 0; i--) {
          if (sentAt >= waiters[i]!.after) waiters.splice(i, 1)[0]!.resolve(lastAck);
        }
      } catch {
        await sleep(10); // kafkajs gave up its retries: try again
      }
    }
  })();
  const gaps: number[] = [];
  try {
    for (let k = 0; k < kills; k++) {
      const start = Date.now();
      while (lastAck < start && Date.now() - start < 30_000) await sleep(5);
      await sleep(200);
      const leader = await control.leader();
      const ackAfter = new Promise<number>((resolve) => waiters.push({ after: Number.POSITIVE_INFINITY, resolve }));
      const waiter = waiters[waiters.length - 1]!;
      const killedAt = await control.kill(leader);
      waiter.after = killedAt;
      const acked = await Promise.race([ackAfter, sleep(120_000).then(() => NaN)]);
      gaps.push(acked - killedAt);
      await control.start(leader);
      const deadline = Date.now() + 60_000;
      while ((await control.isrSize()) < replicas && Date.now() < deadline) await sleep(50);
    }
  } finally {
    stop = true;
    await loop;
    await producer.disconnect();
  }
  const sorted = [...gaps].sort((a, b) => a - b);
  return { kills, gapsMs: gaps, p50Ms: quantile(sorted, 0.5), maxMs: sorted[sorted.length - 1] ?? NaN };
}
