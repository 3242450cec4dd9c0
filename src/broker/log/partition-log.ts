import {
  closeSync,
  existsSync,
  ftruncateSync,
  mkdirSync,
  openSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  statSync,
  unlinkSync,
  utimesSync,
  writeSync,
} from 'node:fs';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import {
  ATTRIBUTES,
  BATCH_LENGTH,
  type BatchHeader,
  batchCrcValid,
  COMPRESSION_MASK,
  CRC,
  HEADER_SIZE,
  invalidHeader,
  LAST_OFFSET_DELTA,
  LOG_OVERHEAD,
  MAX_TIMESTAMP,
  readBatchHeader,
  readInt64,
  RECORDS,
  TIMESTAMP_TYPE_MASK,
  writeBaseOffset,
  writePartitionLeaderEpoch,
} from './batch-header.js';
import { crc32c } from '../protocol/crc32c.js';
import { type EpochEndOffset, LeaderEpochCache, writeAtomically } from './leader-epoch-cache.js';
import { type ProducerCheck, type ProducerEntry, ProducerStateManager } from './producer-state.js';
import { readFully, scanBatches, Segment, SEGMENT_FILE, segmentFileName, withReadFd } from './segment.js';
import { type AbortedTxn, TransactionIndex, controlTypeAt, controlTypeOfBatch, isControlBatch } from './transaction-index.js';

export interface PartitionLogOptions {
  /** Roll a new segment when the active one would exceed this (Kafka segment.bytes). Default 64 MiB. */
  segmentBytes?: number;
  /**
   * Roll a new segment when a batch arrives more than this after the segment's first batch, by their timestamps
   * (Kafka segment.ms; the active segment is never cleaned, so compaction needs rolls). Default 7 days.
   */
  segmentMs?: number;
  /** cleanup.policy as a list: 'delete' lets retention remove old segments, 'compact' lets the cleaner run. */
  cleanupPolicy?: readonly CleanupPolicy[];
  /** delete.retention.ms: how long the cleaner keeps a tombstone after it first saw it. Default 1 day. */
  deleteRetentionMs?: number;
  /** min.cleanable.dirty.ratio: clean once dirty bytes / all bytes exceed this. Default 0.5. */
  minCleanableDirtyRatio?: number;
  /** min.compaction.lag.ms: segments with a record younger than this stay dirty. Default 0. */
  minCompactionLagMs?: number;
  /** max.compaction.lag.ms: a dirty segment older than this is cleaned whatever the dirty ratio. Default: never. */
  maxCompactionLagMs?: number;
  /** Bytes between sparse index entries (index.interval.bytes). Default 4096. */
  indexIntervalBytes?: number;
  /** retention.bytes; -1 = unlimited (default). */
  retentionBytes?: number;
  /** retention.ms; -1 = unlimited. Default 7 days. */
  retentionMs?: number;
  /** message.timestamp.type; with LogAppendTime the leader stamps batches on append. Default CreateTime. */
  timestampType?: 'CreateTime' | 'LogAppendTime';
  /** The high-watermark file is written at most this often (and on close). Default 5000. */
  hwCheckpointIntervalMs?: number;
}

export type CleanupPolicy = 'delete' | 'compact';

export interface AppendResult {
  baseOffset: number;
  lastOffset: number;
  /** The broker time stamped into the batch under LogAppendTime, else -1 (Kafka's answer for CreateTime). */
  logAppendTime: number;
}

export interface ReadResult {
  /** Whole batches, verbatim; empty when nothing is available below maxOffset. */
  records: Buffer;
  /** baseOffset of the first batch returned, -1 when empty. */
  firstOffset: number;
  /** Last offset of the last batch returned, -1 when empty. */
  lastOffset: number;
  logStartOffset: number;
  logEndOffset: number;
}

export interface TimestampOffset {
  /** -1 when no record has a timestamp >= the one asked for. */
  offset: number;
  timestamp: number;
}

export interface LogStats {
  segments: number;
  indexEntries: number;
  sizeBytes: number;
  producers: number;
  epochEntries: number;
}

/** Fetch (or DeleteRecords) asked for an offset outside [logStartOffset, logEndOffset]: Kafka error 1. */
export class OffsetOutOfRangeError extends Error {
  readonly code = 1;
  constructor(
    readonly offset: number,
    readonly logStartOffset: number,
    readonly logEndOffset: number,
  ) {
    super(`offset ${offset} is out of range [${logStartOffset}, ${logEndOffset}]`);
    this.name = 'OffsetOutOfRangeError';
  }
}

/** An append that the log refuses: malformed bytes, or follower batches not contiguous with the log end. */
export class LogAppendError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'LogAppendError';
  }
}

const MiB = 1024 * 1024;
const DEFAULTS = {
  segmentBytes: 64 * MiB,
  segmentMs: 7 * 24 * 3600 * 1000,
  cleanupPolicy: ['delete'] as readonly CleanupPolicy[],
  deleteRetentionMs: 24 * 3600 * 1000,
  minCleanableDirtyRatio: 0.5,
  minCompactionLagMs: 0,
  maxCompactionLagMs: Number.MAX_SAFE_INTEGER,
  indexIntervalBytes: 4096,
  retentionBytes: -1,
  retentionMs: 7 * 24 * 3600 * 1000,
  timestampType: 'CreateTime' as const,
  hwCheckpointIntervalMs: 5000,
};

function withDefaults(base: Required<PartitionLogOptions>, opts: PartitionLogOptions): Required<PartitionLogOptions> {
  const given = Object.fromEntries(Object.entries(opts).filter(([, v]) => v !== undefined && !Number.isNaN(v)));
  return { ...base, ...given } as Required<PartitionLogOptions>;
}

const HW_FILE = 'hw-checkpoint';
const LOG_START_FILE = 'log-start-offset-checkpoint';
const EPOCH_FILE = 'leader-epoch-checkpoint';
const PRODUCER_SNAPSHOT = 'producer-snapshot.json';
const CLEAN_SHUTDOWN = '.clean-shutdown';
const CLEANER_CHECKPOINT = 'cleaner-offset-checkpoint';
/** A cleaned segment being written; deleted at open (the segments it would replace are still whole). */
export const CLEANED_SUFFIX = '.cleaned';
/** A cleaned segment that replaces its group; recovery completes the swap. */
export const SWAP_SUFFIX = '.swap';
const OPEN_SCAN_CHUNK = 256 * 1024;
const READ_SCAN_CHUNK = 8 * 1024;
const EMPTY = Buffer.alloc(0);
/**
 * perf: bytes of the newest leader appends kept in memory so that followers and consumers at the log end get them
 * without reading the segment back (a header scan, two reads and a fresh buffer per follower per batch). Copies, packed
 * into shared slabs (one allocation per TAIL_SLAB, not per batch), so callers may reuse what they appended. Per log:
 * memory stays bounded; the segment files are the truth and the tail is dropped whenever the log changes other than by
 * a leader append.
 */
const TAIL_BYTES = 512 * 1024;
const TAIL_SLAB = 128 * 1024;

/**
 * One replica's partition log on disk, Kafka-style: `<baseOffset 20 digits>.log` segment files holding record batches
 * verbatim, a sparse in-memory index per segment, a leader-epoch cache, idempotent-producer state, and checkpoints of
 * the log start offset and high watermark. Synchronous I/O; nothing of the batches is kept in memory.
 */
export class PartitionLog {
  readonly epochCache: LeaderEpochCache;
  producerState: ProducerStateManager;
  /** open and aborted transactions, for the last stable offset and read_committed fetches */
  readonly transactions = new TransactionIndex();
  /** What recovery had to cut away at open (empty after a clean run). */
  readonly recoveryNotes: string[] = [];
  private opts: Required<PartitionLogOptions>;
  private segments: Segment[] = [];
  private startOffset = 0;
  private endOffset = 0;
  private hw = 0;
  private hwDirty = false;
  private hwLastWrite = 0;
  private hwTimer: NodeJS.Timeout | null = null;
  private closed = false;
  /** The newest leader appends, contiguous and ending at the log end offset, all in the active segment (see TAIL_BYTES). */
  private tail: Array<{ baseOffset: number; lastOffset: number; bytes: Buffer }> = [];
  private tailBytes = 0;
  private slab: Buffer | null = null;
  private slabUsed = 0;

  private constructor(
    readonly dir: string,
    opts: PartitionLogOptions,
  ) {
    this.opts = withDefaults(DEFAULTS, opts);
    this.epochCache = new LeaderEpochCache(join(dir, EPOCH_FILE));
    this.producerState = new ProducerStateManager();
  }

  /** New settings from a topic config change (AlterConfigs), effective from the next append, roll or retention pass. */
  configure(opts: PartitionLogOptions): void {
    this.opts = withDefaults(this.opts, opts);
  }

  get config(): Readonly<Required<PartitionLogOptions>> {
    return this.opts;
  }

  /** Opens (creating if needed) the log in `dir` and recovers whatever is on disk. */
  static open(dir: string, opts: PartitionLogOptions = {}): PartitionLog {
    mkdirSync(dir, { recursive: true });
    const log = new PartitionLog(dir, opts);
    log.recover();
    return log;
  }

  get logStartOffset(): number {
    return this.startOffset;
  }

  get logEndOffset(): number {
    return this.endOffset;
  }

  /** Last high watermark handed to us by the replication layer (restored at open; 0 for a new log). */
  get highWatermarkCheckpoint(): number {
    return this.hw;
  }

  set highWatermarkCheckpoint(offset: number) {
    if (offset === this.hw) return;
    this.hw = offset;
    this.hwDirty = true;
    this.scheduleHwWrite();
  }

  get sizeBytes(): number {
    let n = 0;
    for (const s of this.segments) n += s.size;
    return n;
  }

  /** Base offsets of the segments, oldest first. */
  get segmentBaseOffsets(): number[] {
    return this.segments.map((s) => s.baseOffset);
  }

  stats(): LogStats {
    let indexEntries = 0;
    for (const s of this.segments) indexEntries += s.indexEntries;
    return {
      segments: this.segments.length,
      indexEntries,
      sizeBytes: this.sizeBytes,
      producers: this.producerState.size,
      epochEntries: this.epochCache.all.length,
    };
  }

  latestEpoch(): number | null {
    return this.epochCache.latestEpoch();
  }

  /**
   * A new leader records where its epoch starts before it writes anything (Kafka's maybeAssignEpochStartOffset, from
   * Partition.makeLeader): OffsetsForLeaderEpoch then knows the epoch, and followers truncate against it.
   */
  assignEpochStartOffset(epoch: number): void {
    this.epochCache.assign(epoch, this.endOffset);
  }

  /** The leader epoch `offset` was written in (-1 when the cache knows none that old). */
  epochForOffset(offset: number): number {
    let epoch = -1;
    for (const e of this.epochCache.all) if (e.startOffset <= offset) epoch = e.epoch;
    return epoch;
  }

  /** OffsetsForLeaderEpoch for this replica (see LeaderEpochCache.endOffsetFor). */
  endOffsetForEpoch(epoch: number): EpochEndOffset {
    return this.epochCache.endOffsetFor(epoch, this.endOffset);
  }

  /** Idempotence check of a single batch (its header) before `appendAsLeader`. */
  checkProducer(batch: Buffer): ProducerCheck {
    return this.producerState.check(readBatchHeader(batch, 0));
  }

  // ---------------------------------------------------------------- append

  /**
   * Appends one validated batch as the leader: sets its baseOffset to the log end offset and its partitionLeaderEpoch
   * to `leaderEpoch` (in place, in `batch`), and under LogAppendTime stamps `now` (recomputing the CRC).
   * Throws LogAppendError when `batch` is not exactly one v2 batch.
   */
  appendAsLeader(batch: Buffer, leaderEpoch: number, now = Date.now()): AppendResult {
    this.ensureOpen();
    if (batch.length < HEADER_SIZE) throw new LogAppendError(`batch of ${batch.length} bytes is shorter than a v2 header`);
    const h = readBatchHeader(batch, 0);
    const bad = invalidHeader({ ...h, baseOffset: 0 });
    if (bad) throw new LogAppendError(`invalid batch: ${bad}`);
    if (h.batchLength + LOG_OVERHEAD !== batch.length) {
      throw new LogAppendError(`batchLength ${h.batchLength} does not match ${batch.length} bytes (expected exactly one batch)`);
    }
    const baseOffset = this.endOffset;
    writeBaseOffset(batch, 0, baseOffset);
    writePartitionLeaderEpoch(batch, 0, leaderEpoch);
    h.baseOffset = baseOffset;
    h.partitionLeaderEpoch = leaderEpoch;
    let logAppendTime = -1;
    if (this.opts.timestampType === 'LogAppendTime') {
      logAppendTime = now;
      batch.writeInt16BE(h.attributes | TIMESTAMP_TYPE_MASK, ATTRIBUTES);
      batch.writeBigInt64BE(BigInt(now), MAX_TIMESTAMP);
      batch.writeUInt32BE(crc32c(batch, ATTRIBUTES), CRC);
      h.attributes |= TIMESTAMP_TYPE_MASK;
      h.maxTimestamp = now;
    }
    this.appendBatch(batch, 0, batch.length, h, now); // a roll drops the tail first
    // perf: keep a copy at the tail for the followers' copy and reads at the log end (see TAIL_BYTES)
    this.tail.push({ baseOffset, lastOffset: baseOffset + h.lastOffsetDelta, bytes: this.copyToSlab(batch) });
    this.tailBytes += batch.length;
    while (this.tailBytes > TAIL_BYTES && this.tail.length > 1) this.tailBytes -= this.tail.shift()!.bytes.length;
    return { baseOffset, lastOffset: baseOffset + h.lastOffsetDelta, logAppendTime };
  }

  /**
   * Appends batches copied from the leader, verbatim (offsets and epochs as the leader wrote them). Each batch must
   * start at or after the log end offset (the fetch position is `expectedOffset` when given); a gap is what compaction
   * leaves on the leader. Otherwise LogAppendError, with nothing of the offending batch written. A trailing partial
   * batch is ignored.
   * Returns the offsets appended ({-1,-1} when none).
   */
  appendAsFollower(batches: Buffer, expectedOffset?: number): { firstOffset: number; lastOffset: number } {
    this.ensureOpen();
    if (expectedOffset !== undefined && expectedOffset !== this.endOffset) {
      throw new LogAppendError(`follower append expected at ${expectedOffset} but the log ends at ${this.endOffset}`);
    }
    let pos = 0;
    let firstOffset = -1;
    let lastOffset = -1;
    const now = Date.now();
    this.dropTail();
    while (batches.length - pos >= HEADER_SIZE) {
      const h = readBatchHeader(batches, pos);
      const bad = invalidHeader(h);
      if (bad) throw new LogAppendError(`invalid batch at byte ${pos}: ${bad}`);
      const size = h.batchLength + LOG_OVERHEAD;
      if (pos + size > batches.length) break;
      if (h.baseOffset < this.endOffset) {
        throw new LogAppendError(`batch at offset ${h.baseOffset} is below the log end offset ${this.endOffset}`);
      }
      this.appendBatch(batches, pos, size, h, now);
      if (firstOffset < 0) firstOffset = h.baseOffset;
      lastOffset = h.baseOffset + h.lastOffsetDelta;
      pos += size;
    }
    return { firstOffset, lastOffset };
  }

  private appendBatch(buf: Buffer, pos: number, size: number, h: BatchHeader, now: number): void {
    let seg = this.active;
    if (seg.size > 0 && (seg.size + size > this.opts.segmentBytes || this.timeToRoll(seg, h.maxTimestamp, now))) seg = this.roll();
    writeSync(seg.fd!, buf, pos, size, seg.size);
    seg.track(h, seg.size, size);
    seg.size += size;
    seg.lastModified = now;
    this.endOffset = h.baseOffset + h.lastOffsetDelta + 1;
    this.epochCache.assign(h.partitionLeaderEpoch, h.baseOffset);
    this.producerState.update(h, h.baseOffset);
    if (h.producerId >= 0) this.transactions.onBatch(h, isControlBatch(h) ? controlTypeOfBatch(buf.subarray(pos, pos + size)) : -1);
  }

  /** Kafka's last stable offset at high watermark `hw`: read_committed consumers read below it. */
  lastStableOffset(hw: number): number {
    return this.transactions.lastStableOffset(hw);
  }

  /** The aborted transactions overlapping [from, to), for a read_committed fetch. */
  abortedTransactions(from: number, to: number): AbortedTxn[] {
    return this.transactions.abortedIn(from, to);
  }

  /** Kafka's time-based roll: the incoming batch's timestamp minus the segment's first (or now minus its creation). */
  private timeToRoll(seg: Segment, maxTimestamp: number, now: number): boolean {
    const waited = seg.rollingBasedTimestamp >= 0 && maxTimestamp >= 0 ? maxTimestamp - seg.rollingBasedTimestamp : now - seg.created;
    return waited > this.opts.segmentMs;
  }

  private copyToSlab(batch: Buffer): Buffer {
    if (batch.length > TAIL_SLAB / 2) return Buffer.from(batch);
    if (this.slab === null || this.slabUsed + batch.length > this.slab.length) {
      this.slab = Buffer.allocUnsafeSlow(TAIL_SLAB);
      this.slabUsed = 0;
    }
    const view = this.slab.subarray(this.slabUsed, this.slabUsed + batch.length);
    view.set(batch);
    this.slabUsed += batch.length;
    return view;
  }

  private dropTail(): void {
    if (this.tail.length === 0) return;
    this.tail = [];
    this.tailBytes = 0;
  }

  /** `read` from the in-memory tail, or null when fetchOffset is not in it (then the segment is read). */
  private readTail(fetchOffset: number, maxBytes: number, limit: number, result: ReadResult): ReadResult | null {
    const tail = this.tail;
    if (tail.length === 0 || fetchOffset < tail[0]!.baseOffset) return null;
    let i = tail.length - 1;
    while (i > 0 && tail[i]!.baseOffset > fetchOffset) i--;
    const first = tail[i]!;
    if (first.lastOffset >= limit) return result;
    const want = Math.max(maxBytes, first.bytes.length);
    let total = first.bytes.length;
    let j = i + 1;
    while (j < tail.length && tail[j]!.lastOffset < limit && total + tail[j]!.bytes.length <= want) total += tail[j++]!.bytes.length;
    result.firstOffset = first.baseOffset;
    result.lastOffset = tail[j - 1]!.lastOffset;
    const last = tail[j - 1]!.bytes;
    // batches packed back to back in one slab are one view; otherwise one copy
    const adjacent = last.buffer === first.bytes.buffer && last.byteOffset + last.length - first.bytes.byteOffset === total;
    result.records = adjacent
      ? Buffer.from(first.bytes.buffer, first.bytes.byteOffset, total)
      : Buffer.concat(tail.slice(i, j).map((b) => b.bytes), total);
    return result;
  }

  private get active(): Segment {
    return this.segments[this.segments.length - 1]!;
  }

  /** Closes the active segment and starts a new (empty) one at the log end offset. */
  private roll(): Segment {
    this.dropTail();
    const old = this.active;
    if (old.fd !== null) closeSync(old.fd);
    old.fd = null;
    const seg = new Segment(this.dir, this.endOffset, this.opts.indexIntervalBytes, Date.now());
    seg.fd = openSync(seg.file, 'w+');
    this.segments.push(seg);
    return seg;
  }

  // ---------------------------------------------------------------- read

  /**
   * Whole batches starting with the one that contains `fetchOffset`, none whose last offset is >= `maxOffset` (pass the
   * high watermark for consumers, the log end offset for followers). At least one batch when any is available, even
   * above `maxBytes` (KIP-74); then more while the total stays within `maxBytes`. Reads from one segment per call.
   * Throws OffsetOutOfRangeError when fetchOffset < logStartOffset or > logEndOffset.
   */
  read(fetchOffset: number, maxBytes: number, maxOffset: number = this.endOffset): ReadResult {
    this.ensureOpen();
    if (fetchOffset < this.startOffset || fetchOffset > this.endOffset) {
      throw new OffsetOutOfRangeError(fetchOffset, this.startOffset, this.endOffset);
    }
    const limit = Math.min(maxOffset, this.endOffset);
    const result: ReadResult = { records: EMPTY, firstOffset: -1, lastOffset: -1, logStartOffset: this.startOffset, logEndOffset: this.endOffset };
    if (fetchOffset >= limit) return result;
    const fromTail = this.readTail(fetchOffset, maxBytes, limit, result);
    if (fromTail) return fromTail;
    for (let i = this.segmentIndexFor(fetchOffset); i < this.segments.length; i++) {
      const seg = this.segments[i]!;
      if (seg.size === 0 || seg.nextOffset <= fetchOffset) continue;
      let start = -1;
      let firstSize = 0;
      let hitLimit = false;
      const from = seg.positionFor(fetchOffset);
      const found = withReadFd(seg, (fd) => {
        // 1. the batch containing fetchOffset: a short header scan from the sparse index entry
        scanBatches(fd, from, seg.size, READ_SCAN_CHUNK, false, (h, pos, size) => {
          const last = h.baseOffset + h.lastOffsetDelta;
          if (last < fetchOffset) return true;
          if (last >= limit) hitLimit = true;
          else {
            start = pos;
            firstSize = size;
            result.firstOffset = h.baseOffset;
            result.lastOffset = last;
          }
          return false;
        });
        if (start < 0) return null;
        // 2. one read of the byte range, then keep the whole batches that fit maxBytes and end below maxOffset
        const want = Math.min(seg.size - start, Math.max(maxBytes, firstSize));
        const buf = Buffer.allocUnsafe(want);
        const got = readFully(fd, buf, want, start);
        if (got < firstSize) return null;
        const checkLimit = seg.nextOffset > limit;
        let end = firstSize;
        while (end + HEADER_SIZE <= got) {
          const size = buf.readInt32BE(end + BATCH_LENGTH) + LOG_OVERHEAD;
          if (size < HEADER_SIZE || end + size > got) break;
          const last = readInt64(buf, end) + buf.readInt32BE(end + LAST_OFFSET_DELTA);
          if (checkLimit && last >= limit) break;
          result.lastOffset = last;
          end += size;
        }
        return end * 2 < want ? Buffer.from(buf.subarray(0, end)) : buf.subarray(0, end);
      });
      if (found) {
        result.records = found;
        return result;
      }
      result.firstOffset = result.lastOffset = -1;
      if (hitLimit) return result;
    }
    return result;
  }

  /** Index of the last segment whose baseOffset <= offset (0 when none). */
  private segmentIndexFor(offset: number): number {
    let lo = 0;
    let hi = this.segments.length - 1;
    let found = 0;
    while (lo <= hi) {
      const mid = (lo + hi) >>> 1;
      if (this.segments[mid]!.baseOffset <= offset) {
        found = mid;
        lo = mid + 1;
      } else hi = mid - 1;
    }
    return found;
  }

  /**
   * ListOffsets by timestamp: the first offset >= logStartOffset (and < maxOffset, when given) whose record timestamp
   * is >= `timestamp`, with that record's timestamp; {-1, -1} when there is none. Batches are located by their header
   * maxTimestamp; within an uncompressed or gzip batch the exact record is found, for other codecs the answer is the
   * batch's first offset >= logStartOffset with the batch's maxTimestamp (batch granularity).
   * The special timestamps -1 (latest) and -2 (earliest) are the caller's (high watermark / logStartOffset).
   */
  offsetForTimestamp(timestamp: number, maxOffset: number = this.endOffset): TimestampOffset {
    this.ensureOpen();
    const none = { offset: -1, timestamp: -1 };
    const limit = Math.min(maxOffset, this.endOffset);
    for (const seg of this.segments) {
      if (seg.size === 0 || seg.nextOffset <= this.startOffset || seg.maxTimestamp < timestamp) continue;
      let answer: TimestampOffset | null = null;
      let pastLimit = false;
      withReadFd(seg, (fd) => {
        scanBatches(fd, seg.positionForTimestamp(timestamp), seg.size, READ_SCAN_CHUNK, false, (h, pos, size) => {
          if (h.baseOffset >= limit) {
            pastLimit = true;
            return false;
          }
          if (h.maxTimestamp < timestamp || h.baseOffset + h.lastOffsetDelta < this.startOffset) return true;
          const bytes = Buffer.allocUnsafe(size);
          if (readFully(fd, bytes, size, pos) !== size) return false;
          const exact = findRecordByTimestamp(bytes, h, timestamp, this.startOffset);
          if (exact && exact.offset >= limit) {
            pastLimit = true;
            return false;
          }
          if (exact) answer = exact;
          return answer === null;
        });
      });
      if (answer) return answer;
      if (pastLimit) return none;
    }
    return none;
  }

  // ---------------------------------------------------------------- truncation and deletion

  /**
   * Removes everything at offsets >= `offset` (a follower that diverged). The file is cut at a batch boundary: a batch
   * containing `offset` is dropped whole, so the new log end offset may be below `offset`. No-op when offset >= LEO;
   * below logStartOffset it becomes truncateFully(offset). Epoch cache truncated, producer state rebuilt, HW clamped.
   */
  truncateTo(offset: number): void {
    this.dropTail();
    this.ensureOpen();
    if (offset >= this.endOffset) return;
    if (offset < this.startOffset) {
      this.truncateFully(offset);
      return;
    }
    while (this.segments.length > 1 && this.active.baseOffset >= offset) this.deleteSegment(this.segments.length - 1);
    let seg = this.active;
    if (seg.fd === null) seg.fd = openSync(seg.file, 'r+');
    let cut = seg.size;
    scanBatches(seg.fd, seg.positionFor(offset), seg.size, READ_SCAN_CHUNK, false, (h, pos) => {
      if (h.baseOffset + h.lastOffsetDelta >= offset) {
        cut = pos;
        return false;
      }
      return true;
    });
    ftruncateSync(seg.fd, cut);
    seg.truncateTo(cut, seg.fd);
    this.endOffset = seg.nextOffset;
    if (this.startOffset > this.endOffset) this.setLogStartOffset(this.endOffset);
    this.truncateCleanerCheckpoint(this.endOffset);
    this.epochCache.truncateFromEnd(this.endOffset);
    this.rebuildProducerState();
    if (this.hw > this.endOffset) this.highWatermarkCheckpoint = this.endOffset;
  }

  /** Drops the whole log and restarts it empty at `newStart` (logStartOffset = LEO = HW = newStart). */
  truncateFully(newStart: number): void {
    this.dropTail();
    this.ensureOpen();
    for (let i = this.segments.length - 1; i >= 0; i--) this.deleteSegment(i);
    this.endOffset = newStart;
    const seg = new Segment(this.dir, newStart, this.opts.indexIntervalBytes, Date.now());
    seg.fd = openSync(seg.file, 'w+');
    this.segments.push(seg);
    this.setLogStartOffset(newStart, true);
    this.truncateCleanerCheckpoint(newStart);
    this.epochCache.clear();
    this.producerState.clear();
    this.transactions.clear();
    this.highWatermarkCheckpoint = newStart;
  }

  /**
   * DeleteRecords: logStartOffset = max(logStartOffset, offset); segments wholly below it are deleted. Throws
   * OffsetOutOfRangeError when offset > LEO (checking it against the high watermark is the caller's job).
   * Returns the new logStartOffset.
   */
  deleteRecordsBefore(offset: number): number {
    this.ensureOpen();
    if (offset > this.endOffset || offset < 0) throw new OffsetOutOfRangeError(offset, this.startOffset, this.endOffset);
    if (offset > this.startOffset) {
      this.setLogStartOffset(offset);
      this.deleteSegmentsBelowStart();
    }
    return this.startOffset;
  }

  /**
   * Retention: deletes the oldest segments while they are older than retentionMs (by their max batch timestamp, or
   * last append time when batches carry none) or while the log without them is still >= retentionBytes. Only data
   * below the high watermark checkpoint is deleted. Advances logStartOffset. Returns the number of segments deleted.
   */
  enforceRetention(now: number = Date.now()): number {
    this.ensureOpen();
    if (!this.opts.cleanupPolicy.includes('delete')) return 0;
    const { retentionMs, retentionBytes } = this.opts;
    let sizeOver = retentionBytes >= 0 ? this.sizeBytes - retentionBytes : -1;
    let count = 0;
    for (let i = 0; i < this.segments.length; i++) {
      const seg = this.segments[i]!;
      if (seg.size === 0) break;
      const upper = seg.nextOffset;
      if (upper > this.hw) break;
      const ts = seg.maxTimestamp >= 0 ? seg.maxTimestamp : seg.lastModified;
      const expired = retentionMs >= 0 && now - ts > retentionMs;
      const tooBig = retentionBytes >= 0 && sizeOver - seg.size >= 0;
      if (!expired && !tooBig) break;
      sizeOver -= seg.size;
      count++;
    }
    if (count === 0) return 0;
    const newStart = count < this.segments.length ? this.segments[count]!.baseOffset : this.endOffset;
    if (newStart > this.startOffset) this.setLogStartOffset(newStart);
    this.deleteSegmentsBelowStart();
    return count;
  }

  private setLogStartOffset(offset: number, force = false): void {
    this.dropTail();
    if (!force && offset === this.startOffset) return;
    this.startOffset = offset;
    writeAtomically(join(this.dir, LOG_START_FILE), `${offset}\n`);
    this.epochCache.truncateFromStart(offset);
    this.transactions.truncateFromStart(offset);
    if (this.hw < offset) this.highWatermarkCheckpoint = offset;
  }

  /** Deletes segments whose every offset is below logStartOffset (rolling first if that includes the active one). */
  private deleteSegmentsBelowStart(): void {
    if (this.active.size > 0 && this.active.nextOffset <= this.startOffset) this.roll();
    while (this.segments.length > 1 && this.segments[0]!.nextOffset <= this.startOffset && this.segments[1]!.baseOffset <= this.startOffset) {
      this.deleteSegment(0);
    }
  }

  private deleteSegment(index: number): void {
    const [seg] = this.segments.splice(index, 1);
    if (!seg) return;
    if (seg.fd !== null) closeSync(seg.fd);
    seg.fd = null;
    rmSync(seg.file, { force: true });
  }

  private rebuildProducerState(): void {
    this.producerState = new ProducerStateManager();
    this.transactions.clear();
    for (const seg of this.segments) {
      withReadFd(seg, (fd) =>
        scanBatches(fd, 0, seg.size, OPEN_SCAN_CHUNK, false, (h, pos, size) => {
          this.producerState.update(h, h.baseOffset);
          if (h.producerId >= 0) this.transactions.onBatch(h, isControlBatch(h) ? controlTypeAt(fd, pos, size) : -1);
        }),
      );
    }
  }

  // ---------------------------------------------------------------- compaction: the cleaner's view and the swap

  /** The segments, oldest first; the last one is the active segment. The cleaner plans from them; never mutate. */
  get segmentList(): readonly Segment[] {
    return this.segments;
  }

  /** Where the last cleaning ended (Kafka's cleaner-offset-checkpoint, one per log here); null before the first. */
  get cleanerCheckpoint(): number | null {
    return readNumber(join(this.dir, CLEANER_CHECKPOINT));
  }

  set cleanerCheckpoint(offset: number) {
    writeAtomically(join(this.dir, CLEANER_CHECKPOINT), `${offset}\n`);
  }

  /** After a truncation, what the log appends again past `offset` is dirty (Kafka's maybeTruncateCheckpoint). */
  private truncateCleanerCheckpoint(offset: number): void {
    const checkpoint = this.cleanerCheckpoint;
    if (checkpoint !== null && checkpoint > offset) this.cleanerCheckpoint = offset;
  }

  /**
   * Puts the cleaned copy of `group` (consecutive segments before the active one, written by the cleaner to the first
   * one's file name + CLEANED_SUFFIX) in their place. Crash-safe in three renames: .cleaned → .swap (from here on,
   * recovery finishes the swap), the group's files deleted, .swap → .log. The new segment keeps the group's last
   * modification time, as Kafka's does.
   */
  replaceSegments(group: readonly Segment[]): void {
    this.ensureOpen();
    const first = group[0]!;
    const at = this.segments.indexOf(first);
    const contiguous = at >= 0 && group.every((seg, i) => this.segments[at + i] === seg) && at + group.length < this.segments.length;
    if (!contiguous) throw new Error(`replaceSegments: not consecutive non-active segments of ${this.dir}`);
    this.dropTail();
    const swap = first.file + SWAP_SUFFIX;
    renameSync(first.file + CLEANED_SUFFIX, swap);
    for (const seg of group) rmSync(seg.file, { force: true });
    renameSync(swap, first.file);
    const modified = group[group.length - 1]!.lastModified;
    utimesSync(first.file, modified / 1000, modified / 1000);
    this.segments.splice(at, group.length, this.loadSegment(first.baseOffset, modified));
  }

  /** A closed segment read back from its file (headers only). */
  private loadSegment(baseOffset: number, lastModified: number): Segment {
    const seg = new Segment(this.dir, baseOffset, this.opts.indexIntervalBytes, lastModified);
    withReadFd(seg, (fd) => {
      const end = scanBatches(fd, 0, statSync(seg.file).size, OPEN_SCAN_CHUNK, false, (h, pos, size) => seg.track(h, pos, size));
      seg.size = end.end;
    });
    return seg;
  }

  /**
   * Recovery of a swap cut short: a .swap file replaces every segment whose base offset lies in its offset range, as
   * Kafka's LogLoader does. A segment of the group beyond that range (its last batches cleaned away) stays: it holds
   * no offset the swap has, only records the next cleaning removes again.
   */
  private completeSwaps(): void {
    for (const f of readdirSync(this.dir)) {
      if (!f.endsWith(SWAP_SUFFIX)) continue;
      const file = f.slice(0, -SWAP_SUFFIX.length);
      const match = SEGMENT_FILE.exec(file);
      if (!match) continue;
      const base = Number(match[1]);
      const fd = openSync(join(this.dir, f), 'r');
      let next = base;
      try {
        scanBatches(fd, 0, statSync(join(this.dir, f)).size, OPEN_SCAN_CHUNK, false, (h) => void (next = h.baseOffset + h.lastOffsetDelta + 1));
      } finally {
        closeSync(fd);
      }
      for (const other of readdirSync(this.dir)) {
        const m = SEGMENT_FILE.exec(other);
        if (m && Number(m[1]) > base && Number(m[1]) < next) rmSync(join(this.dir, other), { force: true });
      }
      renameSync(join(this.dir, f), join(this.dir, file));
      this.recoveryNotes.push(`${file}: finished swapping in the cleaned segment`);
    }
  }

  // ---------------------------------------------------------------- checkpoints, open, close

  private scheduleHwWrite(): void {
    if (this.closed || this.hwTimer) return;
    const wait = this.hwLastWrite + this.opts.hwCheckpointIntervalMs - Date.now();
    if (wait <= 0) {
      this.writeHw();
      return;
    }
    this.hwTimer = setTimeout(() => {
      this.hwTimer = null;
      this.writeHw();
    }, wait);
    this.hwTimer.unref();
  }

  private writeHw(): void {
    if (this.closed || !this.hwDirty) return;
    writeAtomically(join(this.dir, HW_FILE), `${this.hw}\n`);
    this.hwDirty = false;
    this.hwLastWrite = Date.now();
  }

  private recover(): void {
    const dir = this.dir;
    const clean = readJson<{ baseOffset: number; size: number }>(join(dir, CLEAN_SHUTDOWN));
    rmSync(join(dir, CLEAN_SHUTDOWN), { force: true });
    const snapshot = readJson<{ offset: number; producers: ProducerEntry[] }>(join(dir, PRODUCER_SNAPSHOT));
    rmSync(join(dir, PRODUCER_SNAPSHOT), { force: true });
    for (const f of readdirSync(dir)) if (f.endsWith('.tmp') || f.endsWith(CLEANED_SUFFIX)) unlinkSync(join(dir, f));
    this.completeSwaps();

    const bases = readdirSync(dir)
      .map((f) => SEGMENT_FILE.exec(f))
      .filter((m): m is RegExpExecArray => m !== null)
      .map((m) => Number(m[1]))
      .sort((a, b) => a - b);
    const loggedStart = readNumber(join(dir, LOG_START_FILE));
    if (bases.length === 0) bases.push(loggedStart ?? 0);

    const producers = snapshot ? ProducerStateManager.fromJSON(snapshot.producers) : new ProducerStateManager();
    const replayFrom = snapshot ? snapshot.offset : -1;
    const epochChanges: { epoch: number; offset: number }[] = [];
    let lastEpoch = -1;
    let expected = bases[0]!;
    let broken = false;

    for (let i = 0; i < bases.length; i++) {
      const base = bases[i]!;
      const seg = new Segment(dir, base, this.opts.indexIntervalBytes, 0);
      if (broken || base < expected) {
        if (!broken) this.recoveryNotes.push(`segment ${segmentFileName(base)} starts below ${expected}: dropped with what follows`);
        broken = true;
        rmSync(seg.file, { force: true });
        continue;
      }
      const isLast = i === bases.length - 1;
      const fd = existsSync(seg.file) ? openSync(seg.file, 'r+') : openSync(seg.file, 'w+');
      const st = statSync(seg.file);
      seg.lastModified = st.mtimeMs;
      const verifyCrc = isLast && !(clean && clean.baseOffset === base && clean.size === st.size);
      let next = base;
      const end = scanBatches(fd, 0, st.size, OPEN_SCAN_CHUNK, verifyCrc, (h, pos, size, bytes) => {
        if (h.baseOffset < next) return false; // offsets only grow; gaps are what compaction leaves
        if (bytes && !batchCrcValid(bytes, 0, size)) return false;
        seg.track(h, pos, size);
        next = h.baseOffset + h.lastOffsetDelta + 1;
        if (h.partitionLeaderEpoch >= 0 && h.partitionLeaderEpoch !== lastEpoch) {
          epochChanges.push({ epoch: h.partitionLeaderEpoch, offset: h.baseOffset });
          lastEpoch = h.partitionLeaderEpoch;
        }
        if (h.producerId >= 0 && h.baseOffset >= replayFrom) producers.update(h, h.baseOffset);
        if (h.producerId >= 0) this.transactions.onBatch(h, isControlBatch(h) ? controlTypeAt(fd, pos, size) : -1);
        return true;
      });
      seg.size = end.end;
      if (end.end < st.size) {
        const why = end.error ?? (end.stopped ? 'batch out of sequence or failing its CRC' : 'unreadable');
        this.recoveryNotes.push(`${segmentFileName(base)}: cut at byte ${end.end} of ${st.size} (${why})`);
        ftruncateSync(fd, end.end);
        broken = !isLast;
        if (broken) this.recoveryNotes.push(`segments after ${segmentFileName(base)} dropped`);
      }
      if (isLast || broken) seg.fd = fd;
      else closeSync(fd);
      this.segments.push(seg);
      expected = seg.nextOffset;
    }
    if (this.active.fd === null) this.active.fd = openSync(this.active.file, 'r+');
    for (const seg of this.segments.slice(0, -1)) {
      if (seg.fd !== null) closeSync(seg.fd);
      seg.fd = null;
    }

    this.endOffset = this.active.nextOffset;
    this.startOffset = Math.min(Math.max(loggedStart ?? 0, this.segments[0]!.baseOffset), this.endOffset);

    this.epochCache.truncateFromEnd(this.endOffset);
    for (const c of epochChanges) this.epochCache.assign(c.epoch, c.offset);
    this.epochCache.truncateFromStart(this.startOffset);

    if (snapshot && snapshot.offset <= this.endOffset) this.producerState = producers;
    else if (snapshot) this.rebuildProducerState();
    else this.producerState = producers;

    const hw = readNumber(join(dir, HW_FILE));
    this.hw = Math.min(Math.max(hw ?? 0, this.startOffset), this.endOffset);
  }

  /** Flushes checkpoints (HW, producer snapshot, clean-shutdown marker) and releases file descriptors. Idempotent. */
  close(): void {
    this.dropTail();
    this.slab = null;
    if (this.closed) return;
    if (this.hwTimer) clearTimeout(this.hwTimer);
    this.hwTimer = null;
    this.writeHw();
    writeAtomically(join(this.dir, PRODUCER_SNAPSHOT), JSON.stringify({ offset: this.endOffset, producers: this.producerState.toJSON() }));
    writeAtomically(join(this.dir, CLEAN_SHUTDOWN), JSON.stringify({ baseOffset: this.active.baseOffset, size: this.active.size }));
    for (const seg of this.segments) {
      if (seg.fd !== null) closeSync(seg.fd);
      seg.fd = null;
    }
    this.closed = true;
  }

  /**
   * What a killed process leaves behind: the kernel closes the files, and nothing is flushed on the way out — no high
   * watermark checkpoint beyond the last periodic one, no producer-state snapshot, no clean-shutdown marker — so the
   * next open recovers the log (CRC-checks the tail, rebuilds producer state) as Kafka does after a SIGKILL.
   */
  abandon(): void {
    this.dropTail();
    this.slab = null;
    if (this.closed) return;
    if (this.hwTimer) clearTimeout(this.hwTimer);
    this.hwTimer = null;
    for (const seg of this.segments) {
      if (seg.fd !== null) closeSync(seg.fd);
      seg.fd = null;
    }
    this.closed = true;
  }

  /** Closes (without writing checkpoints) and removes the directory: topic deletion. */
  delete(): void {
    this.dropTail();
    this.slab = null;
    if (this.hwTimer) clearTimeout(this.hwTimer);
    this.hwTimer = null;
    for (const seg of this.segments) {
      if (seg.fd !== null) closeSync(seg.fd);
      seg.fd = null;
    }
    this.closed = true;
    rmSync(this.dir, { recursive: true, force: true });
  }

  get isClosed(): boolean {
    return this.closed;
  }

  private ensureOpen(): void {
    if (this.closed) throw new Error(`partition log ${this.dir} is closed`);
  }
}

export function openPartitionLog(dir: string, opts: PartitionLogOptions = {}): PartitionLog {
  return PartitionLog.open(dir, opts);
}

function readJson<T>(file: string): T | null {
  try {
    return JSON.parse(readFileSync(file, 'utf8')) as T;
  } catch {
    return null;
  }
}

function readNumber(file: string): number | null {
  try {
    const n = Number(readFileSync(file, 'utf8').trim());
    return Number.isSafeInteger(n) ? n : null;
  } catch {
    return null;
  }
}

// ---------------------------------------------------------------- record-level timestamp lookup

/**
 * First record of the batch with timestamp >= ts and offset >= minOffset. Exact for uncompressed and gzip batches
 * (and LogAppendTime batches, whose records all carry maxTimestamp); otherwise batch granularity.
 */
function findRecordByTimestamp(batch: Buffer, h: BatchHeader, ts: number, minOffset: number): TimestampOffset | null {
  const codec = h.attributes & COMPRESSION_MASK;
  const firstAllowed = Math.max(h.baseOffset, minOffset);
  if (h.attributes & TIMESTAMP_TYPE_MASK) return h.maxTimestamp >= ts ? { offset: firstAllowed, timestamp: h.maxTimestamp } : null;
  let records: Buffer;
  if (codec === 0) records = batch.subarray(RECORDS);
  else if (codec === 1) {
    try {
      records = gunzipSync(batch.subarray(RECORDS));
    } catch {
      return { offset: firstAllowed, timestamp: h.maxTimestamp };
    }
  } else return { offset: firstAllowed, timestamp: h.maxTimestamp };
  const r = { buf: records, pos: 0 };
  for (let i = 0; i < h.recordCount && r.pos < records.length; i++) {
    const length = readVarint(r);
    const start = r.pos;
    r.pos += 1; // attributes
    const tsDelta = readVarint(r);
    const offsetDelta = readVarint(r);
    const offset = h.baseOffset + offsetDelta;
    const timestamp = h.baseTimestamp + tsDelta;
    if (offset >= minOffset && timestamp >= ts) return { offset, timestamp };
    r.pos = start + length;
  }
  return null;
}

/** Zigzag varint/varlong as a JS number (exact below 2^53). */
function readVarint(r: { buf: Buffer; pos: number }): number {
  let value = 0;
  let mult = 1;
  for (;;) {
    const b = r.buf[r.pos++];
    if (b === undefined) throw new Error('truncated varint');
    value += (b & 0x7f) * mult;
    if ((b & 0x80) === 0) break;
    mult *= 128;
  }
  return value % 2 === 0 ? value / 2 : -(value + 1) / 2;
}
