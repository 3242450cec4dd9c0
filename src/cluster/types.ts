/** What every backend (docker, jvm, embedded) offers to scripts and labs. Labs only ever see this. */
export type Profile = 'single' | 'multi';
export const BACKEND_NAMES = ['docker', 'jvm', 'embedded'] as const;
export type BackendName = (typeof BACKEND_NAMES)[number];
export type BackendChoice = BackendName | 'auto';

export interface BrokerAddress {
  id: number;
  host: string;
  port: number;
}

export interface BrokerState extends BrokerAddress {
  /** true when the broker serves requests (the process/container runs and answers). */
  up: boolean;
  /** where its log is: a file, or the command that shows it */
  log?: string;
}

export interface PartitionStatus {
  partition: number;
  leader: number; // -1 when offline
  replicas: number[];
  isr: number[];
  offlineReplicas: number[];
  underReplicated: boolean;
  offline: boolean;
  /** fewer replicas in sync than min.insync.replicas: writes with acks=all are refused (NOT_ENOUGH_REPLICAS) */
  belowMinIsr?: boolean;
  highWatermark?: string;
  logStartOffset?: string;
}

export interface TopicStatus {
  name: string;
  internal: boolean;
  /** the topic's min.insync.replicas (its own or the broker default), when it could be read */
  minInsyncReplicas?: number;
  /** the topic's cleanup.policy ("delete", "compact", "compact,delete" or ""), when it could be read */
  cleanupPolicy?: string;
  partitions: PartitionStatus[];
}

export interface GroupStatus {
  groupId: string;
  state: string;
  protocol: string;
  members: Array<{ memberId: string; clientId: string; host: string; assignment: Array<{ topic: string; partitions: number[] }> }>;
  lag: Array<{ topic: string; partition: number; committed: string; end: string; lag: string }>;
  totalLag: string;
}

/** A transaction that is open or being decided (ListTransactions + DescribeTransactions at its coordinator). */
export interface TransactionStatus {
  transactionalId: string;
  state: string;
  producerId: number;
  producerEpoch: number;
  coordinator: number;
  /** ms since it began (-1 if unknown) */
  openForMs: number;
  timeoutMs: number;
  partitions: Array<{ topic: string; partitions: number[] }>;
}

export interface ClusterStatus {
  backend: BackendName;
  profile: Profile;
  clusterId: string | null;
  controller: number | null;
  brokers: Array<BrokerState & { controller: boolean }>;
  topics: TopicStatus[];
  groups: GroupStatus[];
  /** open transactions (absent when the cluster could not say) */
  transactions?: TransactionStatus[];
  /** set when the cluster cannot be reached at all */
  error?: string;
  /** parts that could not be read this time, and why (the rest is current), e.g. { groups: '…' } */
  unread?: Record<string, string>;
}

export interface Cluster {
  readonly backend: BackendName;
  readonly profile: Profile;
  /** Brings the profile up and returns once every broker serves (metadata lists them all). Reuses a cluster already up. */
  up(): Promise<void>;
  /** Stops everything; data is kept (embedded) or volumes are kept (docker) until reset(). */
  down(): Promise<void>;
  /** down() and wipe all data: the next up() is a brand-new cluster. */
  reset(): Promise<void>;
  status(): Promise<ClusterStatus>;
  /** e.g. ['127.0.0.1:9092', '127.0.0.1:9093'] */
  bootstrapServers(): string[];
  brokers(): Promise<BrokerState[]>;
  /** Abrupt, like SIGKILL / `docker kill`: connections end at once, nothing handed over. */
  killBroker(id: number): Promise<void>;
  /** Graceful, like `docker stop` (controlled shutdown): leadership moves first. */
  stopBroker(id: number): Promise<void>;
  /** Start a killed or stopped broker again, with the data it had. */
  startBroker(id: number): Promise<void>;
  /**
   * Moves leadership back to each partition's preferred replica (the first in its list) where that replica is alive
   * and in sync, now, instead of waiting for the periodic check. Returns how many partitions moved, when known.
   */
  electPreferredLeaders(): Promise<number | null>;
  /** true when a cluster of this backend/profile is currently running */
  isUp(): Promise<boolean>;
}

/** Host ports per profile: the same for every backend, so a lab or a student's code does not care which runs. */
export const PROFILE_BROKERS: Record<Profile, BrokerAddress[]> = {
  single: [{ id: 1, host: '127.0.0.1', port: 9092 }],
  multi: [
    { id: 1, host: '127.0.0.1', port: 9092 },
    { id: 2, host: '127.0.0.1', port: 9093 },
    { id: 3, host: '127.0.0.1', port: 9094 },
  ],
};

export { UserError } from '../common/user-error.js';
