/**
 * kafkajs clients for labs: bootstrap on 127.0.0.1, a retry budget, and kafkajs' own logging captured instead of
 * printed (a lab narrates what happens; kafkajs' error logs during a failover would drown it).
 * Built on src/clients' kafkaConfig (bootstrap normalisation, timeouts); adds the log capture.
 */
import { Kafka, type KafkaConfig, type RetryOptions, logLevel, type LogEntry } from 'kafkajs';
import { kafkaConfig } from '../clients/kafka.js';

export interface KafkaLogLine {
  at: number;
  level: string;
  namespace: string;
  message: string;
  error?: string;
}

/** Collected kafkajs log lines, newest last (bounded). Printed when a lab fails or with KAFKA_LAB_DEBUG=1. */
export class KafkaLogSink {
  readonly lines: KafkaLogLine[] = [];
  constructor(private readonly max = 500) {}
  push(line: KafkaLogLine): void {
    this.lines.push(line);
    if (this.lines.length > this.max) this.lines.shift();
    if (process.env.KAFKA_LAB_DEBUG) {
      process.stderr.write(`[kafkajs ${line.level} ${line.namespace}] ${line.message}${line.error ? ` (${line.error})` : ''}\n`);
    }
  }
  tail(n: number, minLevel: 'ERROR' | 'WARN' | 'INFO' = 'WARN'): string[] {
    const ok = minLevel === 'ERROR' ? ['ERROR'] : minLevel === 'WARN' ? ['ERROR', 'WARN'] : ['ERROR', 'WARN', 'INFO'];
    return this.lines
      .filter((l) => ok.includes(l.level))
      .slice(-n)
      .map((l) => `${new Date(l.at).toISOString().slice(11, 23)} ${l.level} ${l.namespace}: ${l.message}${l.error ? ` (${l.error})` : ''}`);
  }
}

/** Default budget: ~7 s of retries with backoff capped at 1 s, enough for a leader move after a graceful stop. */
export const DEFAULT_RETRY: RetryOptions = { retries: 10, initialRetryTime: 100, maxRetryTime: 1000 };

export function createLabKafka(
  brokers: string[],
  clientId: string,
  options: { retry?: RetryOptions; sink?: KafkaLogSink; extra?: Partial<KafkaConfig> } = {},
): Kafka {
  const sink = options.sink;
  return new Kafka({
    ...kafkaConfig({ clientId, brokers, retry: options.retry ?? DEFAULT_RETRY }),
    logLevel: process.env.KAFKA_LAB_DEBUG ? logLevel.DEBUG : logLevel.INFO,
    logCreator:
      () =>
      ({ namespace, level, log }: LogEntry) => {
        const { message, error, ...rest } = log as { message: string; error?: string; [k: string]: unknown };
        void rest;
        sink?.push({ at: Date.now(), level: logLevel[level] ?? String(level), namespace, message, error });
      },
    ...options.extra,
  });
}

export { kafkaErrorType } from '../clients/kafka.js';
