import { ErrorCode } from '../protocol/errors.js';
import { localLeader } from './local-leader.js';
import { defineHandler } from './types.js';

/** DeleteRecords v0-1: moves the log start offset forward (-1 means up to the high watermark) on every replica. */
export const deleteRecords = defineHandler({
  apiKey: 21,
  name: 'DeleteRecords',
  minVersion: 0,
  maxVersion: 1,
  handle(request, { broker, cluster }) {
    return {
      throttleTimeMs: 0,
      topics: request.topics.map((topic: { name: string; partitions: Array<{ partitionIndex: number; offset: number }> }) => ({
        name: topic.name,
        partitions: topic.partitions.map(({ partitionIndex, offset }) => {
          const answer = (errorCode: number, lowWatermark = -1) => ({ partitionIndex, lowWatermark, errorCode });
          const leader = localLeader(cluster, broker, topic.name, partitionIndex);
          if (typeof leader === 'number') return answer(leader);
          const target = offset === -1 ? leader.highWatermark : offset;
          if (target < 0 || target > leader.highWatermark) return answer(ErrorCode.OFFSET_OUT_OF_RANGE);
          for (const id of leader.state.replicas) {
            const replica = cluster.runningBroker(id)?.replicas.get(topic.name, partitionIndex);
            if (replica && target > replica.logStartOffset && target <= replica.logEndOffset) replica.log.deleteRecordsBefore(target);
          }
          return answer(ErrorCode.NONE, leader.logStartOffset);
        }),
      })),
    };
  },
});
