import { ErrorCode } from '../protocol/errors.js';
import { defineHandler } from './types.js';

/** OffsetForLeaderEpoch v0-2: where the leader's history of a given epoch ends, for truncating diverged replicas. */
export const offsetForLeaderEpoch = defineHandler({
  apiKey: 23,
  name: 'OffsetForLeaderEpoch',
  minVersion: 0,
  maxVersion: 2,
  handle(request, { broker, cluster }) {
    return {
      throttleTimeMs: 0,
      topics: request.topics.map((topic: { topic: string; partitions: Array<{ partition: number; currentLeaderEpoch: number; leaderEpoch: number }> }) => ({
        topic: topic.topic,
        partitions: topic.partitions.map((p) => {
          const answer = (errorCode: number, leaderEpoch = -1, endOffset = -1) => ({ errorCode, partition: p.partition, leaderEpoch, endOffset });
          const state = cluster.metadata.partition(topic.topic, p.partition);
          if (!state) return answer(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION);
          const replica = broker.replicas.get(topic.topic, p.partition);
          if (!replica?.isLeader) return answer(ErrorCode.NOT_LEADER_OR_FOLLOWER);
          if (p.currentLeaderEpoch >= 0 && p.currentLeaderEpoch !== state.leaderEpoch) {
            return answer(p.currentLeaderEpoch < state.leaderEpoch ? ErrorCode.FENCED_LEADER_EPOCH : ErrorCode.UNKNOWN_LEADER_EPOCH);
          }
          const { epoch, endOffset } = replica.log.endOffsetForEpoch(p.leaderEpoch);
          return answer(ErrorCode.NONE, epoch, endOffset);
        }),
      })),
    };
  },
});
