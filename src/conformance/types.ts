/** The vocabulary of the conformance suite: clients, commands they accept, what a scenario observes. */
import type { Cluster } from '../cluster/types.js';

export const BACKENDS = ['embedded', 'jvm'] as const;
export type Backend = (typeof BACKENDS)[number];

/** `raw` is the kit's own codec (src/broker/protocol): exact requests, one per fresh connection. */
export const CLIENT_NAMES = ['kafkajs', 'kcat', 'kafka-python', 'java', 'franz-go', 'raw'] as const;
export type ClientName = (typeof CLIENT_NAMES)[number];

export type Compression = 'none' | 'gzip' | 'snappy' | 'lz4' | 'zstd';

/** The JSON-lines command protocol every driver speaks (one command a line in, one answer a line out). */
export type Command =
  | { op: 'produce'; topic: string; partition: number; values: string[]; acks: 0 | 1 | -1; timeoutMs: number; compression?: Compression; timestamp?: number }
  | { op: 'fetch'; topic: string; partition: number; offset: number; max: number; waitMs: number; readCommitted?: boolean }
  /** one transaction: the values sent to one partition, then committed (or aborted) */
  | { op: 'transaction'; transactionalId: string; topic: string; partition: number; values: string[]; commit: boolean }
  | { op: 'metadata'; topic: string }
  | { op: 'offsets'; topic: string; partition: number }
  | { op: 'join'; group: string; topic: string; instanceId?: string; protocol?: 'classic' | 'consumer'; waitMs: number };

export type Op = Command['op'];

/** What a driver answers; `error` is the client's own name for what went wrong (compared per client, never across). */
export interface Answer {
  error?: string;
  /** produce: the offset of each record, when the client reports it */
  offsets?: number[];
  /** fetch */
  records?: Array<{ offset: number; value: string; leaderEpoch?: number }>;
  /** metadata */
  brokers?: number[];
  controller?: number;
  partitions?: Array<{ partition: number; leader: number; replicas: number[]; isr: number[]; leaderEpoch?: number }>;
  /** offsets */
  earliest?: number;
  latest?: number;
  leaderEpoch?: number;
  /** join */
  memberId?: string;
  generation?: number;
  assignment?: number[];
  [key: string]: unknown;
}

export interface Driver {
  readonly name: ClientName;
  /** A command this client cannot express: why (the scenario is then skipped for it). */
  cannot(command: Command): string | null;
  send(command: Command): Promise<Answer>;
  close(): Promise<void>;
}

/** A duration, compared with a tolerance rather than exactly. */
export interface Timing {
  ms: number;
  toleranceMs: number;
}

/** One thing a client saw: a label and a JSON value (timings marked as such). */
export interface Observation {
  step: string;
  value: unknown;
}

export interface ScenarioContext {
  backend: Backend;
  cluster: Cluster;
  bootstrap: string[];
  client: ClientName;
  /** the client under test (raw: the kit's codec; see ./raw.ts) */
  driver: Driver;
  /** a topic name unique to this scenario × client */
  topic(suffix?: string): string;
  /** setup through kafkajs' admin (not part of what is observed) */
  admin: import('./admin.js').SetupAdmin;
  observe(step: string, value: unknown): void;
  /** a duration to compare within a tolerance */
  timing(ms: number, toleranceMs: number): Timing;
  /** Runs a command, records its answer under `step` (with its duration when `toleranceMs` is given) and returns it. */
  run(step: string, command: Command, options?: { toleranceMs?: number; keep?: (a: Answer) => unknown }): Promise<Answer>;
  log(line: string): void;
}

export interface Scenario {
  name: string;
  title: string;
  /** must-match: a difference fails the run (unless it is a known divergence); informational: reported only */
  level: 'must-match' | 'informational';
  /** in the CI set (`--quick`) */
  quick: boolean;
  clients: readonly ClientName[];
  /** the clients of the CI set (`--quick`), when fewer than `clients` */
  quickClients?: readonly ClientName[];
  /** commands the scenario sends: a client that cannot express one is skipped with its reason */
  needs: Command[];
  run(ctx: ScenarioContext): Promise<void>;
}

