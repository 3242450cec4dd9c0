/**
 * Setting the stage for a scenario through kafkajs' admin: topics, and waiting for a partition's leader or ISR to
 * reach a state. What happens here is not observed; it only brings both backends to the same starting point.
 */
import { Kafka, logLevel, type Admin } from 'kafkajs';
import { setTimeout as sleep } from 'node:timers/promises';
import { createTopicsAndWait } from '../clients/topics.js';
import { partitionsFrom } from '../cluster/kafka-requests.js';

export interface PartitionState {
  leader: number;
  replicas: number[];
  isr: number[];
}

export interface SetupAdmin {
  createTopic(name: string, options?: { partitions?: number; replicationFactor?: number; configs?: Record<string, string> }): Promise<void>;
  partition(topic: string, partition?: number): Promise<PartitionState>;
  /** Polls metadata (from any live broker) until `ready` holds; throws after `timeoutMs`. */
  waitFor(topic: string, ready: (p: PartitionState) => boolean, what: string, timeoutMs?: number): Promise<PartitionState>;
  close(): Promise<void>;
}

/**
 * Every broker that answers knows the topic and its leaders: Kafka's brokers learn a new topic from the metadata log
 * a moment after the controller commits it, and a client without retries that asks one too early is told
 * UNKNOWN_TOPIC_OR_PARTITION. Not what a scenario is about, so setup waits it out.
 */
async function knownEverywhere(addresses: string[], topic: string, partitions: number, timeoutMs = 30_000): Promise<void> {
  for (const deadline = Date.now() + timeoutMs; Date.now() < deadline; await sleep(100)) {
    const views = await Promise.all(addresses.map((a) => partitionsFrom(a, topic).then((p) => p, (e: Error) => (/ECONNREFUSED|closed the connection/.test(e.message) ? 'down' : null))));
    if (views.every((v) => v === 'down' || (v !== null && v.length === partitions && v.every((p) => p.leader >= 0)))) return;
  }
  throw new Error(`${topic}: not every broker knows it after ${timeoutMs / 1000} s`);
}

export function setupAdmin(bootstrap: () => string[]): SetupAdmin {
  let admin: Admin | null = null;
  const connect = async (): Promise<Admin> => {
    if (admin) return admin;
    const kafka = new Kafka({ clientId: 'conformance-setup', brokers: bootstrap(), logLevel: logLevel.NOTHING, retry: { retries: 8, initialRetryTime: 100, maxRetryTime: 1000 } });
    const a = kafka.admin();
    await a.connect();
    return (admin = a);
  };
  // A fresh admin each time the old one fails: after a kill, kafkajs' admin can hold a dead connection.
  const withAdmin = async <T>(f: (a: Admin) => Promise<T>): Promise<T> => {
    try {
      return await f(await connect());
    } catch (error) {
      await admin?.disconnect().catch(() => undefined);
      admin = null;
      throw error;
    }
  };
  const partition = (topic: string, index = 0) =>
    withAdmin(async (a) => {
      const md = await a.fetchTopicMetadata({ topics: [topic] });
      const p = md.topics[0]!.partitions.find((x) => x.partitionId === index)!;
      return { leader: p.leader, replicas: [...p.replicas].sort(), isr: [...p.isr].sort() };
    });
  return {
    createTopic: (name, options = {}) =>
      withAdmin(async (a) => {
        await createTopicsAndWait(a, [
          {
            topic: name,
            numPartitions: options.partitions ?? 1,
            replicationFactor: options.replicationFactor ?? 3,
            configEntries: Object.entries(options.configs ?? {}).map(([key, value]) => ({ name: key, value })),
          },
        ]);
        await knownEverywhere(bootstrap(), name, options.partitions ?? 1);
      }),
    partition,
    async waitFor(topic, ready, what, timeoutMs = 60_000) {
      let last: unknown = null;
      for (const deadline = Date.now() + timeoutMs; Date.now() < deadline; await sleep(200)) {
        try {
          const p = await partition(topic);
          last = p;
          if (ready(p)) return p;
        } catch (error) {
          last = error;
        }
      }
      throw new Error(`${topic}: ${what} not reached within ${timeoutMs / 1000} s (last: ${JSON.stringify(last instanceof Error ? last.message : last)})`);
    },
    async close() {
      await admin?.disconnect().catch(() => undefined);
      admin = null;
    },
  };
}
