/**
 * A producer that shuts down gracefully:
 *
 *   const p = await startProducer({ clientId: 'orders', cluster });
 *   while (!p.stopping) await p.send({ topic: 'orders', messages: [{ key: 'k', value: 'v' }] });
 *
 * On SIGINT/SIGTERM (or when yarn/tsx, which started the process, goes away): `stopping` turns true (your loop stops
 * taking work), sends already in flight finish, the producer disconnects, the process exits 0. Copies of one Ctrl-C
 * count once; Ctrl-C again says what it waits for, a third time exits at once (src/clients/shutdown.ts).
 */
import type { Kafka, Producer, ProducerConfig, ProducerRecord, RecordMetadata } from 'kafkajs';
import { UserError } from '../cluster/types.js';
import { type CreateKafkaOptions, createKafka } from './kafka.js';
import { type ShutdownOptions, onShutdown } from './shutdown.js';

export interface StartProducerOptions extends CreateKafkaOptions {
  kafka?: Kafka;
  /**
   * kafkajs producer options. Default: maxInFlightRequests 1, so a retried batch cannot overtake the next one (order
   * survives a failover). acks default to -1 (all in-sync replicas) in kafkajs' send(). `idempotent: true` adds
   * broker-side de-duplication but makes kafkajs retry forever.
   */
  producer?: ProducerConfig;
  /** install SIGINT/SIGTERM handling (default true) */
  handleSignals?: boolean;
  shutdown?: Omit<ShutdownOptions, 'exitCode'>;
}

export interface LabProducer {
  readonly producer: Producer;
  /** true after a signal or close(): stop producing */
  readonly stopping: boolean;
  /** aborted on the first signal */
  readonly signal: AbortSignal;
  readonly inFlight: number;
  send(record: ProducerRecord): Promise<RecordMetadata[]>;
  /** wait until every send started so far has settled */
  flush(): Promise<void>;
  /** stop taking sends, flush, disconnect (idempotent) */
  close(): Promise<void>;
}

export async function startProducer(options: StartProducerOptions = {}): Promise<LabProducer> {
  const kafka = options.kafka ?? createKafka(options);
  const producer = kafka.producer({ maxInFlightRequests: 1, ...options.producer });
  await producer.connect();
  const pending = new Set<Promise<unknown>>();
  let stopping = false;
  let closing: Promise<void> | null = null;

  const flush = async () => {
    while (pending.size > 0) await Promise.allSettled([...pending]);
  };
  const close = () =>
    (closing ??= (async () => {
      stopping = true;
      await flush();
      await producer.disconnect();
      handle?.dispose();
    })());

  const handle =
    options.handleSignals === false ? null : onShutdown(() => close(), { what: 'waiting for the sends in flight to be acknowledged', ...options.shutdown });
  const own = new AbortController();

  return {
    producer,
    get stopping() {
      return stopping || Boolean(handle?.stopping);
    },
    signal: handle?.signal ?? own.signal,
    get inFlight() {
      return pending.size;
    },
    send(record) {
      if (closing) return Promise.reject(new UserError('the producer is shutting down'));
      const p = producer.send(record);
      pending.add(p);
      const done = () => pending.delete(p);
      p.then(done, done);
      return p;
    },
    flush,
    close,
  };
}
