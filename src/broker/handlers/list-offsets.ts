import { ErrorCode } from '../protocol/errors.js';
import { leaderEpochError, localLeader } from './local-leader.js';
import { defineHandler } from './types.js';

const LATEST = -1;
const READ_COMMITTED = 1;
const EARLIEST = -2;

interface ListOffsetsPartition {
  partitionIndex: number;
  currentLeaderEpoch: number;
  timestamp: number;
}

/**
 * ListOffsets v1-5: the log start offset for EARLIEST (-2), the high watermark for LATEST (-1; the last stable
 * offset under read_committed, where no transaction is open), else the first offset whose timestamp is at or after
 * the given one (-1 when there is none). v4+ (KIP-320): a client's currentLeaderEpoch is checked (FENCED_LEADER_EPOCH
 * / UNKNOWN_LEADER_EPOCH), and the answer carries the leader epoch of the offset found: the current epoch for LATEST,
 * as Kafka's Partition.fetchOffsetForTimestamp does, the epoch the offset was written in otherwise.
 */
export const listOffsets = defineHandler({
  apiKey: 2,
  name: 'ListOffsets',
  minVersion: 1,
  maxVersion: 5,
  handle(request, { broker, cluster }) {
    return {
      throttleTimeMs: 0,
      topics: request.topics.map((topic: { name: string; partitions: ListOffsetsPartition[] }) => ({
        name: topic.name,
        partitions: topic.partitions.map(({ partitionIndex, currentLeaderEpoch, timestamp }) => {
          const answer = (errorCode: number, offset = -1, ts = -1, leaderEpoch = -1) => ({ partitionIndex, errorCode, timestamp: ts, offset, leaderEpoch });
          const replica = localLeader(cluster, broker, topic.name, partitionIndex);
          if (typeof replica === 'number') return answer(replica);
          const fenced = leaderEpochError(currentLeaderEpoch ?? -1, replica);
          if (fenced !== ErrorCode.NONE) return answer(fenced);
          const visible = request.isolationLevel === READ_COMMITTED ? replica.lastStableOffset : replica.highWatermark;
          if (timestamp === LATEST) return answer(ErrorCode.NONE, visible, -1, replica.state.leaderEpoch);
          if (timestamp === EARLIEST) return answer(ErrorCode.NONE, replica.logStartOffset, -1, replica.log.epochForOffset(replica.logStartOffset));
          const found = replica.log.offsetForTimestamp(timestamp, visible);
          if (found.offset < 0 || found.offset >= visible) return answer(ErrorCode.NONE);
          return answer(ErrorCode.NONE, found.offset, found.timestamp, replica.log.epochForOffset(found.offset));
        }),
      })),
    };
  },
});
