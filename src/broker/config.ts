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
  retentionMs: number;
  retentionBytes: number;
}

export const DEFAULT_CONFIG: BrokerConfig = {
  brokerSessionTimeoutMs: 5000,
  replicaLagTimeMaxMs: 30000,
  autoCreateTopics: false,
  numPartitions: 1,
  defaultReplicationFactor: 3,
  minInsyncReplicas: 1,
  uncleanLeaderElection: false,
  offsetsTopicPartitions: 10,
  offsetsTopicReplicationFactor: 3,
  groupInitialRebalanceDelayMs: 0,
  autoLeaderRebalance: true,
  leaderImbalanceCheckIntervalMs: 10000,
  maxRequestBytes: 100 * 1024 * 1024,
  messageMaxBytes: 1048588,
  segmentBytes: 64 * 1024 * 1024,
  retentionMs: 7 * 24 * 3600 * 1000,
  retentionBytes: -1,
};

export function resolveConfig(overrides: Partial<BrokerConfig> | undefined, brokerCount: number): BrokerConfig {
  const config = { ...DEFAULT_CONFIG, ...overrides };
  config.defaultReplicationFactor = Math.min(config.defaultReplicationFactor, brokerCount);
  config.offsetsTopicReplicationFactor = Math.min(config.offsetsTopicReplicationFactor, brokerCount);
  config.minInsyncReplicas = Math.min(config.minInsyncReplicas, config.defaultReplicationFactor);
  return config;
}
