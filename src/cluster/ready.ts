/** Readiness through the Kafka protocol itself: a cluster is up when metadata lists every broker we expect. */
import { setTimeout as sleep } from 'node:timers/promises';
import { Kafka, logLevel } from 'kafkajs';
import { firstAnswer } from './kafka-requests.js';

export interface WaitForBrokersOptions {
  bootstrap: string[];
  /** broker ids that must all be listed by describeCluster */
  ids: number[];
  timeoutMs: number;
  /** called with a short progress text on each attempt */
  onProgress?: (text: string) => void;
  /** pause between attempts (default 500 ms; the bench polls faster to time start-up) */
  pollMs?: number;
}

export type BrokerWaiter = (options: WaitForBrokersOptions) => Promise<void>;


/**
 * Which brokers Metadata lists, asked of the first bootstrap address that answers. One short-lived admin per address,
 * no kafkajs retries (we own the loop and its deadline). Each address in turn, as Kafka's clients do: kafkajs without
 * retries asks only its first seed, so with broker 1 down (lab 08 kills it) every attempt failed on a live cluster.
 */
export const describeOnce = (bootstrap: string[]): Promise<number[]> => firstAnswer(bootstrap, describeVia, 'no bootstrap address');

async function describeVia(address: string): Promise<number[]> {
  const kafka = new Kafka({
    clientId: 'kafka-lab-ready',
    brokers: [address],
    logLevel: logLevel.NOTHING,
    connectionTimeout: 2_000,
    requestTimeout: 5_000,
    retry: { retries: 0 },
  });
  const admin = kafka.admin();
  try {
    await admin.connect();
    const cluster = await admin.describeCluster();
    return cluster.brokers.map((b) => b.nodeId).sort((a, b) => a - b);
  } finally {
    await admin.disconnect().catch(() => undefined);
  }
}

/** Resolves once every id is listed; rejects with the last problem seen when the deadline passes. */
export const waitForBrokers: BrokerWaiter = async ({ bootstrap, ids, timeoutMs, onProgress, pollMs = 500 }) => {
  const deadline = Date.now() + timeoutMs;
  let last = 'no answer yet';
  for (;;) {
    try {
      const listed = await describeOnce(bootstrap);
      const missing = ids.filter((id) => !listed.includes(id));
      if (missing.length === 0) return;
      last = `metadata lists brokers [${listed.join(', ')}], still waiting for [${missing.join(', ')}]`;
    } catch (error) {
      last = error instanceof Error ? error.message : String(error);
    }
    onProgress?.(last);
    if (Date.now() >= deadline) throw new Error(last);
    await sleep(pollMs);
  }
};
