/** Turning failures into the one line a person can act on. */
import { UserError } from '../cluster/types.js';

export { UserError };

/** kafkajs errors carry a name and sometimes a nested cause; make the common ones actionable. */
export function describeError(error: unknown): string {
  if (error instanceof UserError) return error.message;
  const err = error as { name?: string; message?: string; code?: string; cause?: unknown; originalError?: unknown };
  const message = err?.message ?? String(error);
  const refused = /ECONNREFUSED\s+([\d.:\[\]a-f]+)/i.exec(message) ?? /ECONNREFUSED\s+([\d.:\[\]a-f]+)/i.exec(String(err?.cause ?? ''));
  if (refused) return `cannot reach Kafka at ${refused[1]}: is a cluster up? Run \`yarn cluster:up\` (or check KAFKA_BOOTSTRAP)`;
  if (err?.name === 'KafkaJSNumberOfRetriesExceeded' && err.originalError) {
    return `${describeError(err.originalError)} (gave up after retrying)`;
  }
  if (err?.name === 'KafkaJSConnectionError' || err?.name === 'KafkaJSNonRetriableError') {
    return `${message}: is a cluster up? Run \`yarn cluster:status\``;
  }
  return message.split('\n')[0] ?? 'unknown error';
}

/** Exit code for an error: UserError's own, 1 otherwise. */
export function exitCodeOf(error: unknown): number {
  return error instanceof UserError ? error.exitCode : 1;
}

export function isDebug(): boolean {
  return Boolean(process.env.KAFKA_LAB_DEBUG) || /\bkafka-lab\b/.test(process.env.DEBUG ?? '');
}
