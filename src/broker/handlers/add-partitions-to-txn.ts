import { ErrorCode } from '../protocol/errors.js';
import { fencedFor } from './txn-errors.js';
import { defineHandler } from './types.js';

/**
 * AddPartitionsToTxn v0-3 (the client form; v4+ batches transactions for brokers): adds partitions to the producer's
 * transaction, which opens it. As Kafka answers: partitions that do not exist get UNKNOWN_TOPIC_OR_PARTITION and the
 * others OPERATION_NOT_ATTEMPTED, with nothing added; otherwise every partition gets the coordinator's answer.
 */
export const addPartitionsToTxn = defineHandler({
  apiKey: 24,
  name: 'AddPartitionsToTxn',
  minVersion: 0,
  maxVersion: 3,
  handle(request, { broker, cluster, version }) {
    const topics: Array<{ name: string; partitions: number[] }> = request.v3AndBelowTopics;
    const exists = (topic: string, partition: number) => cluster.metadata.partition(topic, partition) !== undefined;
    const missing = topics.some((t) => t.partitions.some((p) => !exists(t.name, p)));
    const answer = (code: (topic: string, partition: number) => number) => ({
      throttleTimeMs: 0,
      resultsByTopicV3AndBelow: topics.map((t) => ({
        name: t.name,
        resultsByPartition: t.partitions.map((p) => ({ partitionIndex: p, partitionErrorCode: code(t.name, p) })),
      })),
    });
    if (missing) return answer((t, p) => (exists(t, p) ? ErrorCode.OPERATION_NOT_ATTEMPTED : ErrorCode.UNKNOWN_TOPIC_OR_PARTITION));
    const partitions = topics.flatMap((t) => t.partitions.map((partition) => ({ topic: t.name, partition })));
    const error = cluster.transactions.addPartitions(
      broker.id,
      request.v3AndBelowTransactionalId,
      request.v3AndBelowProducerId,
      request.v3AndBelowProducerEpoch,
      partitions,
    );
    return answer(() => fencedFor(error, version, 2));
  },
});
