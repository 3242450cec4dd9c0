import type { Broker } from '../broker.js';
import type { ClusterContext } from '../cluster/context.js';
import type { Replica } from '../cluster/replica.js';
import { ErrorCode } from '../protocol/errors.js';

/**
 * The replica a partition request needs: this broker's, and only while it leads. Otherwise the Kafka error code a
 * client acts on: UNKNOWN_TOPIC_OR_PARTITION, or NOT_LEADER_OR_FOLLOWER (refresh metadata, go to the new leader).
 */
export function localLeader(cluster: ClusterContext, broker: Broker, topic: string, partition: number): Replica | number {
  if (!cluster.metadata.partition(topic, partition)) return ErrorCode.UNKNOWN_TOPIC_OR_PARTITION;
  const replica = broker.replicas.get(topic, partition);
  return replica?.isLeader ? replica : ErrorCode.NOT_LEADER_OR_FOLLOWER;
}

/** KIP-320: a client that names a leader epoch other than the current one is behind (fenced) or ahead (unknown). */
export function leaderEpochError(currentLeaderEpoch: number, replica: Replica): number {
  if (currentLeaderEpoch < 0 || currentLeaderEpoch === replica.state.leaderEpoch) return ErrorCode.NONE;
  return currentLeaderEpoch < replica.state.leaderEpoch ? ErrorCode.FENCED_LEADER_EPOCH : ErrorCode.UNKNOWN_LEADER_EPOCH;
}
