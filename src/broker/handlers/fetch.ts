import type { Broker } from '../broker.js';
import type { ClusterContext } from '../cluster/context.js';
import type { Replica } from '../cluster/replica.js';
import { ErrorCode } from '../protocol/errors.js';
import { leaderEpochError, localLeader } from './local-leader.js';
import { defineHandler } from './types.js';

const READ_COMMITTED = 1;
const EMPTY = Buffer.alloc(0);

interface FetchPartition {
  partition: number;
  currentLeaderEpoch: number;
  fetchOffset: number;
  partitionMaxBytes: number;
}

/**
 * Fetch v4-11 (no fetch sessions: session id 0, full fetches). Each partition returns whole stored batches starting
 * with the one that holds the fetch offset, up to the high watermark; under read_committed up to the last stable
 * offset, with the aborted transactions of the range so the consumer can drop their records. At least one batch comes back even past the byte limits (KIP-74).
 * When fewer than minBytes are ready the request waits up to maxWaitMs for appends (a long poll), except that, as
 * Kafka's ReplicaManager.fetchMessages and DelayedFetch do, it answers at once when maxWaitMs <= 0 or when any
 * partition has an error (not the leader, unknown, fenced epoch, offset out of range); minBytes 0 is met at once.
 */
export const fetch = defineHandler({
  apiKey: 1,
  name: 'Fetch',
  minVersion: 4,
  maxVersion: 11,
  async handle(request, { broker, cluster }) {
    const deadline = Date.now() + Math.max(0, request.maxWaitMs);
    for (;;) {
      const { responses, bytes, replicas, errors } = readAll(request, broker, cluster);
      const remaining = deadline - Date.now();
      if (bytes >= request.minBytes || errors > 0 || remaining <= 0 || replicas.length === 0 || !broker.running) {
        return { throttleTimeMs: 0, errorCode: ErrorCode.NONE, sessionId: 0, responses };
      }
      const waits = replicas.map((r) => r.changed(remaining));
      await Promise.race(waits.map((w) => w.promise));
      for (const w of waits) w.cancel();
    }
  },
  errorResponse(request, errorCode) {
    const partition = (p: FetchPartition) => ({ ...emptyPartition(p.partition, request.isolationLevel), errorCode });
    return {
      throttleTimeMs: 0,
      errorCode,
      sessionId: 0,
      responses: request.topics.map((t: { topic: string; partitions: FetchPartition[] }) => ({ topic: t.topic, partitions: t.partitions.map(partition) })),
    };
  },
});

const emptyPartition = (partitionIndex: number, isolationLevel: number) => ({
  partitionIndex,
  errorCode: ErrorCode.NONE,
  highWatermark: -1,
  lastStableOffset: -1,
  logStartOffset: -1,
  abortedTransactions: isolationLevel === READ_COMMITTED ? [] : null,
  preferredReadReplica: -1,
  records: EMPTY,
});

function readAll(request: any, broker: Broker, cluster: ClusterContext) {
  let budget: number = request.maxBytes ?? 0x7fffffff;
  let bytes = 0;
  let errors = 0;
  const replicas: Replica[] = [];
  const responses = request.topics.map((topic: { topic: string; partitions: FetchPartition[] }) => ({
    topic: topic.topic,
    partitions: topic.partitions.map((p) => {
      const answer = readPartition(cluster, broker, topic.topic, p, request.isolationLevel, budget, bytes === 0);
      if (answer.replica) replicas.push(answer.replica);
      if (answer.data.errorCode !== ErrorCode.NONE) errors++;
      bytes += answer.data.records.length;
      budget -= answer.data.records.length;
      return answer.data;
    }),
  }));
  return { responses, bytes, replicas, errors };
}

function readPartition(
  cluster: ClusterContext,
  broker: Broker,
  topic: string,
  p: FetchPartition,
  isolationLevel: number,
  budget: number,
  nothingReturnedYet: boolean,
) {
  const committedOnly = isolationLevel === READ_COMMITTED;
  const data = (errorCode: number, replica?: Replica, records: Buffer = EMPTY, lastStableOffset = -1) => ({
    partitionIndex: p.partition,
    errorCode,
    highWatermark: replica?.highWatermark ?? -1,
    lastStableOffset,
    logStartOffset: replica?.logStartOffset ?? -1,
    abortedTransactions: committedOnly ? (replica && records.length > 0 ? replica.log.abortedTransactions(p.fetchOffset, lastStableOffset) : []) : null,
    preferredReadReplica: -1,
    records,
  });
  const replica = localLeader(cluster, broker, topic, p.partition);
  if (typeof replica === 'number') return { data: data(replica) };
  // A partition error comes without the log's offsets (-1), as Kafka's ReplicaManager answers a failed read.
  const fenced = leaderEpochError(p.currentLeaderEpoch, replica);
  if (fenced !== ErrorCode.NONE) return { data: data(fenced) };
  if (p.fetchOffset < replica.logStartOffset || p.fetchOffset > replica.logEndOffset) {
    return { data: data(ErrorCode.OFFSET_OUT_OF_RANGE) };
  }
  // Past the byte budget, a partition only gets data when nothing was returned yet (the KIP-74 first-batch rule).
  const maxBytes = Math.min(p.partitionMaxBytes, budget);
  const lso = replica.lastStableOffset;
  if (maxBytes <= 0 && !nothingReturnedYet) return { data: data(ErrorCode.NONE, replica, EMPTY, lso), replica };
  // read_committed reads up to the last stable offset: no transaction that is still open (Kafka's FetchIsolation.TXN_COMMITTED)
  const { records } = replica.log.read(p.fetchOffset, Math.max(maxBytes, 1), committedOnly ? lso : replica.highWatermark);
  return { data: data(ErrorCode.NONE, replica, records, lso), replica };
}
