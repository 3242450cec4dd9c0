export { EmbeddedCluster, type EmbeddedClusterOptions, type EmbeddedBrokerState } from './embedded-cluster.js';
export { DEFAULT_CONFIG, type BrokerConfig } from './config.js';
