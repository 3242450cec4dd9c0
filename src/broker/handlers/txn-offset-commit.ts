import { coordinates } from '../group/index.js';
import { ErrorCode } from '../protocol/errors.js';
import { fencedFor } from './txn-errors.js';
import { defineHandler } from './types.js';

/**
 * TxnOffsetCommit v0-3, at the group coordinator: offsets staged in the producer's transaction, committed with it
 * (dropped if it aborts). v3 names the consumer's generation and member, checked as an OffsetCommit's are; older
 * versions carry none and are not checked against the group.
 */
export const txnOffsetCommit = defineHandler({
  apiKey: 28,
  name: 'TxnOffsetCommit',
  minVersion: 0,
  maxVersion: 3,
  handle(request, { broker, cluster, version }) {
    type Topic = (typeof request.topics)[number];
    const topics: Topic[] = request.topics;
    const answer = (code: (topic: string, partition: number) => number) => ({
      throttleTimeMs: 0,
      topics: topics.map((t) => ({ name: t.name, partitions: t.partitions.map((p) => ({ partitionIndex: p.partitionIndex, errorCode: code(t.name, p.partitionIndex) })) })),
    });
    if (!coordinates(cluster, broker.id, request.groupId)) return answer(() => ErrorCode.NOT_COORDINATOR);
    const generationId = request.generationIdOrMemberEpoch ?? -1;
    const memberId = request.memberId ?? '';
    if (generationId >= 0 || memberId !== '') {
      const invalid = cluster.groups.offsetCommitError(
        { groupId: request.groupId, generationId, memberId, groupInstanceId: request.groupInstanceId ?? null, topics: [] },
        7,
      );
      if (invalid !== ErrorCode.NONE) return answer(() => invalid);
    }
    const exists = (topic: string, partition: number) => cluster.metadata.partition(topic, partition) !== undefined;
    const now = Date.now();
    const offsets = topics.flatMap((t) =>
      t.partitions
        .filter((p) => exists(t.name, p.partitionIndex))
        .map((p) => ({
          topic: t.name,
          partition: p.partitionIndex,
          committed: { offset: p.committedOffset, leaderEpoch: p.committedLeaderEpoch ?? -1, metadata: p.committedMetadata ?? '', commitTimestamp: now },
        })),
    );
    const error = cluster.transactions.stageOffsets(request.transactionalId, request.producerId, request.producerEpoch, request.groupId, offsets);
    return answer((t, p) => (exists(t, p) ? fencedFor(error, version, 3) : ErrorCode.UNKNOWN_TOPIC_OR_PARTITION));
  },
});
