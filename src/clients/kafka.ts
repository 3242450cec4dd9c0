import { connect } from 'node:net';
/**
 * kafkajs clients for kafka-lab code (labs, scripts, a student's own producer):
 *
 *   const kafka = createKafka({ clientId: 'orders-producer', cluster });      // or brokers: [...], or KAFKA_BOOTSTRAP
 */
import { Kafka, type KafkaConfig, type RetryOptions, logLevel as LogLevel } from 'kafkajs';
import './kafkajs-fixes.js'; // before any consumer runs: see the file
import { type Cluster, PROFILE_BROKERS, UserError } from '../cluster/types.js';

/**
 * The retry budget: long enough to ride out a leader election, short enough that a real outage fails in seconds.
 *
 * When a broker dies abruptly (`broker:kill`), nothing tells the cluster: the controller fences it only after
 * broker.session.timeout.ms without a heartbeat (5 s in our compose files and the embedded backend; up to 6 s after
 * the last heartbeat, which comes every second). If it was also the active KRaft controller, the quorum first needs
 * about 2-3 s to elect a new one, which then gives every broker a fresh session: ~11 s in the worst case. Only then
 * do partitions get new leaders, and clients learn about them on their next metadata refresh.
 *
 * kafkajs waits initialRetryTime * multiplier^n (±20% randomisation) between attempts, capped at maxRetryTime:
 * 0.25 + 0.5 + 1 + 2 + 4 + 5 + 5 + 5 ≈ 23 s over 8 retries (at worst ~18 s with the randomisation), about twice
 * the worst election above. kafkajs' default (5 retries from 300 ms, ≈ 9 s) is the same size as the fencing window,
 * so a default producer sometimes gives up in the middle of a failover lab.
 */
export const FAILOVER_RETRY: RetryOptions = {
  initialRetryTime: 250,
  multiplier: 2,
  maxRetryTime: 5_000,
  retries: 8,
};

/** For tools that should answer fast when nothing runs (cluster:status): one quick retry. */
export const QUICK_RETRY: RetryOptions = { initialRetryTime: 200, retries: 1, maxRetryTime: 1_000 };

export type LogLevelName = 'nothing' | 'error' | 'warn' | 'info' | 'debug';

const LEVELS: Record<LogLevelName, LogLevel> = {
  nothing: LogLevel.NOTHING,
  error: LogLevel.ERROR,
  warn: LogLevel.WARN,
  info: LogLevel.INFO,
  debug: LogLevel.DEBUG,
};

export interface CreateKafkaOptions {
  clientId?: string;
  /** explicit bootstrap servers; else the cluster's; else KAFKA_BOOTSTRAP; else 127.0.0.1:9092 */
  brokers?: string[];
  cluster?: Pick<Cluster, 'bootstrapServers'>;
  /** default: KAFKA_LAB_LOG_LEVEL, else 'warn' ('debug' with KAFKA_LAB_DEBUG) */
  logLevel?: LogLevelName;
  retry?: RetryOptions;
  /** anything else kafkajs accepts (overrides ours) */
  config?: Partial<KafkaConfig>;
  env?: NodeJS.ProcessEnv;
}

/** `localhost` → 127.0.0.1: Node may resolve localhost to ::1 while brokers listen on IPv4 only. */
export function normalizeBroker(address: string): string {
  return address.trim().replace(/^localhost(?=:|$)/i, '127.0.0.1');
}

export function resolveBootstrap(options: Pick<CreateKafkaOptions, 'brokers' | 'cluster' | 'env'> = {}): string[] {
  const env = options.env ?? process.env;
  const list =
    options.brokers ??
    options.cluster?.bootstrapServers() ??
    (env.KAFKA_BOOTSTRAP ? env.KAFKA_BOOTSTRAP.split(',') : PROFILE_BROKERS.single.map((b) => `${b.host}:${b.port}`));
  return list.map(normalizeBroker).filter(Boolean);
}

export function resolveLogLevel(name: string | undefined, env: NodeJS.ProcessEnv = process.env): LogLevel {
  const wanted = (name ?? env.KAFKA_LAB_LOG_LEVEL ?? (env.KAFKA_LAB_DEBUG ? 'debug' : 'warn')).toLowerCase();
  return LEVELS[wanted as LogLevelName] ?? LogLevel.WARN;
}

export function kafkaConfig(options: CreateKafkaOptions = {}): KafkaConfig {
  return {
    clientId: options.clientId ?? 'kafka-lab',
    brokers: resolveBootstrap(options),
    logLevel: resolveLogLevel(options.logLevel, options.env),
    // A refused connection to a dead broker fails fast; the retry budget does the waiting.
    connectionTimeout: 3_000,
    // kafkajs' default is 30 s; a request stuck on a dying broker should be retried elsewhere sooner.
    requestTimeout: 15_000,
    retry: options.retry ?? FAILOVER_RETRY,
    ...options.config,
  };
}

export function createKafka(options: CreateKafkaOptions = {}): Kafka {
  return new Kafka(kafkaConfig(options));
}

export interface StartOnTopicOptions {
  /** one line per failed start that is tried again (default stderr) */
  log?: (line: string) => void;
  /** attempts at `start` while some broker answers (default 5, about 5 s) */
  attempts?: number;
}

/**
 * For command-line clients: check that `topic` exists, then `start` the client (connect a producer, a consumer).
 * A cluster that does not answer or a missing topic becomes a one-line UserError saying what to do.
 *
 * With brokers down, starting can fail where it would work a moment later: kafkajs asks the broker Metadata names
 * as controller for an idempotent producer's id, and that may be a dead one until it is fenced (or for good, without
 * a quorum). So a failed start is tried again, saying so, while at least one broker answers.
 */
export async function startOnTopic<T>(kafka: Kafka, brokers: string[], topic: string, start: () => Promise<T>, options: StartOnTopicOptions = {}): Promise<T> {
  const log = options.log ?? ((line: string) => process.stderr.write(line + '\n'));
  const unreachable = (error: unknown) =>
    new UserError(`cannot reach the cluster at ${brokers.join(', ')}: start it with \`yarn cluster:up\` (${(error as Error).message})`);
  const degraded = (what: string, error: unknown) =>
    new UserError(`${what} failed although the cluster answers (${describeKafkaError(error)}): are brokers down? \`yarn cluster:status\` shows them`);
  let topics: string[];
  // A quick look first: a cluster that is down is reported at once, not after the failover retry budget.
  if (!(await anyAnswers(brokers))) throw unreachable(new Error('connection refused'));
  try {
    const admin = kafka.admin();
    await admin.connect();
    topics = await admin.listTopics();
    await admin.disconnect();
  } catch (error) {
    throw (await anyAnswers(brokers)) ? degraded('listing the topics', error) : unreachable(error);
  }
  if (!topics.includes(topic)) {
    const existing = topics.filter((t) => !t.startsWith('__'));
    const create = 'create it with `yarn topics:apply <file.yaml>` (topics/single.yaml or topics/course.yaml show how)';
    throw new UserError(`there is no topic "${topic}"${existing.length ? ` (there are: ${existing.join(', ')}): ${create}, or pick one of those` : `: ${create}`}`);
  }
  const attempts = options.attempts ?? 5;
  for (let attempt = 1; ; attempt++) {
    try {
      return await start();
    } catch (error) {
      if (!(await anyAnswers(brokers))) throw unreachable(error);
      if (attempt >= attempts) throw degraded('connecting', error);
      log(`connecting failed (${describeKafkaError(error)}): trying again (attempt ${attempt + 1} of ${attempts}, for ${attempts - attempt} s more)`);
      await new Promise((resolve) => setTimeout(resolve, 1000));
    }
  }
}

/** 'COORDINATOR_LOAD_IN_PROGRESS: The coordinator is loading…' or the message alone. */
function describeKafkaError(error: unknown): string {
  const type = kafkaErrorType(error);
  const message = (error as Error)?.message ?? String(error);
  return type && !/^KafkaJS/.test(type) && type !== 'Error' ? `${type}: ${message}` : message;
}

/** True when at least one host:port accepts a TCP connection within `timeoutMs`. */
export async function anyAnswers(brokers: string[], timeoutMs = 1000): Promise<boolean> {
  const answers = await Promise.all(
    brokers.map(
      (address) =>
        new Promise<boolean>((resolve) => {
          const at = address.lastIndexOf(':');
          const socket = connect({ host: address.slice(0, at), port: Number(address.slice(at + 1)) });
          const done = (ok: boolean) => {
            socket.destroy();
            resolve(ok);
          };
          socket.setTimeout(timeoutMs, () => done(false));
          socket.once('connect', () => done(true));
          socket.once('error', () => done(false));
        }),
    ),
  );
  return answers.some(Boolean);
}

/** The Kafka error name inside a kafkajs error chain (e.g. NOT_ENOUGH_REPLICAS), if any. */
export function kafkaErrorType(error: unknown): string | undefined {
  let e: unknown = error;
  for (let i = 0; i < 5 && e; i++) {
    const obj = e as { type?: string; name?: string; cause?: unknown; originalError?: unknown; retriableErrors?: unknown[] };
    if (typeof obj.type === 'string' && obj.type !== 'UNKNOWN') return obj.type;
    e = obj.originalError ?? obj.cause ?? (Array.isArray(obj.retriableErrors) ? obj.retriableErrors.at(-1) : undefined);
  }
  return (error as { name?: string })?.name;
}
