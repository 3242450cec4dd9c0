import { ATTR_CONTROL, ATTR_TRANSACTIONAL, ControlType, controlTypeOf, decodeRecords, type BatchHeader } from '../protocol/record-batch.js';
import { readFully } from './segment.js';

/** A finished transaction as one partition saw it: its first data offset and the offset of its marker. */
export interface CompletedTxn {
  producerId: number;
  firstOffset: number;
  /** The marker's offset. */
  lastOffset: number;
  aborted: boolean;
}

/** What Fetch v4+ lists for read_committed consumers: a producer's aborted data starts at firstOffset. */
export interface AbortedTxn {
  producerId: number;
  firstOffset: number;
}

export const isTransactionalBatch = (h: BatchHeader) => (h.attributes & ATTR_TRANSACTIONAL) !== 0;
export const isControlBatch = (h: BatchHeader) => (h.attributes & ATTR_CONTROL) !== 0;

/** The marker type (ControlType.ABORT / COMMIT) of a control batch's bytes, -1 when it has no readable control key. */
export function controlTypeOfBatch(batch: Buffer): number {
  try {
    return controlTypeOf(decodeRecords(batch)[0]?.key ?? null);
  } catch {
    return -1;
  }
}

/** Reads a control batch at `pos` of a segment file for its marker type (markers are a few dozen bytes). */
export function controlTypeAt(fd: number, pos: number, size: number): number {
  const bytes = Buffer.allocUnsafe(size);
  return readFully(fd, bytes, size, pos) === size ? controlTypeOfBatch(bytes) : -1;
}

/**
 * The transactions of one partition log (Kafka's ongoing transactions in the ProducerStateManager plus the aborted
 * transaction index, .txnindex): a transaction begins at a producer's first transactional batch and ends at its
 * marker. The last stable offset is where the oldest transaction that is not yet decided (or whose marker the high
 * watermark has not passed) begins; read_committed consumers read up to it.
 */
export class TransactionIndex {
  /** producerId → offset of its open transaction's first batch */
  private readonly ongoing = new Map<number, number>();
  /** decided but the marker not yet below the high watermark: still unstable */
  private completing: CompletedTxn[] = [];
  /** every aborted transaction still in the log, by marker offset */
  private aborted: CompletedTxn[] = [];

  /** Tracks one appended batch (leader or follower, or a scan on open); `controlType` for control batches. */
  onBatch(h: BatchHeader, controlType: number): void {
    if (!isTransactionalBatch(h) || h.producerId < 0) return;
    if (!isControlBatch(h)) {
      if (!this.ongoing.has(h.producerId)) this.ongoing.set(h.producerId, h.baseOffset);
      return;
    }
    const firstOffset = this.ongoing.get(h.producerId);
    this.ongoing.delete(h.producerId);
    if (firstOffset === undefined) return; // a marker for a transaction that wrote nothing here
    const txn: CompletedTxn = { producerId: h.producerId, firstOffset, lastOffset: h.baseOffset, aborted: controlType === ControlType.ABORT };
    this.completing.push(txn);
    if (txn.aborted) this.aborted.push(txn);
  }

  /** Kafka's LSO: min(high watermark, the first offset of the oldest unstable transaction). */
  lastStableOffset(highWatermark: number): number {
    if (this.ongoing.size === 0 && this.completing.length === 0) return highWatermark; // every fetch asks: no transactions, no work
    if (this.completing.length > 0) this.completing = this.completing.filter((t) => t.lastOffset >= highWatermark);
    let lso = highWatermark;
    for (const first of this.ongoing.values()) lso = Math.min(lso, first);
    for (const t of this.completing) lso = Math.min(lso, t.firstOffset);
    return lso;
  }

  /** The aborted transactions a read_committed fetch of [from, to) must tell the consumer about. */
  abortedIn(from: number, to: number): AbortedTxn[] {
    return this.aborted.filter((t) => t.lastOffset >= from && t.firstOffset < to).map(({ producerId, firstOffset }) => ({ producerId, firstOffset }));
  }

  /** The first offset of `producerId`'s open transaction here, if it has one. */
  openTransaction(producerId: number): number | undefined {
    return this.ongoing.get(producerId);
  }

  get openTransactions(): number {
    return this.ongoing.size;
  }

  /** Forgets aborted transactions wholly below the log start (their data is gone). */
  truncateFromStart(logStartOffset: number): void {
    this.aborted = this.aborted.filter((t) => t.lastOffset >= logStartOffset);
  }

  clear(): void {
    this.ongoing.clear();
    this.completing = [];
    this.aborted = [];
  }
}
