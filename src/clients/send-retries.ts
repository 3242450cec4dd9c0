/**
 * Seeing a producer's retries as they happen. kafkajs retries a failed send quietly (it logs each failed attempt,
 * with its count and the wait before the next, at ERROR), so `echo hello | yarn produce payments` with two of three
 * brokers down said nothing for half a minute before NOT_ENOUGH_REPLICAS. This turns those log entries into events:
 * which attempt failed, with what, when the next one is, and when kafkajs gives up.
 */
import { createRequire } from 'node:module';
import { type LogEntry, type RetryOptions, logLevel } from 'kafkajs';

export interface SendRetry {
  /** the attempt that failed, 1-based */
  attempt: number;
  /** attempts in all (retries + 1) */
  attempts: number;
  /** Kafka's error name when known, e.g. NOT_ENOUGH_REPLICAS */
  type?: string;
  message: string;
  /** wait before the next attempt */
  retryInMs: number;
  /** about when kafkajs gives up, if every attempt fails the same way (waits only, request times not included) */
  giveUpInMs: number;
}

type KafkaLogger = (entry: LogEntry) => void;

/** kafkajs' own table of Kafka errors (an internal module: there is no public one); messages → names. */
const errorNames: Map<string, string> = (() => {
  try {
    const table = createRequire(import.meta.url)('kafkajs/src/protocol/error.js') as { errorCodes?: Array<{ type: string; message: string }> };
    return new Map((table.errorCodes ?? []).map((e) => [e.message, e.type]));
  } catch {
    return new Map();
  }
})();

/** The waits kafkajs' retrier will still make after `retryCount`, the next one being `retryTime` (no jitter). */
export function remainingWaitMs(retry: RetryOptions, retryCount: number, retryTime: number): number {
  const retries = retry.retries ?? 5;
  const multiplier = retry.multiplier ?? 2;
  const max = retry.maxRetryTime ?? 30_000;
  let total = 0;
  let wait = retryTime;
  for (let n = retryCount; n < retries; n++) {
    total += wait;
    wait = Math.min(wait * multiplier, max);
  }
  return total;
}

/**
 * A kafkajs logCreator that calls `onRetry` for every failed send attempt of a producer, and passes every entry on
 * to `next` (e.g. the lab's log sink).
 */
export function sendRetryLogCreator(retry: RetryOptions, onRetry: (event: SendRetry) => void, next?: (level: logLevel) => KafkaLogger) {
  return (level: logLevel): KafkaLogger => {
    const forward = next?.(level);
    return (entry) => {
      forward?.(entry);
      const log = entry.log as { message?: string; retryCount?: unknown; retryTime?: unknown };
      if (!/Producer/.test(entry.namespace) || typeof log.retryCount !== 'number' || typeof log.retryTime !== 'number') return;
      const retries = retry.retries ?? 5;
      if (log.retryCount >= retries) return; // the last attempt: the send fails now, and says so itself
      const message = (log.message ?? '').replace(/^Failed to send messages: /, '');
      const type = errorNames.get(message);
      onRetry({
        attempt: log.retryCount + 1,
        attempts: retries + 1,
        ...(type ? { type } : {}),
        message,
        retryInMs: log.retryTime,
        giveUpInMs: remainingWaitMs(retry, log.retryCount, log.retryTime),
      });
    };
  };
}

/** 'send attempt 3 of 31 failed: NOT_ENOUGH_REPLICAS; next in 0.4 s, kafkajs gives up in about 24 s' (the parts that
 * change first: a terminal cuts the line at its width) */
export function describeRetry(r: SendRetry): string {
  return `send attempt ${r.attempt} of ${r.attempts} failed: ${r.type ?? r.message}; next in ${(r.retryInMs / 1000).toFixed(1)} s, kafkajs gives up in about ${Math.ceil(r.giveUpInMs / 1000)} s${r.type ? ` (${r.message})` : ''}`;
}
