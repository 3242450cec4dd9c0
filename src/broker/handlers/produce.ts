import type { ClusterContext } from '../cluster/context.js';
import type { Replica } from '../cluster/replica.js';
import type { Broker } from '../broker.js';
import { ErrorCode } from '../protocol/errors.js';
import * as recordBatch from '../protocol/record-batch.js';
import { isTransactional, validateProducedBatch } from '../protocol/record-batch.js';
import { topicConfigValue } from '../cluster/topic-configs.js';
import { validateProducedRecords } from '../log/log-validator.js';
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
 * again and gets its original offset back. A transactional batch must belong to its producer's open transaction. acks=-1 answers once the ISR has the batch (the high watermark passed it),
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
          topic.partitionData.map((p) =>
            producePartition(cluster, broker, topic.name, p.index, p.records, acks, request.timeoutMs, request.transactionalId ?? null),
          ),
        ),
      })),
    );
    if (acks === 0) return NO_RESPONSE;
    return { responses, throttleTimeMs: 0 };
  },
  errorResponse(request, errorCode) {
    return {
      throttleTimeMs: 0,
      responses: request.topicData.map((topic: { name: string; partitionData: Array<{ index: number }> }) => ({
        name: topic.name,
        partitionResponses: topic.partitionData.map((p) => ({ index: p.index, errorCode, baseOffset: -1, logAppendTimeMs: -1, logStartOffset: -1 })),
      })),
    };
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
  transactionalId: string | null,
): Promise<PartitionResult> {
  const result = (errorCode: number, baseOffset = -1, logStartOffset = -1, logAppendTimeMs = -1): PartitionResult => ({
    index,
    errorCode,
    baseOffset,
    logAppendTimeMs,
    logStartOffset,
  });
  if (acks !== 0 && acks !== 1 && acks !== -1) return result(ErrorCode.INVALID_REQUIRED_ACKS);
  // Clients never write to internal topics (__consumer_offsets): Kafka's ReplicaManager refuses before anything else.
  if (cluster.metadata.topics.get(topic)?.internal) return result(ErrorCode.INVALID_TOPIC_EXCEPTION);
  const replica = localLeader(cluster, broker, topic, index);
  if (typeof replica === 'number') return result(replica);
  const state = replica.state;
  if (!records || records.length === 0) return result(ErrorCode.CORRUPT_MESSAGE);

  const configs = cluster.metadata.topics.get(topic)!.configs;
  const setting = (name: string) => topicConfigValue(configs, name, cluster.config);
  if (records.length > Number(setting('max.message.bytes'))) return result(ErrorCode.MESSAGE_TOO_LARGE);
  const invalid = validateProducedBatch(records);
  if (invalid !== ErrorCode.NONE) return result(invalid);
  if (isTransactional(records)) {
    // Kafka 4.4.0 answers a transactional batch without a transactional id so (measured).
    if (transactionalId === null) return result(ErrorCode.TRANSACTIONAL_ID_AUTHORIZATION_FAILED);
    // Kafka 4.x verifies a producer's first batch on a partition with the coordinator (KIP-890): the partition must be
    // in the producer's open transaction, or a late write of a finished one would open a transaction nobody ends.
    const pid = recordBatch.producerId(records);
    if (replica.log.transactions.openTransaction(pid) === undefined) {
      const verified = cluster.transactions.verifyPartition(transactionalId, pid, recordBatch.producerEpoch(records), { topic, partition: index });
      if (verified !== ErrorCode.NONE) return result(verified);
    }
  }
  const invalidRecords = validateProducedRecords(records, {
    compacted: setting('cleanup.policy').split(',').includes('compact'),
    createTime: setting('message.timestamp.type') === 'CreateTime',
    timestampBeforeMaxMs: Number(setting('message.timestamp.before.max.ms')),
    timestampAfterMaxMs: Number(setting('message.timestamp.after.max.ms')),
    now: Date.now(),
  });
  if (invalidRecords !== ErrorCode.NONE) return result(invalidRecords);

  if (acks === -1 && cluster.isUnderMinIsr(state)) return result(ErrorCode.NOT_ENOUGH_REPLICAS);

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

/**
 * Waits until every in-sync replica has the batch (Kafka's DelayedProduce). The ISR shrinking below min ISR meanwhile
 * freezes the high watermark, so such a produce times out (REQUEST_TIMED_OUT), as on Kafka 4.x.
 */
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
      return cluster.isUnderMinIsr(replica.state) ? ErrorCode.NOT_ENOUGH_REPLICAS_AFTER_APPEND : ErrorCode.NONE;
    }
    const remaining = deadline - Date.now();
    if (remaining <= 0) return ErrorCode.REQUEST_TIMED_OUT;
    await replica.changed(remaining).promise;
  }
}
