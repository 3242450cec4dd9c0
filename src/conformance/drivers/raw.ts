/**
 * `raw`: single requests encoded with the kit's own codec (src/broker/protocol), one per fresh connection, timed. For
 * what no client shows exactly (a Fetch's wait, Metadata's controllerId, ApiVersions). It runs no commands.
 */
import { requestOnce, NoAnswer } from '../../cluster/kafka-requests.js';
import type { Driver } from '../types.js';

export function rawDriver(): Driver {
  return {
    name: 'raw',
    cannot: () => 'raw speaks single protocol requests, not client commands',
    send: () => Promise.reject(new Error('raw runs no commands')),
    async close() {},
  };
}

export interface TimedAnswer {
  ms: number;
  body?: any;
  /** no answer within the time given, or the connection failed */
  failure?: string;
}

export async function timedRequest(address: string, apiKey: number, version: number, body: unknown, timeoutMs = 30_000): Promise<TimedAnswer> {
  const started = performance.now();
  try {
    const answer = await requestOnce(address, apiKey, version, body, timeoutMs);
    return { ms: performance.now() - started, body: answer };
  } catch (error) {
    return { ms: performance.now() - started, failure: error instanceof NoAnswer ? 'no answer' : (error as Error).message.replace(/127\.0\.0\.1:\d+/g, '<broker>') };
  }
}

/** Kafka's name for an error code (NOT_LEADER_OR_FOLLOWER): the codec's own table. */
export { errorName } from '../../broker/protocol/errors.js';
