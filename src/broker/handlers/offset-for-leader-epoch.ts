import { ErrorCode } from '../protocol/errors.js';
import { leaderEpochError, localLeader } from './local-leader.js';
import { defineHandler } from './types.js';

/**
 * OffsetForLeaderEpoch v0-3: where the leader's history of a given epoch ends. Followers use it to truncate; consumers
 * (v3, replicaId -1) to validate their position after a leader change (KIP-320): an end offset below the position
 * means the log was truncated under them.
 */
export const offsetForLeaderEpoch = defineHandler({
  apiKey: 23,
  name: 'OffsetForLeaderEpoch',
  minVersion: 0,
  maxVersion: 3,
  handle(request, { broker, cluster }) {
    return {
      throttleTimeMs: 0,
      topics: request.topics.map((topic: { topic: string; partitions: Array<{ partition: number; currentLeaderEpoch: number; leaderEpoch: number }> }) => ({
        topic: topic.topic,
        partitions: topic.partitions.map((p) => {
          const answer = (errorCode: number, leaderEpoch = -1, endOffset = -1) => ({ errorCode, partition: p.partition, leaderEpoch, endOffset });
          const replica = localLeader(cluster, broker, topic.topic, p.partition);
          if (typeof replica === 'number') return answer(replica);
          const fenced = leaderEpochError(p.currentLeaderEpoch, replica);
          if (fenced !== ErrorCode.NONE) return answer(fenced);
          const { epoch, endOffset } = replica.log.endOffsetForEpoch(p.leaderEpoch);
          return answer(ErrorCode.NONE, epoch, endOffset);
        }),
      })),
    };
  },
});
