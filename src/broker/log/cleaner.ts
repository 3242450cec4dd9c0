/**
 * Log compaction for one replica's log, as Kafka's Cleaner does it (LogCleaner.scala, LogCleanerManager.scala):
 *
 *   clean section            dirty section                          uncleanable
 *   [logStart … firstDirty)  [firstDirty … firstUncleanable)        active segment, above the high watermark,
 *                                                                   or younger than min.compaction.lag.ms
 *
 * 1. The log qualifies when dirty bytes / (clean + dirty bytes) > min.cleanable.dirty.ratio (whole segments only).
 * 2. An offset map of the dirty section: key → the offset of its newest record.
 * 3. Every segment below firstUncleanable is copied, in groups of up to segment.bytes, keeping a record only when it
 *    is the newest for its key (or newer than the map). Offsets never change: a batch keeps its base and last offset,
 *    so gaps appear. A tombstone (null value) is kept, and the first cleaning stamps its batch with a delete horizon
 *    (now + delete.retention.ms, KIP-534); a cleaning after the horizon removes it.
 * 4. Each group's copy replaces the group atomically (PartitionLog.replaceSegments); the checkpoint moves to the end.
 */
import { closeSync, openSync, writeSync } from 'node:fs';
import { gzipSync } from 'node:zlib';
import { Writer } from '../protocol/primitives.js';
import { crc32c } from '../protocol/crc32c.js';
import {
  ATTR_COMPRESSION_MASK,
  ATTR_CONTROL,
  ATTR_DELETE_HORIZON,
  ATTR_TIMESTAMP_TYPE,
  BATCH_HEADER_SIZE,
  Compression,
  type DecodedRecord,
  decodeRecords,
  LOG_OVERHEAD,
} from '../protocol/record-batch.js';
import type { BatchHeader } from '../protocol/record-batch.js';
import { CLEANED_SUFFIX, type PartitionLog } from './partition-log.js';
import { scanBatches, type Segment, withReadFd } from './segment.js';

const SCAN_CHUNK = 256 * 1024;

/** What one log offers the cleaner now (Kafka's LogToClean). */
export interface LogToClean {
  firstDirtyOffset: number;
  /** Base offset of the first segment that may not be cleaned. */
  firstUncleanableOffset: number;
  cleanBytes: number;
  cleanableBytes: number;
  /** cleanableBytes / (cleanBytes + cleanableBytes); 0 for an empty log. */
  cleanableRatio: number;
  /** A dirty segment's first record is older than max.compaction.lag.ms: clean whatever the ratio. */
  needCompactionNow: boolean;
}

export interface CleanStats {
  segmentsBefore: number;
  segmentsAfter: number;
  bytesBefore: number;
  bytesAfter: number;
  recordsRead: number;
  recordsKept: number;
  /** Where the next cleaning starts (the new checkpoint). */
  nextDirtyOffset: number;
}

/**
 * The dirty range of `log` (LogCleanerManager.cleanableOffsets): from the checkpoint (reset to the log start when it
 * is outside the log) up to the first segment that holds the active segment's base, the high watermark, or a record
 * younger than min.compaction.lag.ms.
 */
export function cleanableRange(log: PartitionLog, highWatermark: number, now: number): LogToClean {
  const segments = log.segmentList;
  const checkpoint = log.cleanerCheckpoint;
  const firstDirtyOffset =
    checkpoint === null || checkpoint < log.logStartOffset || checkpoint > log.logEndOffset ? log.logStartOffset : checkpoint;
  const active = segments[segments.length - 1]!;
  let bound = Math.min(highWatermark, active.baseOffset);
  const lag = log.config.minCompactionLagMs;
  if (lag > 0) {
    const young = segments.find((s) => s !== active && s.nextOffset > firstDirtyOffset && s.maxTimestamp > now - lag);
    if (young) bound = Math.min(bound, young.baseOffset);
  }
  // whole segments only: the first one that reaches past the bound cannot be cleaned
  const firstUncleanable = segments.find((s) => s === active || s.nextOffset > bound || s.baseOffset >= bound)!.baseOffset;
  let cleanBytes = 0;
  let cleanableBytes = 0;
  for (const s of segments) {
    if (s.baseOffset >= firstUncleanable) break;
    if (s.nextOffset <= firstDirtyOffset) cleanBytes += s.size;
    else cleanableBytes += s.size;
  }
  const total = cleanBytes + cleanableBytes;
  // LogCleanerManager.maxCompactionDelay: the earliest first-batch timestamp among the dirty closed segments
  const firstDirtyTimestamps = segments
    .filter((s) => s !== active && s.nextOffset > firstDirtyOffset && s.rollingBasedTimestamp >= 0)
    .map((s) => s.rollingBasedTimestamp);
  const earliest = firstDirtyTimestamps.length > 0 ? Math.min(...firstDirtyTimestamps) : Number.POSITIVE_INFINITY;
  return {
    needCompactionNow: earliest < now - log.config.maxCompactionLagMs,
    firstDirtyOffset,
    firstUncleanableOffset: Math.max(firstDirtyOffset, firstUncleanable),
    cleanBytes,
    cleanableBytes,
    cleanableRatio: total === 0 ? 0 : cleanableBytes / total,
  };
}

/** Kafka's test in grabFilthiestCompactedLog: something to clean, and dirty enough or waiting too long. */
export function shouldClean(log: PartitionLog, range: LogToClean): boolean {
  return range.cleanableBytes > 0 && (range.needCompactionNow || range.cleanableRatio > log.config.minCleanableDirtyRatio);
}

/** Cleans `log` over `range` (see the module comment). Returns what it did. */
export function cleanLog(log: PartitionLog, range: LogToClean, now: number = Date.now()): CleanStats {
  const before = log.segmentList;
  const stats: CleanStats = {
    segmentsBefore: before.length,
    segmentsAfter: 0,
    bytesBefore: log.sizeBytes,
    bytesAfter: 0,
    recordsRead: 0,
    recordsKept: 0,
    nextDirtyOffset: range.firstDirtyOffset,
  };
  const map = buildOffsetMap(log, range.firstDirtyOffset, range.firstUncleanableOffset);
  if (map.latestOffset < 0) {
    stats.segmentsAfter = before.length;
    stats.bytesAfter = stats.bytesBefore;
    return stats;
  }
  const endOffset = map.latestOffset + 1;
  const toClean = before.filter((s) => s.baseOffset < endOffset && s !== before[before.length - 1]);
  const lastDataOffsets = new Set<number>();
  for (const p of log.producerState.entries()) {
    const last = p.batches[p.batches.length - 1];
    if (last) lastDataOffsets.add(last.lastOffset);
  }
  const filter: Filter = { map, now, deleteRetentionMs: log.config.deleteRetentionMs, endOffset, lastDataOffsets, stats };
  for (const group of groupBySize(toClean, log.config.segmentBytes)) {
    cleanInto(group, filter);
    log.replaceSegments(group);
  }
  log.cleanerCheckpoint = endOffset;
  stats.nextDirtyOffset = endOffset;
  stats.segmentsAfter = log.segmentList.length;
  stats.bytesAfter = log.sizeBytes;
  return stats;
}

// ---------------------------------------------------------------- the offset map

interface OffsetMap {
  /** Key (hex) → offset of its newest record in the dirty section. */
  offsets: Map<string, number>;
  /** The last offset the map covers; records above it are always kept. -1 when nothing was mapped. */
  latestOffset: number;
}

function buildOffsetMap(log: PartitionLog, start: number, end: number): OffsetMap {
  const map: OffsetMap = { offsets: new Map(), latestOffset: -1 };
  const dirty = log.segmentList.filter((s) => s.nextOffset > start && s.baseOffset < end);
  for (let i = 0; i < dirty.length; i++) {
    const seg = dirty[i]!;
    eachBatch(seg, (h, bytes) => {
      const last = h.baseOffset + h.lastOffsetDelta;
      if (last < start) return;
      if ((h.attributes & ATTR_CONTROL) === 0) {
        for (const r of recordsOf(bytes) ?? []) if (r.key !== null && r.offset >= start) map.offsets.set(r.key.toString('hex'), r.offset);
      }
      map.latestOffset = Math.max(map.latestOffset, last);
    });
    // offsets beyond the last batch of a segment (a gap) belong to the map's range too
    map.latestOffset = Math.max(map.latestOffset, (dirty[i + 1]?.baseOffset ?? end) - 1);
  }
  return map;
}

// ---------------------------------------------------------------- grouping and copying

/** Consecutive segments whose sizes add up to at most maxBytes (at least one each), as Kafka's groupSegmentsBySize. */
export function groupBySize(segments: readonly Segment[], maxBytes: number): Segment[][] {
  const groups: Segment[][] = [];
  let group: Segment[] = [];
  let size = 0;
  for (const seg of segments) {
    if (group.length > 0 && size + seg.size > maxBytes) {
      groups.push(group);
      group = [];
      size = 0;
    }
    group.push(seg);
    size += seg.size;
  }
  if (group.length > 0) groups.push(group);
  return groups;
}

interface Filter {
  map: OffsetMap;
  now: number;
  deleteRetentionMs: number;
  /** The end of this cleaning round: its last batch stays, even empty, so the log keeps its last offset. */
  endOffset: number;
  /** The last batch of each idempotent producer stays, even empty, so its sequence numbers survive. */
  lastDataOffsets: Set<number>;
  stats: CleanStats;
}

/** Writes the cleaned copy of `group` to the first segment's file name + CLEANED_SUFFIX. */
function cleanInto(group: readonly Segment[], filter: Filter): void {
  const fd = openSync(group[0]!.file + CLEANED_SUFFIX, 'w');
  let position = 0;
  try {
    for (const seg of group) {
      eachBatch(seg, (h, bytes) => {
        const out = filterBatch(h, bytes, filter);
        if (out) position += writeSync(fd, out, 0, out.length, position);
      });
    }
  } finally {
    closeSync(fd);
  }
}

/** The batch as it is to be kept: the same bytes, a rebuilt batch with fewer records, an empty header, or null. */
function filterBatch(h: BatchHeader, bytes: Buffer, f: Filter): Buffer | null {
  const lastOffset = h.baseOffset + h.lastOffsetDelta;
  if (h.attributes & ATTR_CONTROL) return bytes; // transaction markers: no transactions here to finish
  const records = recordsOf(bytes);
  if (records === null) return bytes; // a codec the broker cannot read: kept whole
  f.stats.recordsRead += records.length;
  const horizonSet = (h.attributes & ATTR_DELETE_HORIZON) !== 0;
  const kept = records.filter((r) => shouldRetainRecord(r, horizonSet ? h.baseTimestamp : null, f));
  f.stats.recordsKept += kept.length;
  if (kept.length === 0) {
    const retainEmpty = (h.producerId >= 0 && f.lastDataOffsets.has(lastOffset)) || lastOffset + 1 === f.endOffset;
    return retainEmpty ? emptyBatch(h) : null;
  }
  const hasTombstone = kept.some((r) => r.value === null);
  const setHorizon = hasTombstone && !horizonSet;
  if (kept.length === records.length && !setHorizon) return bytes;
  const horizon = setHorizon ? f.now + f.deleteRetentionMs : horizonSet ? h.baseTimestamp : -1;
  return rebuildBatch(h, kept, horizon);
}

/** Cleaner.shouldRetainRecord: the newest record of its key, and not a tombstone past its delete horizon. */
function shouldRetainRecord(r: DecodedRecord, deleteHorizon: number | null, f: Filter): boolean {
  if (r.offset > f.map.latestOffset) return true;
  if (r.key === null) return false; // cannot be on a compacted topic; Kafka drops it too
  const newest = f.map.offsets.get(r.key.toString('hex')) ?? -1;
  if (r.offset < newest) return false;
  return r.value !== null || deleteHorizon === null || f.now < deleteHorizon;
}

// ---------------------------------------------------------------- batches

function eachBatch(seg: Segment, visit: (h: BatchHeader, bytes: Buffer) => void): void {
  withReadFd(seg, (fd) => scanBatches(fd, 0, seg.size, SCAN_CHUNK, true, (h, _pos, _size, bytes) => visit(h, Buffer.from(bytes!))));
}

function recordsOf(batch: Buffer): DecodedRecord[] | null {
  try {
    return decodeRecords(batch);
  } catch {
    return null;
  }
}

/** DefaultRecordBatch.writeEmptyHeader: no records, the same offsets, producer fields and max timestamp. */
function emptyBatch(h: BatchHeader): Buffer {
  const attributes = h.attributes & ~ATTR_COMPRESSION_MASK & ~ATTR_DELETE_HORIZON;
  return encodeBatch(h, attributes, h.maxTimestamp, h.maxTimestamp, Buffer.alloc(0), 0);
}

/**
 * The kept records in a batch with the original base and last offset (MemoryRecordsBuilder.overrideLastOffset keeps
 * the producer's last sequence), compression, producer fields and leader epoch. With a delete horizon the base
 * timestamp is the horizon and the records' timestamp deltas are relative to it.
 */
function rebuildBatch(h: BatchHeader, kept: DecodedRecord[], horizon: number): Buffer {
  const logAppendTime = (h.attributes & ATTR_TIMESTAMP_TYPE) !== 0;
  const baseTimestamp = horizon >= 0 ? horizon : kept[0]!.timestamp;
  let maxTimestamp = logAppendTime ? h.maxTimestamp : -1;
  const body = new Writer(64 + kept.length * 32);
  const rec = new Writer(64);
  for (const r of kept) {
    if (!logAppendTime && r.timestamp > maxTimestamp) maxTimestamp = r.timestamp;
    rec.offset = 0;
    rec.int8(r.attributes).varlong(r.timestamp - baseTimestamp).varint(r.offset - h.baseOffset).varintBytes(r.key).varintBytes(r.value);
    rec.varint(r.headers.length);
    for (const header of r.headers) rec.varintBytes(Buffer.from(header.key)).varintBytes(header.value);
    body.varint(rec.offset).raw(rec.finish());
  }
  let payload = body.finish();
  if ((h.attributes & ATTR_COMPRESSION_MASK) === Compression.GZIP) payload = gzipSync(payload);
  const attributes = (h.attributes & ~ATTR_DELETE_HORIZON) | (horizon >= 0 ? ATTR_DELETE_HORIZON : 0);
  return encodeBatch(h, attributes, baseTimestamp, maxTimestamp, payload, kept.length);
}

function encodeBatch(h: BatchHeader, attributes: number, baseTimestamp: number, maxTimestamp: number, payload: Buffer, count: number): Buffer {
  const total = BATCH_HEADER_SIZE + payload.length;
  const w = new Writer(total);
  w.int64(h.baseOffset)
    .int32(total - LOG_OVERHEAD)
    .int32(h.partitionLeaderEpoch)
    .int8(2)
    .uint32(0)
    .int16(attributes)
    .int32(h.lastOffsetDelta)
    .int64(baseTimestamp)
    .int64(maxTimestamp)
    .int64(h.producerId)
    .int16(h.producerEpoch)
    .int32(h.baseSequence)
    .int32(count)
    .raw(payload);
  const out = Buffer.from(w.finish());
  out.writeUInt32BE(crc32c(out, 21, out.length), 17);
  return out;
}
