import type { ClusterContext } from '../cluster/context.js';
import type { Replica } from '../cluster/replica.js';
import type { Broker } from '../broker.js';
import { ErrorCode } from '../protocol/errors.js';
import { isTransactional, validateProducedBatch } from '../protocol/record-batch.js';
import { topicConfigValue } from '../cluster/topic-configs.js';
import { localLeader } from './local-leader.js';
import { NO_RESPONSE, defineHandler } from './types.js';

interface PartitionResult {
  index: number;
  errorCode: number;
  baseOffset: number;
  logAppendTimeMs: number;
  logStartOffset: number;
}

/**
 * Produce v3-7: one record batch (v2) per partition, validated (sizes, CRC-32C), given offsets by the leader and
 * stored as received. Idempotent producers are checked against the producer state: a retried batch is not appended
 * again and gets its original offset back. acks=-1 answers once the ISR has the batch (the high watermark passed it),
 * acks=1 once the leader has it, acks=0 never.
 */
export const produce = defineHandler({
  apiKey: 0,
  name: 'Produce',
  minVersion: 3,
  maxVersion: 7,
  async handle(request, { broker, cluster }) {
    const acks: number = request.acks;
    const responses = await Promise.all(
      request.topicData.map(async (topic: { name: string; partitionData: Array<{ index: number; records: Buffer | null }> }) => ({
        name: topic.name,
        partitionResponses: await Promise.all(
          topic.partitionData.map((p) => producePartition(cluster, broker, topic.name, p.index, p.records, acks, request.timeoutMs)),
        ),
      })),
    );
    if (acks === 0) return NO_RESPONSE;
    return { responses, throttleTimeMs: 0 };
  },
});

async function producePartition(
  cluster: ClusterContext,
  broker: Broker,
  topic: string,
  index: number,
  records: Buffer | null,
  acks: number,
  timeoutMs: number,
): Promise<PartitionResult> {
  const result = (errorCode: number, baseOffset = -1, logStartOffset = -1, logAppendTimeMs = -1): PartitionResult => ({
    index,
    errorCode,
    baseOffset,
    logAppendTimeMs,
    logStartOffset,
  });
  if (acks !== 0 && acks !== 1 && acks !== -1) return result(ErrorCode.INVALID_REQUIRED_ACKS);
  const replica = localLeader(cluster, broker, topic, index);
  if (typeof replica === 'number') return result(replica);
  const state = replica.state;
  if (!records || records.length === 0) return result(ErrorCode.CORRUPT_MESSAGE);

  const maxMessageBytes = Number(topicConfigValue(cluster.metadata.topics.get(topic)!.configs, 'max.message.bytes', cluster.config));
  if (records.length > maxMessageBytes) return result(ErrorCode.MESSAGE_TOO_LARGE);
  const invalid = validateProducedBatch(records);
  if (invalid !== ErrorCode.NONE) return result(invalid);
  // Transactions are not implemented (no transaction coordinator APIs are advertised).
  if (isTransactional(records)) return result(ErrorCode.INVALID_RECORD);

  const minIsr = cluster.minInsyncReplicas(topic);
  if (acks === -1 && state.inSyncReplicas.length < minIsr) return result(ErrorCode.NOT_ENOUGH_REPLICAS);

  const producer = replica.log.checkProducer(records);
  if (producer.kind === 'error') return result(producer.code);
  let baseOffset: number;
  let lastOffset: number;
  let logAppendTime = -1; // -1 under CreateTime; the broker's clock under LogAppendTime
  if (producer.kind === 'duplicate') {
    ({ baseOffset, lastOffset } = producer);
  } else {
    ({ baseOffset, lastOffset, logAppendTime } = replica.log.appendAsLeader(records, state.leaderEpoch));
    replica.wake();
    cluster.replication.advanceHighWatermark(replica);
    cluster.replication.schedule(replica);
  }
  if (acks === -1) {
    const errorCode = await awaitInSyncReplicas(cluster, broker, replica, lastOffset + 1, timeoutMs);
    if (errorCode !== ErrorCode.NONE) return result(errorCode);
  }
  return result(ErrorCode.NONE, baseOffset, replica.logStartOffset, logAppendTime);
}

/** Waits until every in-sync replica has the batch (Kafka's DelayedProduce). */
async function awaitInSyncReplicas(
  cluster: ClusterContext,
  broker: Broker,
  replica: Replica,
  requiredOffset: number,
  timeoutMs: number,
): Promise<number> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (!broker.running || !replica.isLeader) return ErrorCode.NOT_LEADER_OR_FOLLOWER;
    if (replica.highWatermark >= requiredOffset) {
      const enough = replica.state.inSyncReplicas.length >= cluster.minInsyncReplicas(replica.topic);
      return enough ? ErrorCode.NONE : ErrorCode.NOT_ENOUGH_REPLICAS_AFTER_APPEND;
    }
    const remaining = deadline - Date.now();
    if (remaining <= 0) return ErrorCode.REQUEST_TIMED_OUT;
    await replica.changed(remaining).promise;
  }
}
