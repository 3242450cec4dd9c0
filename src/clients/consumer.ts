/**
 * A consumer in a group that shuts down gracefully:
 *
 *   const c = await startConsumer({ groupId: 'billing', topics: ['orders'], fromBeginning: true, cluster,
 *     eachMessage: async ({ message }) => { ... } });
 *
 * On SIGINT/SIGTERM (or when yarn/tsx, which started the process, goes away): no new messages are handed out, the
 * message being processed finishes, kafkajs commits the offsets processed so far (its runner commits when a batch
 * ends, before leaving the group), the consumer leaves the group and disconnects, the process exits 0. Copies of one
 * Ctrl-C count once; Ctrl-C again says what it waits for, a third time exits at once (src/clients/shutdown.ts).
 */
import type { Consumer, ConsumerConfig, EachMessagePayload, Kafka } from 'kafkajs';
import { type CreateKafkaOptions, createKafka } from './kafka.js';
import { type ShutdownOptions, onShutdown } from './shutdown.js';

export interface StartConsumerOptions extends CreateKafkaOptions {
  kafka?: Kafka;
  groupId: string;
  topics: string[];
  fromBeginning?: boolean;
  /** kafkajs consumer options (groupId is set from above) */
  consumer?: Omit<ConsumerConfig, 'groupId'>;
  eachMessage: (payload: EachMessagePayload) => Promise<void>;
  /** called before run(), e.g. to listen to consumer.events.GROUP_JOIN (the first join happens inside run()) */
  beforeRun?: (consumer: Consumer) => void;
  handleSignals?: boolean;
  shutdown?: Omit<ShutdownOptions, 'exitCode'>;
}

export interface LabConsumer {
  readonly consumer: Consumer;
  readonly stopping: boolean;
  readonly signal: AbortSignal;
  /** messages whose eachMessage resolved */
  readonly processed: number;
  /** stop, commit, leave the group, disconnect (idempotent) */
  close(): Promise<void>;
}

export async function startConsumer(options: StartConsumerOptions): Promise<LabConsumer> {
  const kafka = options.kafka ?? createKafka(options);
  const consumer = kafka.consumer({ ...options.consumer, groupId: options.groupId });
  await consumer.connect();
  await consumer.subscribe({ topics: options.topics, fromBeginning: options.fromBeginning ?? false });
  let processed = 0;
  let stopping = false;
  let closing: Promise<void> | null = null;

  const close = () =>
    (closing ??= (async () => {
      stopping = true;
      // stop(): the fetch loop ends, the current eachMessage finishes, the batch's offsets are committed, the
      // member leaves the group (its partitions go to the others right away instead of after the session timeout).
      await consumer.stop();
      await consumer.disconnect();
      handle?.dispose();
    })());
  const handle =
    options.handleSignals === false
      ? null
      : onShutdown(() => close(), { what: `committing the offsets processed and leaving the group ${options.groupId}`, ...options.shutdown });
  const own = new AbortController();

  options.beforeRun?.(consumer);
  await consumer.run({
    eachMessage: async (payload) => {
      await options.eachMessage(payload);
      processed += 1;
    },
  });

  return {
    consumer,
    get stopping() {
      return stopping || Boolean(handle?.stopping);
    },
    signal: handle?.signal ?? own.signal,
    get processed() {
      return processed;
    },
    close,
  };
}
