import { ErrorCode } from '../protocol/errors.js';
import type { ClusterContext } from '../cluster/context.js';
import type { BrokerRegistration } from '../cluster/controller.js';
import type { TopicState } from '../cluster/metadata.js';
import { invalidTopicName } from '../cluster/topic-configs.js';
import { defineHandler } from './types.js';

/**
 * Metadata v0-6: live brokers, a controller id, and for each topic its partitions with leader, replicas, ISR and
 * offline replicas. Every broker answers from the same controller state, so they always agree.
 * Null topics (v1+) or an empty list (v0) mean all topics. Unknown topics are created only when both the request
 * (v4+ allowAutoTopicCreation) and the broker (autoCreateTopics) allow it, and only with an active controller
 * (without one the topic is LEADER_NOT_AVAILABLE, as while Kafka's creation request waits for the controller).
 *
 * "Live" is what the controller last committed: a killed broker stays listed (and leads, and stays in every ISR)
 * until it is fenced, and without a quorum it is never fenced. controllerId is not the active controller: as KRaft's
 * brokers do (clients cannot reach the controller, KIP-590), it is a live broker picked at random for every answer.
 */
export const metadata = defineHandler({
  apiKey: 3,
  name: 'Metadata',
  minVersion: 0,
  maxVersion: 7,
  handle(request, { cluster, version, listenerName }) {
    const requested: string[] | null =
      request.topics === null || (version === 0 && request.topics.length === 0)
        ? null
        : request.topics.map((t: { name: string }) => t.name);
    const topics: Array<ReturnType<typeof describeTopic> | { errorCode: number; name: string; isInternal: boolean; partitions: [] }> =
      requested === null ? [...cluster.metadata.topics.values()].map((t) => describeTopic(cluster, t)) : [];
    for (const name of requested ?? []) {
      let topic = cluster.metadata.topics.get(name);
      const mayCreate = !topic && cluster.config.autoCreateTopics && request.allowAutoTopicCreation !== false && !invalidTopicName(name);
      if (mayCreate && cluster.controller.active) topic = autoCreate(cluster, name);
      if (topic) topics.push(describeTopic(cluster, topic));
      else if (mayCreate) topics.push({ errorCode: ErrorCode.LEADER_NOT_AVAILABLE, name, isInternal: false, partitions: [] });
      else {
        const errorCode = invalidTopicName(name) ? ErrorCode.INVALID_TOPIC_EXCEPTION : ErrorCode.UNKNOWN_TOPIC_OR_PARTITION;
        topics.push({ errorCode, name, isInternal: false, partitions: [] });
      }
    }
    const brokers = liveBrokers(cluster).map((b) => ({ nodeId: b.id, ...cluster.controller.endpointFor(b.id, listenerName)!, rack: null }));
    return {
      throttleTimeMs: 0,
      brokers,
      clusterId: cluster.metadata.clusterId,
      controllerId: randomLiveBroker(cluster),
      topics,
    };
  },
});

/** Registered, unfenced brokers, by id: what Metadata and DescribeCluster list. */
export function liveBrokers(cluster: ClusterContext): BrokerRegistration[] {
  return [...cluster.controller.registrations.values()].filter((b) => !b.fenced).sort((a, b) => a.id - b.id);
}

/** Kafka's KRaft brokers report a random live (unfenced) broker as the controller, -1 when there is none. */
export function randomLiveBroker(cluster: ClusterContext): number {
  const live = liveBrokers(cluster);
  return live.length === 0 ? -1 : live[Math.floor(Math.random() * live.length)]!.id;
}

function autoCreate(cluster: ClusterContext, name: string): TopicState | undefined {
  try {
    const { replicas, configs } = cluster.controller.validateNewTopic(name, -1, -1, [], []);
    cluster.log(`auto-created topic ${name}`);
    return cluster.controller.createTopic(name, replicas, configs);
  } catch {
    return undefined;
  }
}

export function describeTopic(cluster: ClusterContext, topic: TopicState) {
  return {
    errorCode: ErrorCode.NONE,
    name: topic.name,
    isInternal: topic.internal,
    partitions: topic.partitions.map((p) => ({
      errorCode: p.leader === -1 ? ErrorCode.LEADER_NOT_AVAILABLE : ErrorCode.NONE,
      partitionIndex: p.partition,
      leaderId: p.leader,
      leaderEpoch: p.leaderEpoch,
      replicaNodes: p.replicas,
      isrNodes: p.inSyncReplicas,
      offlineReplicas: p.replicas.filter((r) => !cluster.controller.isLive(r)),
    })),
  };
}
