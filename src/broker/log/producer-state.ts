/** Kafka's NUM_BATCHES_TO_RETAIN: the batches per producer remembered for duplicate detection. */
export const BATCHES_TO_RETAIN = 5;
export const OUT_OF_ORDER_SEQUENCE_NUMBER = 45;
export const INVALID_PRODUCER_EPOCH = 47;
const INT32_MAX = 2147483647;
/** the control bit of a batch's attributes (a transaction marker) */
const CONTROL = 0x20;

export interface RetainedBatch {
  firstSeq: number;
  lastSeq: number;
  baseOffset: number;
  lastOffset: number;
}

export interface ProducerEntry {
  producerId: number;
  epoch: number;
  /** Oldest first, at most BATCHES_TO_RETAIN. */
  batches: RetainedBatch[];
}

/** The header fields idempotence needs (a BatchHeader from the protocol layer fits). */
export interface ProducerBatchInfo {
  producerId: number;
  producerEpoch: number;
  baseSequence: number;
  lastOffsetDelta: number;
}

export type ProducerCheck =
  | { kind: 'ok' }
  | { kind: 'duplicate'; baseOffset: number; lastOffset: number }
  | { kind: 'error'; code: typeof OUT_OF_ORDER_SEQUENCE_NUMBER | typeof INVALID_PRODUCER_EPOCH; message: string };

/** Sequence arithmetic wraps at INT32_MAX to 0 (DefaultRecordBatch.incrementSequence). */
export function incrementSequence(seq: number, increment: number): number {
  if (seq > INT32_MAX - increment) return increment - (INT32_MAX - seq) - 1;
  return seq + increment;
}

export function lastSequenceOf(b: ProducerBatchInfo): number {
  return incrementSequence(b.baseSequence, b.lastOffsetDelta);
}

/** Idempotent-producer state of one partition replica (ProducerStateManager, minus transactions). */
export class ProducerStateManager {
  private producers = new Map<number, ProducerEntry>();

  get size(): number {
    return this.producers.size;
  }

  get(producerId: number): ProducerEntry | undefined {
    return this.producers.get(producerId);
  }

  entries(): IterableIterator<ProducerEntry> {
    return this.producers.values();
  }

  /** Validates a batch before a leader append. Non-idempotent batches (producerId < 0) are always ok. */
  check(b: ProducerBatchInfo): ProducerCheck {
    if (b.producerId < 0) return { kind: 'ok' };
    const entry = this.producers.get(b.producerId);
    // Unknown producer: accept any sequence (KIP-360; the state may have been lost with retention or a failover).
    if (!entry) return { kind: 'ok' };
    if (b.producerEpoch < entry.epoch) {
      return { kind: 'error', code: INVALID_PRODUCER_EPOCH, message: `producer ${b.producerId} epoch ${b.producerEpoch} is older than ${entry.epoch}` };
    }
    if (b.producerEpoch > entry.epoch) {
      if (b.baseSequence !== 0) {
        return { kind: 'error', code: OUT_OF_ORDER_SEQUENCE_NUMBER, message: `producer ${b.producerId} new epoch ${b.producerEpoch} starts at sequence ${b.baseSequence}, not 0` };
      }
      return { kind: 'ok' };
    }
    const lastSeq = lastSequenceOf(b);
    const dup = entry.batches.find((r) => r.firstSeq === b.baseSequence && r.lastSeq === lastSeq);
    if (dup) return { kind: 'duplicate', baseOffset: dup.baseOffset, lastOffset: dup.lastOffset };
    const last = entry.batches[entry.batches.length - 1];
    if (last && b.baseSequence !== incrementSequence(last.lastSeq, 1)) {
      return {
        kind: 'error',
        code: OUT_OF_ORDER_SEQUENCE_NUMBER,
        message: `producer ${b.producerId} sent sequence ${b.baseSequence}, expected ${incrementSequence(last.lastSeq, 1)}`,
      };
    }
    return { kind: 'ok' };
  }

  /**
   * Records an appended batch (leader or follower). A new epoch forgets the previous epoch's batches. A transaction
   * marker (control batch, no sequence) only carries the epoch: one written with a bumped epoch fences the old one.
   */
  update(b: ProducerBatchInfo & { attributes?: number }, baseOffset: number): void {
    if (b.producerId < 0) return;
    let entry = this.producers.get(b.producerId);
    if (!entry) {
      entry = { producerId: b.producerId, epoch: b.producerEpoch, batches: [] };
      this.producers.set(b.producerId, entry);
    } else if (entry.epoch !== b.producerEpoch) {
      entry.epoch = b.producerEpoch;
      entry.batches = [];
    }
    if (((b.attributes ?? 0) & CONTROL) !== 0) return;
    entry.batches.push({ firstSeq: b.baseSequence, lastSeq: lastSequenceOf(b), baseOffset, lastOffset: baseOffset + b.lastOffsetDelta });
    if (entry.batches.length > BATCHES_TO_RETAIN) entry.batches.shift();
  }

  clear(): void {
    this.producers.clear();
  }

  /** Plain data for a snapshot file. */
  toJSON(): ProducerEntry[] {
    return [...this.producers.values()];
  }

  static fromJSON(entries: ProducerEntry[]): ProducerStateManager {
    const m = new ProducerStateManager();
    for (const e of entries) m.producers.set(e.producerId, { producerId: e.producerId, epoch: e.epoch, batches: e.batches.slice(-BATCHES_TO_RETAIN) });
    return m;
  }
}
