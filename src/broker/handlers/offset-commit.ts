import { coordinates } from '../group/index.js';
import type { OffsetCommitRequest } from '../group/index.js';
import { ErrorCode } from '../protocol/errors.js';
import { defineHandler } from './types.js';

/**
 * OffsetCommit v2-7 (v6+ store the committed leader epoch, KIP-320; v7 names a static member): validated like Kafka's ClassicGroup.validateOffsetCommit (current generation, also while
 * PreparingRebalance; generation -1 into an Empty or unknown group for admin resets and simple consumers).
 * Partitions of unknown topics get UNKNOWN_TOPIC_OR_PARTITION; the rest are stored durably before the reply, once
 * __consumer_offsets would commit the write (see ClusterContext.awaitOffsetsWritable): a valid commit may wait, and
 * get COORDINATOR_NOT_AVAILABLE, while an in-sync replica of that partition is dead and not yet out of the ISR.
 */
export const offsetCommit = defineHandler({
  apiKey: 8,
  name: 'OffsetCommit',
  minVersion: 2,
  maxVersion: 7,
  async handle(request, { broker, cluster, version }) {
    type Topic = OffsetCommitRequest['topics'][number];
    const topics: Topic[] = request.topics;
    const every = (errorCode: number) => ({
      throttleTimeMs: 0,
      topics: topics.map((t) => ({ name: t.name, partitions: t.partitions.map((p) => ({ partitionIndex: p.partitionIndex, errorCode })) })),
    });
    if (!coordinates(cluster, broker.id, request.groupId)) return every(ErrorCode.NOT_COORDINATOR);

    const known: Topic[] = [];
    const unknown = new Map<string, Set<number>>();
    for (const t of topics) {
      const partitions = t.partitions.filter((p) => cluster.metadata.partition(t.name, p.partitionIndex) !== undefined);
      if (partitions.length > 0) known.push({ ...t, partitions });
      for (const p of t.partitions) {
        if (!partitions.includes(p)) {
          if (!unknown.has(t.name)) unknown.set(t.name, new Set());
          unknown.get(t.name)!.add(p.partitionIndex);
        }
      }
    }
    const commit = {
      groupId: request.groupId,
      generationId: request.generationIdOrMemberEpoch ?? -1,
      memberId: request.memberId ?? '',
      groupInstanceId: request.groupInstanceId ?? null,
      topics: known,
    };
    if (known.length > 0 && cluster.groups.offsetCommitError(commit, version) === ErrorCode.NONE) {
      const written = await cluster.awaitOffsetsWritable(request.groupId);
      if (written !== ErrorCode.NONE) return every(written);
    }
    const result = cluster.groups.offsetCommit(commit, version);
    const errors = new Map<string, number>();
    for (const t of result.topics) for (const p of t.partitions) errors.set(`${t.name}\u0000${p.partitionIndex}`, p.errorCode);
    return {
      throttleTimeMs: 0,
      topics: topics.map((t) => ({
        name: t.name,
        partitions: t.partitions.map((p) => ({
          partitionIndex: p.partitionIndex,
          errorCode: unknown.get(t.name)?.has(p.partitionIndex)
            ? ErrorCode.UNKNOWN_TOPIC_OR_PARTITION
            : (errors.get(`${t.name}\u0000${p.partitionIndex}`) ?? ErrorCode.NONE),
        })),
      })),
    };
  },
});
