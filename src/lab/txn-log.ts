/**
 * What transactions leave in a partition's log, read as the broker stores it (lab 10): every batch with its producer
 * id and epoch, transactional data or a COMMIT / ABORT marker, and the two offsets that matter, the high watermark and
 * the last stable offset (LSO). And which broker coordinates a transactional id or a group.
 *
 *   Fetch (1) v11, read_uncommitted, no wait, to the partition's leader: batches up to the high watermark; the answer
 *                  also carries the LSO (what a read_committed fetch may return up to)
 */
import { requestOnce } from '../cluster/kafka-requests.js';
import { ErrorCode, errorName } from '../broker/protocol/errors.js';
import {
  ControlType,
  baseOffset,
  controlTypeOf,
  decodeRecords,
  isControl,
  isTransactional,
  lastOffset,
  producerEpoch,
  producerId,
  recordCount,
  splitBatches,
} from '../broker/protocol/record-batch.js';

export interface LogBatch {
  first: number;
  last: number;
  records: number;
  producerId: number;
  producerEpoch: number;
  transactional: boolean;
  /** a control batch: the transaction marker it carries */
  marker: 'COMMIT' | 'ABORT' | null;
}

export interface PartitionLog {
  highWatermark: number;
  lastStableOffset: number;
  /** the batches from the offset asked for to the high watermark */
  batches: LogBatch[];
}

/** The batches of one partition from `from` to the high watermark, with the high watermark and the LSO. */
export async function readLog(leader: string, topic: string, partition: number, from = 0): Promise<PartitionLog> {
  const batches: LogBatch[] = [];
  let offset = from;
  for (;;) {
    const response = await requestOnce(leader, 1, 11, {
      maxWaitMs: 0,
      minBytes: 0,
      maxBytes: 1 << 20,
      isolationLevel: 0,
      topics: [{ topic, partitions: [{ partition, fetchOffset: offset, partitionMaxBytes: 1 << 20 }] }],
    });
    const p = response.responses?.[0]?.partitions?.[0];
    if (!p) throw new Error(`${leader} answered no partition`);
    if (p.errorCode !== ErrorCode.NONE) throw new Error(`fetch of ${topic}-${partition} at ${offset}: ${errorName(p.errorCode)}`);
    const highWatermark = Number(p.highWatermark);
    const found = splitBatches(p.records);
    for (const b of found) {
      if (lastOffset(b) < offset) continue;
      const marker = isControl(b) ? (controlTypeOf(decodeRecords(b)[0]?.key ?? null) === ControlType.COMMIT ? 'COMMIT' : 'ABORT') : null;
      batches.push({
        first: baseOffset(b),
        last: lastOffset(b),
        records: recordCount(b),
        producerId: producerId(b),
        producerEpoch: producerEpoch(b),
        transactional: isTransactional(b),
        marker,
      });
      offset = lastOffset(b) + 1;
    }
    if (found.length === 0 || offset >= highWatermark) return { highWatermark, lastStableOffset: Number(p.lastStableOffset), batches };
  }
}

/** "5-7 data e0", "8 ABORT e1": one batch as a lab shows it (e = producer epoch). */
export function describeBatch(b: LogBatch): string {
  const at = b.first === b.last ? `${b.first}` : `${b.first}-${b.last}`;
  return `${at} ${b.marker ?? (b.transactional ? 'data' : 'plain')} e${b.producerEpoch}`;
}
