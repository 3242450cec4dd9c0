import { coordinates } from '../group/index.js';
import { ErrorCode } from '../protocol/errors.js';
import { defineHandler } from './types.js';

/**
 * OffsetFetch v1-5 (kafkajs has no v0; v5 adds the committed leader epoch): committed offsets, -1 with empty metadata where there is none; null topics
 * (v2+) = every partition the group committed. Before v2 there is no top-level error code, so NOT_COORDINATOR goes
 * on each partition.
 */
export const offsetFetch = defineHandler({
  apiKey: 9,
  name: 'OffsetFetch',
  minVersion: 1,
  maxVersion: 5,
  handle(request, { broker, cluster }) {
    if (!coordinates(cluster, broker.id, request.groupId)) {
      const topics = (request.topics ?? []).map((t: { name: string; partitionIndexes: number[] }) => ({
        name: t.name,
        partitions: t.partitionIndexes.map((partitionIndex) => ({
          partitionIndex,
          committedOffset: -1,
          committedLeaderEpoch: -1,
          metadata: '',
          errorCode: ErrorCode.NOT_COORDINATOR,
        })),
      }));
      return { throttleTimeMs: 0, errorCode: ErrorCode.NOT_COORDINATOR, topics };
    }
    return cluster.groups.offsetFetch({ groupId: request.groupId, topics: request.topics ?? null });
  },
});
