/**
 * Settings of an embedded cluster. Names follow Kafka's broker configs (camel-cased); defaults are Kafka's unless a
 * comment says why a lab kit wants another value.
 */
export interface BrokerConfig {
  /**
   * How long the controller waits without heartbeats before it fences a broker (`broker.session.timeout.ms`).
   * Kafka's default is 9000; our compose files lower it to 5000 with 1000 ms heartbeats so that a killed leader is
   * replaced within a few seconds, and the embedded cluster uses the same value so labs show the same gap on both
   * backends. Lower means faster failover but more false fencing on a busy laptop.
   */
  brokerSessionTimeoutMs: number;
  /**
   * How long the controller quorum goes without an active controller after the active one dies abruptly, before the
   * remaining voters elect another (`controller.quorum.fetch.timeout.ms`, Kafka: 2000). A graceful stop hands over at
   * once, as Kafka's leader resigns. Measured on Kafka 4.4.0: a new controller about 2 s after a SIGKILL.
   */
  controllerQuorumFetchTimeoutMs: number;
  /**
   * How long a broker holds a request that only the controller can answer (CreateTopics, DeleteTopics,
   * CreatePartitions, AlterConfigs, ElectLeaders, DescribeQuorum) while there is no active controller, before it
   * answers REQUEST_TIMED_OUT. Kafka's brokers forward such requests and retry for 60 s (fixed in the broker, not a
   * config); the request's own timeoutMs does not shorten it. Tests lower it.
   */
  controllerForwardTimeoutMs: number;
  /**
   * How long the group coordinator waits for a write to `__consumer_offsets` (a commit, a group's new assignment) to
   * reach every in-sync replica before it answers COORDINATOR_NOT_AVAILABLE (`offsets.commit.timeout.ms`, Kafka: 5000).
   */
  offsetsCommitTimeoutMs: number;
  /** A follower that has not caught up for this long leaves the ISR (`replica.lag.time.max.ms`, Kafka: 30000). */
  replicaLagTimeMaxMs: number;
  /** `auto.create.topics.enable`: off by default in the kit, so typos in topic names show up as errors. */
  autoCreateTopics: boolean;
  numPartitions: number;
  /** `default.replication.factor`; capped at the number of brokers when topics are created with -1. */
  defaultReplicationFactor: number;
  minInsyncReplicas: number;
  uncleanLeaderElection: boolean;
  /** `offsets.topic.num.partitions` (Kafka: 50; fewer here so Conduktor and status stay readable). */
  offsetsTopicPartitions: number;
  offsetsTopicReplicationFactor: number;
  /** `transaction.state.log.num.partitions` (Kafka: 50; fewer here, as for the offsets topic). */
  transactionStateLogPartitions: number;
  /** `transaction.state.log.replication.factor` / `.min.isr`, as our compose files set them. */
  transactionStateLogReplicationFactor: number;
  transactionStateLogMinIsr: number;
  /** `transaction.max.timeout.ms`: the longest transaction.timeout.ms a producer may ask for. */
  transactionMaxTimeoutMs: number;
  /** `transaction.abort.timed.out.transaction.cleanup.interval.ms`: how often timed-out transactions are aborted. */
  transactionAbortTimedOutIntervalMs: number;
  /** `group.initial.rebalance.delay.ms` (Kafka: 3000; 0 in our compose files and here, for snappy labs). */
  groupInitialRebalanceDelayMs: number;
  /** `auto.leader.rebalance.enable` + `leader.imbalance.check.interval.seconds` (Kafka: 300 s; 10 s here so a lab sees it). */
  autoLeaderRebalance: boolean;
  leaderImbalanceCheckIntervalMs: number;
  /** `socket.request.max.bytes`: a larger frame closes the connection. */
  maxRequestBytes: number;
  /** `message.max.bytes`: the largest record batch a producer may send. */
  messageMaxBytes: number;
  segmentBytes: number;
  /**
   * How long each broker's log cleaner sleeps when no compacted log is dirty enough (`log.cleaner.backoff.ms`).
   * Kafka's default is 15000; our compose files set 1000 so a lab sees a cleaning a second or so after a segment
   * rolls (measured on Kafka 4.4.0 with the default: cleanings 15 s apart), and the embedded cluster does the same.
   */
  logCleanerBackoffMs: number;
  retentionMs: number;
  retentionBytes: number;
}

export const DEFAULT_CONFIG: BrokerConfig = {
  brokerSessionTimeoutMs: 5000,
  controllerQuorumFetchTimeoutMs: 2000,
  controllerForwardTimeoutMs: 60000,
  offsetsCommitTimeoutMs: 5000,
  replicaLagTimeMaxMs: 30000,
  autoCreateTopics: false,
  numPartitions: 1,
  defaultReplicationFactor: 3,
  minInsyncReplicas: 1,
  uncleanLeaderElection: false,
  offsetsTopicPartitions: 10,
  offsetsTopicReplicationFactor: 3,
  transactionStateLogPartitions: 10,
  transactionStateLogReplicationFactor: 3,
  transactionStateLogMinIsr: 2,
  transactionMaxTimeoutMs: 900000,
  transactionAbortTimedOutIntervalMs: 10000,
  groupInitialRebalanceDelayMs: 0,
  autoLeaderRebalance: true,
  leaderImbalanceCheckIntervalMs: 10000,
  maxRequestBytes: 100 * 1024 * 1024,
  messageMaxBytes: 1048588,
  segmentBytes: 64 * 1024 * 1024,
  logCleanerBackoffMs: 1000,
  retentionMs: 7 * 24 * 3600 * 1000,
  retentionBytes: -1,
};

export function resolveConfig(overrides: Partial<BrokerConfig> | undefined, brokerCount: number): BrokerConfig {
  const config = { ...DEFAULT_CONFIG, ...overrides };
  config.defaultReplicationFactor = Math.min(config.defaultReplicationFactor, brokerCount);
  config.offsetsTopicReplicationFactor = Math.min(config.offsetsTopicReplicationFactor, brokerCount);
  config.transactionStateLogReplicationFactor = Math.min(config.transactionStateLogReplicationFactor, brokerCount);
  config.transactionStateLogMinIsr = Math.min(config.transactionStateLogMinIsr, config.transactionStateLogReplicationFactor);
  config.minInsyncReplicas = Math.min(config.minInsyncReplicas, config.defaultReplicationFactor);
  return config;
}
