import { ErrorCode } from '../protocol/errors.js';
import { localLeader } from './local-leader.js';
import { defineHandler } from './types.js';

const LATEST = -1;
const EARLIEST = -2;

/**
 * ListOffsets v1-3: the log start offset for EARLIEST (-2), the high watermark for LATEST (-1; also the last stable
 * offset under read_committed, as there are no transactions), else the first offset whose timestamp is at or after
 * the given one (-1 when there is none).
 */
export const listOffsets = defineHandler({
  apiKey: 2,
  name: 'ListOffsets',
  minVersion: 1,
  maxVersion: 3,
  handle(request, { broker, cluster }) {
    return {
      throttleTimeMs: 0,
      topics: request.topics.map((topic: { name: string; partitions: Array<{ partitionIndex: number; timestamp: number }> }) => ({
        name: topic.name,
        partitions: topic.partitions.map(({ partitionIndex, timestamp }) => {
          const answer = (errorCode: number, offset = -1, ts = -1) => ({ partitionIndex, errorCode, timestamp: ts, offset });
          const replica = localLeader(cluster, broker, topic.name, partitionIndex);
          if (typeof replica === 'number') return answer(replica);
          if (timestamp === LATEST) return answer(ErrorCode.NONE, replica.highWatermark);
          if (timestamp === EARLIEST) return answer(ErrorCode.NONE, replica.logStartOffset);
          const found = replica.log.offsetForTimestamp(timestamp, replica.highWatermark);
          if (found.offset < 0 || found.offset >= replica.highWatermark) return answer(ErrorCode.NONE);
          return answer(ErrorCode.NONE, found.offset, found.timestamp);
        }),
      })),
    };
  },
});
