import type { ClusterContext } from '../cluster/context.js';
import { TOPIC_CONFIGS, topicConfigValue } from '../cluster/topic-configs.js';
import { ErrorCode } from '../protocol/errors.js';
import { defineHandler } from './types.js';

export const RESOURCE_TOPIC = 2;
export const RESOURCE_BROKER = 4;

/** Kafka's ConfigSource values. */
const SOURCE = { DYNAMIC_TOPIC_CONFIG: 1, STATIC_BROKER_CONFIG: 4, DEFAULT_CONFIG: 5 } as const;

interface Entry {
  name: string;
  value: string | null;
  source: number;
  readOnly: boolean;
}

/** DescribeConfigs v0-2 for topics (every known config, overrides marked) and brokers (their static settings). */
export const describeConfigs = defineHandler({
  apiKey: 32,
  name: 'DescribeConfigs',
  minVersion: 0,
  maxVersion: 2,
  handle(request, { cluster, version }) {
    const results = request.resources.map((resource: { resourceType: number; resourceName: string; configurationKeys: string[] | null }) => {
      const base = { resourceType: resource.resourceType, resourceName: resource.resourceName };
      const entries = configEntries(cluster, resource.resourceType, resource.resourceName);
      if (typeof entries === 'number') return { ...base, errorCode: entries, errorMessage: errorText(entries, resource.resourceName), configs: [] };
      const wanted = resource.configurationKeys;
      return {
        ...base,
        errorCode: ErrorCode.NONE,
        errorMessage: null,
        configs: entries
          .filter((e) => !wanted || wanted.includes(e.name))
          .map((e) => ({
            name: e.name,
            value: e.value,
            readOnly: e.readOnly,
            isDefault: e.source === SOURCE.DEFAULT_CONFIG,
            configSource: e.source,
            isSensitive: false,
            synonyms: version >= 1 && request.includeSynonyms ? [{ name: e.name, value: e.value, source: e.source }] : [],
          })),
      };
    });
    return { throttleTimeMs: 0, results };
  },
});

function errorText(code: number, name: string): string {
  return code === ErrorCode.UNKNOWN_TOPIC_OR_PARTITION ? `Topic '${name}' does not exist.` : `Unsupported resource ${name}.`;
}

export function configEntries(cluster: ClusterContext, type: number, name: string): Entry[] | number {
  if (type === RESOURCE_TOPIC) {
    const topic = cluster.metadata.topics.get(name);
    if (!topic) return ErrorCode.UNKNOWN_TOPIC_OR_PARTITION;
    return Object.keys(TOPIC_CONFIGS)
      .sort()
      .map((key) => ({
        name: key,
        value: topicConfigValue(topic.configs, key, cluster.config),
        source: key in topic.configs ? SOURCE.DYNAMIC_TOPIC_CONFIG : SOURCE.DEFAULT_CONFIG,
        readOnly: false,
      }));
  }
  if (type === RESOURCE_BROKER) {
    const id = Number(name);
    if (name !== '' && !cluster.brokers.has(id)) return ErrorCode.INVALID_REQUEST;
    const c = cluster.config;
    const settings: Record<string, string | number | boolean> = {
      'broker.id': name === '' ? -1 : id,
      'node.id': name === '' ? -1 : id,
      'process.roles': 'broker,controller',
      'auto.create.topics.enable': c.autoCreateTopics,
      'num.partitions': c.numPartitions,
      'default.replication.factor': c.defaultReplicationFactor,
      'min.insync.replicas': c.minInsyncReplicas,
      'unclean.leader.election.enable': c.uncleanLeaderElection,
      'offsets.topic.num.partitions': c.offsetsTopicPartitions,
      'offsets.topic.replication.factor': c.offsetsTopicReplicationFactor,
      'group.initial.rebalance.delay.ms': c.groupInitialRebalanceDelayMs,
      'broker.session.timeout.ms': c.brokerSessionTimeoutMs,
      'replica.lag.time.max.ms': c.replicaLagTimeMaxMs,
      'auto.leader.rebalance.enable': c.autoLeaderRebalance,
      'leader.imbalance.check.interval.seconds': Math.round(c.leaderImbalanceCheckIntervalMs / 1000),
      'socket.request.max.bytes': c.maxRequestBytes,
      'message.max.bytes': c.messageMaxBytes,
      'log.segment.bytes': c.segmentBytes,
      'log.cleaner.backoff.ms': c.logCleanerBackoffMs,
      'log.retention.ms': c.retentionMs,
      'log.retention.bytes': c.retentionBytes,
    };
    return Object.entries(settings).map(([key, value]) => ({
      name: key,
      value: String(value),
      source: SOURCE.STATIC_BROKER_CONFIG,
      readOnly: true,
    }));
  }
  return ErrorCode.INVALID_REQUEST;
}
