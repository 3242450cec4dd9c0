import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { LogAppendError, OffsetOutOfRangeError, PartitionLog, type PartitionLogOptions } from '../../src/broker/log/index.js';
import { batchOf, buildBatch, parseBatches, tempDir } from './helpers.js';

let dir: string;
let cleanup: () => void;
const logs: PartitionLog[] = [];

beforeEach(() => {
  ({ dir, cleanup } = tempDir());
});
afterEach(() => {
  for (const l of logs.splice(0)) if (!l.isClosed) l.close();
  cleanup();
});

function open(opts: PartitionLogOptions = {}, sub = 'p-0'): PartitionLog {
  const log = PartitionLog.open(join(dir, sub), opts);
  logs.push(log);
  return log;
}

/** Appends batches of the given record counts; returns their [base, last] offsets. */
function appendCounts(log: PartitionLog, counts: number[], epoch = 0): [number, number][] {
  return counts.map((n, i) => {
    const r = log.appendAsLeader(batchOf(n, `b${i}`), epoch);
    return [r.baseOffset, r.lastOffset];
  });
}

describe('append and read', () => {
  it('assigns offsets, patches baseOffset and epoch, stores bytes verbatim', () => {
    const log = open();
    const b1 = batchOf(3);
    const original = Buffer.from(b1);
    expect(log.appendAsLeader(b1, 7)).toEqual({ baseOffset: 0, lastOffset: 2, logAppendTime: -1 });
    expect(log.appendAsLeader(batchOf(2), 7)).toEqual({ baseOffset: 3, lastOffset: 4, logAppendTime: -1 });
    expect(log.logEndOffset).toBe(5);
    expect(log.logStartOffset).toBe(0);
    const { records } = log.read(0, 1 << 20);
    const batches = parseBatches(records);
    expect(batches.map((b) => [b.baseOffset, b.lastOffset, b.partitionLeaderEpoch])).toEqual([
      [0, 2, 7],
      [3, 4, 7],
    ]);
    // only baseOffset (0..7) and partitionLeaderEpoch (12..15) differ from what the producer sent
    expect(records.subarray(16, b1.length).equals(original.subarray(16))).toBe(true);
    expect(records.subarray(0, b1.length).equals(b1)).toBe(true);
  });

  it('does not keep a reference to appended buffers (reads come from disk)', () => {
    const log = open();
    const b = batchOf(2);
    log.appendAsLeader(b, 0);
    const copy = Buffer.from(b);
    b.fill(0);
    expect(log.read(0, 1000).records.equals(copy)).toBe(true);
  });

  it('reads from the batch containing the fetch offset, at every offset', () => {
    const log = open({ segmentBytes: 600, indexIntervalBytes: 150 });
    const ranges = appendCounts(log, [1, 5, 2, 7, 1, 3, 4, 1, 6, 2, 9, 1]);
    const leo = log.logEndOffset;
    expect(leo).toBe(42);
    expect(log.segmentBaseOffsets.length).toBeGreaterThan(2);
    for (let off = 0; off < leo; off++) {
      const { records, firstOffset } = log.read(off, 1);
      const batches = parseBatches(records);
      expect(batches).toHaveLength(1);
      const containing = ranges.find(([b, l]) => b <= off && off <= l)!;
      expect([batches[0]!.baseOffset, batches[0]!.lastOffset]).toEqual(containing);
      expect(firstOffset).toBe(containing[0]);
    }
    expect(log.read(leo, 1000).records.length).toBe(0);
  });

  it('offset in the middle of a multi-record batch returns that whole batch', () => {
    const log = open();
    appendCounts(log, [10, 10]);
    const batches = parseBatches(log.read(15, 1 << 20).records);
    expect(batches.map((b) => b.baseOffset)).toEqual([10]);
    expect(batches[0]!.lastOffset).toBe(19);
  });

  it('maxBytes: at least one whole batch even when larger, then whole batches within the limit', () => {
    const log = open();
    appendCounts(log, [20, 1, 1, 1]);
    const sizes = parseBatches(log.read(0, 1 << 20).records).map((b) => b.size);
    expect(sizes).toHaveLength(4);
    expect(parseBatches(log.read(0, 10).records)).toHaveLength(1); // KIP-74
    expect(parseBatches(log.read(0, sizes[0]! + sizes[1]!).records)).toHaveLength(2);
    expect(parseBatches(log.read(0, sizes[0]! + sizes[1]! + sizes[2]! - 1).records)).toHaveLength(2);
    expect(parseBatches(log.read(20, 0).records).map((b) => b.baseOffset)).toEqual([20]);
  });

  it('maxOffset (high watermark) bounds the read, never returning batches at or past it', () => {
    const log = open();
    appendCounts(log, [3, 3, 3]); // 0-2, 3-5, 6-8
    expect(parseBatches(log.read(0, 1 << 20, 6).records).map((b) => b.baseOffset)).toEqual([0, 3]);
    expect(parseBatches(log.read(4, 1 << 20, 6).records).map((b) => b.baseOffset)).toEqual([3]);
    expect(log.read(6, 1 << 20, 6).records.length).toBe(0);
    expect(log.read(0, 1 << 20, 0).records.length).toBe(0);
    // a batch straddling maxOffset is not returned
    expect(parseBatches(log.read(0, 1 << 20, 5).records).map((b) => b.baseOffset)).toEqual([0]);
  });

  it('reads across segments: one segment per call, the next call continues', () => {
    const log = open({ segmentBytes: 400 });
    appendCounts(log, Array.from({ length: 30 }, () => 2));
    expect(log.segmentBaseOffsets.length).toBeGreaterThan(3);
    const seen: number[] = [];
    let next = 0;
    while (next < log.logEndOffset) {
      const batches = parseBatches(log.read(next, 1 << 20).records);
      expect(batches.length).toBeGreaterThan(0);
      for (const b of batches) seen.push(b.baseOffset);
      next = batches[batches.length - 1]!.lastOffset + 1;
    }
    expect(seen).toEqual(Array.from({ length: 30 }, (_, i) => i * 2));
    const files = readdirSync(join(dir, 'p-0')).filter((f) => f.endsWith('.log'));
    expect(files[0]).toBe('00000000000000000000.log');
    expect(files).toHaveLength(log.segmentBaseOffsets.length);
  });

  it('rejects reads outside [logStartOffset, logEndOffset]', () => {
    const log = open();
    appendCounts(log, [5]);
    expect(() => log.read(6, 100)).toThrow(OffsetOutOfRangeError);
    expect(() => log.read(-1, 100)).toThrow(OffsetOutOfRangeError);
    try {
      log.read(9, 100);
    } catch (e) {
      expect((e as OffsetOutOfRangeError).code).toBe(1);
    }
  });

  it('rejects malformed leader appends', () => {
    const log = open();
    const b = batchOf(2);
    expect(() => log.appendAsLeader(Buffer.concat([b, b]), 0)).toThrow(LogAppendError);
    expect(() => log.appendAsLeader(b.subarray(0, 30), 0)).toThrow(LogAppendError);
    const bad = Buffer.from(b);
    bad.writeInt8(1, 16);
    expect(() => log.appendAsLeader(bad, 0)).toThrow(/magic/);
    expect(log.logEndOffset).toBe(0);
  });

  it('stamps LogAppendTime and keeps the CRC valid', () => {
    const log = open({ timestampType: 'LogAppendTime' });
    const r = log.appendAsLeader(batchOf(2), 0, 1_800_000_000_000);
    expect(r.logAppendTime).toBe(1_800_000_000_000);
    const records = log.read(0, 1000).records;
    parseBatches(records); // checks CRC
    expect(records.readInt16BE(21) & 8).toBe(8);
    expect(Number(records.readBigInt64BE(35))).toBe(1_800_000_000_000);
  });

  it('stores gzip batches compressed, as sent', () => {
    const log = open();
    const b = buildBatch(['a', 'b', 'c'], { gzip: true });
    log.appendAsLeader(b, 0);
    const { records } = log.read(1, 1000);
    expect(records.equals(b)).toBe(true);
    expect(records.readInt16BE(21) & 7).toBe(1);
  });
});

describe('follower appends', () => {
  it('copies leader batches verbatim and rejects ones below the log end (gaps are what compaction leaves)', () => {
    const leader = open({}, 'leader');
    const follower = open({ segmentBytes: 300 }, 'follower');
    appendCounts(leader, [2, 3, 1, 4], 3);
    const r = follower.appendAsFollower(leader.read(0, 1 << 20).records, 0);
    expect(r).toEqual({ firstOffset: 0, lastOffset: 9 });
    expect(follower.logEndOffset).toBe(10);
    expect(follower.latestEpoch()).toBe(3);
    expect(follower.read(0, 1 << 20).records.equals(leader.read(0, 1 << 20).records.subarray(0, follower.read(0, 1 << 20).records.length))).toBe(true);
    appendCounts(leader, [2]);
    const gapped = leader.read(10, 100).records;
    expect(() => follower.appendAsFollower(leader.read(5, 100).records)).toThrow(/below the log end offset/);
    expect(() => follower.appendAsFollower(gapped, 9)).toThrow(LogAppendError);
    follower.appendAsFollower(gapped);
    expect(follower.logEndOffset).toBe(12);
    expect(follower.appendAsFollower(Buffer.alloc(0))).toEqual({ firstOffset: -1, lastOffset: -1 });
  });
});

describe('retention and DeleteRecords', () => {
  it('retention.bytes deletes whole old segments below the high watermark and advances logStartOffset', () => {
    const log = open({ segmentBytes: 500, retentionBytes: 1000, retentionMs: -1 });
    appendCounts(log, Array.from({ length: 40 }, () => 1));
    const segmentsBefore = log.segmentBaseOffsets;
    expect(segmentsBefore.length).toBeGreaterThan(4);
    log.highWatermarkCheckpoint = 0;
    expect(log.enforceRetention()).toBe(0); // nothing below the HW
    log.highWatermarkCheckpoint = log.logEndOffset;
    const deleted = log.enforceRetention();
    expect(deleted).toBeGreaterThan(0);
    expect(log.sizeBytes).toBeGreaterThanOrEqual(1000 - 500);
    expect(log.sizeBytes).toBeLessThan(1000 + 500);
    expect(log.logStartOffset).toBe(log.segmentBaseOffsets[0]);
    expect(log.segmentBaseOffsets).toEqual(segmentsBefore.slice(deleted));
    expect(() => log.read(0, 100)).toThrow(OffsetOutOfRangeError);
    expect(parseBatches(log.read(log.logStartOffset, 100).records)[0]!.baseOffset).toBe(log.logStartOffset);
    const files = readdirSync(join(dir, 'p-0')).filter((f) => f.endsWith('.log'));
    expect(files).toHaveLength(log.segmentBaseOffsets.length);
  });

  it('retention.ms deletes segments whose newest batch is older than the limit, even the active one', () => {
    const log = open({ segmentBytes: 300, retentionMs: 1000 });
    for (let i = 0; i < 10; i++) log.appendAsLeader(batchOf(1, 'x', { baseTimestamp: 10_000 + i * 100 }), 0);
    log.highWatermarkCheckpoint = log.logEndOffset;
    const segs = log.segmentBaseOffsets.length;
    expect(log.enforceRetention(10_000 + 500)).toBe(0);
    const deleted = log.enforceRetention(10_000 + 1000 + 450);
    expect(deleted).toBeGreaterThan(0);
    expect(deleted).toBeLessThan(segs);
    expect(log.enforceRetention(1e9)).toBe(segs - deleted);
    expect(log.logStartOffset).toBe(10);
    expect(log.logEndOffset).toBe(10);
    expect(log.read(10, 100).records.length).toBe(0);
    expect(log.appendAsLeader(batchOf(1), 0).baseOffset).toBe(10);
  });

  it('deleteRecordsBefore advances logStartOffset inside a batch and drops whole segments', () => {
    const log = open({ segmentBytes: 400 });
    appendCounts(log, Array.from({ length: 20 }, () => 3)); // batches of 3
    const firstSegments = log.segmentBaseOffsets;
    expect(log.deleteRecordsBefore(31)).toBe(31);
    expect(log.logStartOffset).toBe(31);
    expect(log.segmentBaseOffsets[0]).toBeLessThanOrEqual(31);
    expect(log.segmentBaseOffsets.length).toBeLessThan(firstSegments.length);
    // the batch 30-32 is still served from 31
    expect(parseBatches(log.read(31, 1).records)[0]!.baseOffset).toBe(30);
    expect(() => log.read(30, 1)).toThrow(OffsetOutOfRangeError);
    expect(log.deleteRecordsBefore(5)).toBe(31); // never moves back
    expect(() => log.deleteRecordsBefore(61)).toThrow(OffsetOutOfRangeError);
    expect(log.deleteRecordsBefore(60)).toBe(60);
    expect(log.read(60, 10).records.length).toBe(0);
    expect(log.appendAsLeader(batchOf(1), 0).baseOffset).toBe(60);
    log.close();
    const again = open({ segmentBytes: 400 });
    expect(again.logStartOffset).toBe(60);
    expect(again.logEndOffset).toBe(61);
  });
});

describe('truncation', () => {
  it('truncateTo drops everything at or after the offset at a batch boundary, then appends continue', () => {
    const log = open({ segmentBytes: 300 });
    appendCounts(log, Array.from({ length: 20 }, () => 2), 1); // 0-1, 2-3, ...
    log.highWatermarkCheckpoint = 40;
    log.truncateTo(40); // no-op
    expect(log.logEndOffset).toBe(40);
    log.truncateTo(21); // inside batch 20-21: dropped whole
    expect(log.logEndOffset).toBe(20);
    expect(log.highWatermarkCheckpoint).toBe(20);
    expect(log.segmentBaseOffsets.every((b) => b <= 20)).toBe(true);
    expect(() => log.read(21, 100)).toThrow(OffsetOutOfRangeError);
    expect(log.read(20, 100).records.length).toBe(0);
    const r = log.appendAsLeader(batchOf(3), 2);
    expect(r.baseOffset).toBe(20);
    expect(parseBatches(log.read(19, 1 << 20).records).map((b) => b.baseOffset)).toEqual([18, 20]);
    expect(log.endOffsetForEpoch(1)).toEqual({ epoch: 1, endOffset: 20 });
    log.truncateTo(6); // exactly at a boundary
    expect(log.logEndOffset).toBe(6);
    expect(log.latestEpoch()).toBe(1);
    log.close();
    const again = open({ segmentBytes: 300 });
    expect(again.logEndOffset).toBe(6);
    expect(parseBatches(again.read(0, 1 << 20).records).map((b) => b.baseOffset)).toEqual([0, 2, 4]);
  });

  it('truncateTo the first segment base empties it', () => {
    const log = open();
    appendCounts(log, [3, 3]);
    log.truncateTo(0);
    expect(log.logEndOffset).toBe(0);
    expect(log.read(0, 100).records.length).toBe(0);
    expect(log.appendAsLeader(batchOf(1), 0).baseOffset).toBe(0);
  });

  it('truncateFully restarts the log empty at a new offset', () => {
    const log = open({ segmentBytes: 300 });
    appendCounts(log, Array.from({ length: 10 }, () => 2), 4);
    log.truncateFully(500);
    expect([log.logStartOffset, log.logEndOffset, log.highWatermarkCheckpoint]).toEqual([500, 500, 500]);
    expect(log.latestEpoch()).toBeNull();
    expect(log.segmentBaseOffsets).toEqual([500]);
    expect(log.appendAsLeader(batchOf(2), 5).baseOffset).toBe(500);
    log.close();
    const again = open();
    expect([again.logStartOffset, again.logEndOffset]).toEqual([500, 502]);
    expect(readdirSync(join(dir, 'p-0')).filter((f) => f.endsWith('.log'))).toEqual(['00000000000000000500.log']);
  });
});

describe('offsetForTimestamp', () => {
  it('finds the first record with timestamp >= ts (exact inside uncompressed and gzip batches)', () => {
    const log = open({ segmentBytes: 400, indexIntervalBytes: 100 });
    let t = 1000;
    for (let i = 0; i < 20; i++) {
      const recs = [0, 1, 2].map((k) => ({ value: `r${i}-${k}`, timestamp: t + k * 10 }));
      log.appendAsLeader(buildBatch(recs, { baseTimestamp: t, gzip: i % 2 === 1 }), 0);
      t += 100;
    }
    // batch i has records at 1000+100i, +10, +20 with offsets 3i..3i+2
    expect(log.offsetForTimestamp(0)).toEqual({ offset: 0, timestamp: 1000 });
    expect(log.offsetForTimestamp(1000)).toEqual({ offset: 0, timestamp: 1000 });
    expect(log.offsetForTimestamp(1001)).toEqual({ offset: 1, timestamp: 1010 });
    expect(log.offsetForTimestamp(1515)).toEqual({ offset: 17, timestamp: 1520 }); // gzip batch 5
    expect(log.offsetForTimestamp(1521)).toEqual({ offset: 18, timestamp: 1600 });
    expect(log.offsetForTimestamp(2920)).toEqual({ offset: 59, timestamp: 2920 });
    expect(log.offsetForTimestamp(2921)).toEqual({ offset: -1, timestamp: -1 });
    expect(log.offsetForTimestamp(1521, 18)).toEqual({ offset: -1, timestamp: -1 }); // bounded by maxOffset
    log.deleteRecordsBefore(31);
    expect(log.offsetForTimestamp(0)).toEqual({ offset: 31, timestamp: 2010 });
  });

  it('handles out-of-order timestamps across batches', () => {
    const log = open({ indexIntervalBytes: 1 });
    for (const ts of [5000, 1000, 7000, 2000]) log.appendAsLeader(buildBatch(['x'], { baseTimestamp: ts }), 0);
    expect(log.offsetForTimestamp(1500).offset).toBe(0);
    expect(log.offsetForTimestamp(6000).offset).toBe(2);
    expect(log.offsetForTimestamp(7001).offset).toBe(-1);
  });
});

describe('high watermark checkpoint', () => {
  it('is persisted (throttled, and on close) and restored on reopen', () => {
    const log = open({ hwCheckpointIntervalMs: 60_000 });
    appendCounts(log, [5, 5]);
    expect(log.highWatermarkCheckpoint).toBe(0);
    log.highWatermarkCheckpoint = 3; // first write goes straight out
    expect(readFileSync(join(dir, 'p-0', 'hw-checkpoint'), 'utf8').trim()).toBe('3');
    log.highWatermarkCheckpoint = 7; // throttled
    expect(readFileSync(join(dir, 'p-0', 'hw-checkpoint'), 'utf8').trim()).toBe('3');
    log.close();
    expect(readFileSync(join(dir, 'p-0', 'hw-checkpoint'), 'utf8').trim()).toBe('7');
    expect(open().highWatermarkCheckpoint).toBe(7);
  });
});

describe('lifecycle', () => {
  it('reopen after close restores offsets, data, epochs and index', () => {
    const opts = { segmentBytes: 500, indexIntervalBytes: 100 };
    const log = open(opts);
    appendCounts(log, Array.from({ length: 30 }, (_, i) => 1 + (i % 4)), 2);
    appendCounts(log, [3, 3], 5);
    const before = { leo: log.logEndOffset, segs: log.segmentBaseOffsets, stats: log.stats(), all: log.read(0, 1 << 30).records };
    log.close();
    expect(() => log.read(0, 1)).toThrow(/closed/);
    const again = open(opts);
    expect(again.recoveryNotes).toEqual([]);
    expect(again.logEndOffset).toBe(before.leo);
    expect(again.segmentBaseOffsets).toEqual(before.segs);
    expect(again.stats()).toEqual(before.stats);
    expect(again.read(0, 1 << 30).records.equals(before.all)).toBe(true);
    expect(again.epochCache.all).toEqual([
      { epoch: 2, startOffset: 0 },
      { epoch: 5, startOffset: before.leo - 6 },
    ]);
    expect(again.appendAsLeader(batchOf(1), 5).baseOffset).toBe(before.leo);
  });

  it('delete() removes the directory', () => {
    const log = open();
    appendCounts(log, [1]);
    log.delete();
    expect(readdirSync(dir)).toEqual([]);
  });
});
