/**
 * The traffic chaos runs under: several idempotent acks=all producers sending keyed, stamped messages one at a time
 * (maxInFlightRequests 1), and a consumer group reading them all into the shared MessageAudit (src/lab/audit.ts).
 *
 * A send that fails (retries exhausted, e.g. while two brokers are down and the ISR is below min.insync.replicas) is
 * recorded as failed and NOT re-sent under its stamp: the application sends the next message under a new stamp, as a
 * real application that gave up would. Before that it replaces the producer (new producer id): kafkajs keeps the
 * idempotent sequence of the failed batch, and a failed batch that did land would make the broker answer the NEXT,
 * different batch as a duplicate of it — acknowledged yet never written. A fresh producer id is what the Java client
 * does too (it bumps the epoch after a failed batch).
 */
import { kafkaErrorType } from '../clients/kafka.js';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Consumer, Kafka, Producer, RetryOptions } from 'kafkajs';
import type { MessageAudit, Stamp } from '../lab/audit.js';

export interface Period {
  start: number;
  end: number;
}

export interface WorkloadOptions {
  topic: string;
  groupId: string;
  producers: number;
  consumers: number;
  keys: number;
  /** messages per second per producer (each waits for its ack before the next) */
  rate: number;
  /** broker-side wait for acks=all (ProduceRequest timeout) */
  ackTimeoutMs: number;
  retry: RetryOptions;
  /** a send slower than this counts towards an unavailable period */
  slowMs: number;
}

interface SendRecord {
  start: number;
  end: number;
  ok: boolean;
}

export class Workload {
  private stopping = false;
  private consumersStopping = false;
  private readonly loops: Promise<void>[] = [];
  private readonly producers = new Map<string, Producer>();
  private readonly consumers: Consumer[] = [];
  private readonly inFlight = new Map<string, number>();
  readonly slowSends: SendRecord[] = [];
  sends = 0;
  failures = 0;
  producerRestarts = 0;
  consumerRestarts = 0;
  readonly errors = new Map<string, number>();

  /** Consumers being replaced after a crash: stopConsumers waits for them. */
  private readonly replacements = new Set<Promise<unknown>>();

  constructor(
    private readonly kafka: Kafka,
    private readonly audit: MessageAudit,
    private readonly options: WorkloadOptions,
  ) {}

  async startConsumers(): Promise<void> {
    for (let i = 0; i < this.options.consumers; i++) await this.startConsumer(i);
  }

  private async startConsumer(i: number): Promise<void> {
    const consumer = this.kafka.consumer({
      groupId: this.options.groupId,
      sessionTimeout: 6000,
      rebalanceTimeout: 10_000,
      heartbeatInterval: 500,
      maxWaitTimeInMs: 200,
      retry: { ...this.options.retry, retries: 30 },
    });
    this.consumers[i] = consumer;
    consumer.on(consumer.events.CRASH, (event) => {
      // kafkajs restarts itself after retriable crashes; after others the member is gone: replace it.
      if (event.payload.restart || this.consumersStopping) return;
      this.consumerRestarts++;
      const replacement = consumer
        .disconnect()
        .catch(() => undefined)
        .then(() => (this.consumersStopping ? undefined : this.startConsumer(i)))
        .catch(() => undefined);
      this.replacements.add(replacement);
      void replacement.finally(() => this.replacements.delete(replacement));
    });
    // A replacement that was still connecting when the run ended must not start fetching: it would outlive the run.
    const stopping = async () => {
      if (this.consumersStopping) await consumer.disconnect().catch(() => undefined);
      return this.consumersStopping;
    };
    await consumer.connect();
    if (await stopping()) return;
    await consumer.subscribe({ topic: this.options.topic, fromBeginning: true });
    if (await stopping()) return;
    await consumer.run({
      eachMessage: async ({ partition, message }) => {
        this.audit.consumedMessage(partition, message);
      },
    });
  }

  startProducers(): void {
    for (let i = 0; i < this.options.producers; i++) this.loops.push(this.produceLoop(`p${i + 1}`, i));
  }

  private async newProducer(name: string): Promise<Producer> {
    for (;;) {
      const producer = this.kafka.producer({ idempotent: true, maxInFlightRequests: 1, retry: this.options.retry });
      try {
        await producer.connect();
        this.producers.set(name, producer);
        return producer;
      } catch (error) {
        this.count(error);
        await producer.disconnect().catch(() => undefined);
        if (this.stopping) throw error;
        await sleep(200);
      }
    }
  }

  private async produceLoop(name: string, index: number): Promise<void> {
    let producer: Producer;
    try {
      producer = await this.newProducer(name);
    } catch {
      return;
    }
    const interval = 1000 / this.options.rate;
    let next = Date.now();
    let n = index; // producers start on different keys
    while (!this.stopping) {
      const key = `key-${n++ % this.options.keys}`;
      const stamped = this.audit.stamp(name, key, { at: Date.now() });
      const start = Date.now();
      this.inFlight.set(name, start);
      this.sends++;
      let ok = false;
      try {
        const [meta] = await producer.send({
          topic: this.options.topic,
          acks: -1,
          timeout: this.options.ackTimeoutMs,
          messages: [{ key, value: stamped.value, headers: stamped.headers }],
        });
        this.audit.acked(stamped.stamp, { partition: meta?.partition, offset: meta?.baseOffset });
        ok = true;
      } catch (error) {
        this.failures++;
        this.count(error);
        this.audit.failed(stamped.stamp as Stamp);
      }
      const end = Date.now();
      this.inFlight.delete(name);
      if (!ok || end - start >= this.options.slowMs) this.slowSends.push({ start, end, ok });
      if (!ok) {
        // See the file comment: never reuse a producer id whose last batch has an unknown fate.
        await producer.disconnect().catch(() => undefined);
        this.producers.delete(name);
        if (this.stopping) return;
        this.producerRestarts++;
        try {
          producer = await this.newProducer(name);
        } catch {
          return;
        }
        next = Date.now();
        continue;
      }
      next += interval;
      const wait = next - Date.now();
      if (wait > 0) await sleep(wait);
      else next = Date.now();
    }
  }

  private count(error: unknown): void {
    const name = kafkaErrorType(error) ?? 'Error';
    this.errors.set(name, (this.errors.get(name) ?? 0) + 1);
  }

  /** Age of the oldest send still waiting for its ack (0 when none is stuck). */
  oldestPendingMs(now = Date.now()): number {
    let oldest = 0;
    for (const start of this.inFlight.values()) oldest = Math.max(oldest, now - start);
    return oldest;
  }

  /** Write-unavailable periods: slow or failed sends (any producer) merged where they overlap. */
  unavailablePeriods(): Period[] {
    const spans = [...this.slowSends].map((s) => ({ start: s.start, end: s.end })).sort((a, b) => a.start - b.start);
    const merged: Period[] = [];
    for (const s of spans) {
      const last = merged.at(-1);
      if (last && s.start <= last.end) last.end = Math.max(last.end, s.end);
      else merged.push({ ...s });
    }
    return merged;
  }

  /** Stops sending; resolves when every producer got its last answer and disconnected. */
  async stopProducers(): Promise<void> {
    this.stopping = true;
    await Promise.all(this.loops);
    await Promise.all([...this.producers.values()].map((p) => p.disconnect().catch(() => undefined)));
  }

  async stopConsumers(): Promise<void> {
    this.consumersStopping = true;
    await Promise.all([...this.replacements]);
    await Promise.all(this.consumers.map((c) => c.disconnect().catch(() => undefined)));
  }
}


