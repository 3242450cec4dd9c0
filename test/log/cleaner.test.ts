/**
 * The cleaner, case by case after Kafka's LogCleanerTest / LogCleanerManagerTest (core/src/test/scala/unit/kafka/log):
 * real files in a temp dir, batches as bytes, the log read back through PartitionLog.read.
 */
import { copyFileSync, cpSync, existsSync, readdirSync } from 'node:fs';
import { basename, join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { cleanableRange, cleanLog, groupBySize, shouldClean } from '../../src/broker/log/cleaner.js';
import { CLEANED_SUFFIX, PartitionLog, type PartitionLogOptions } from '../../src/broker/log/index.js';
import { ATTR_DELETE_HORIZON, attributes, baseTimestamp, buildBatch, decodeRecords, splitBatches } from '../../src/broker/protocol/record-batch.js';
import { tempDir } from './helpers.js';

let dir: string;
let cleanup: () => void;
const logs: PartitionLog[] = [];
const T0 = 1_700_000_000_000;

beforeEach(() => {
  ({ dir, cleanup } = tempDir());
});
afterEach(() => {
  for (const l of logs.splice(0)) if (!l.isClosed) l.close();
  cleanup();
});

/** Every batch a segment of its own: batches are 1 s apart and segment.ms is 500. */
const COMPACT: PartitionLogOptions = { cleanupPolicy: ['compact'], segmentMs: 500, minCleanableDirtyRatio: 0, deleteRetentionMs: 10_000 };

function open(opts: PartitionLogOptions = COMPACT, sub = 'p-0'): PartitionLog {
  const log = PartitionLog.open(join(dir, sub), opts);
  logs.push(log);
  return log;
}

let clock = T0;
/** Appends one batch of key=value records ("k" alone is a tombstone), 1 s after the previous one. */
function append(log: PartitionLog, ...records: string[]): void {
  clock += 1000;
  const batch = buildBatch(
    records.map((r) => {
      const [key, value] = r.split('=') as [string, string | undefined];
      return { key, value: value ?? null, timestamp: clock };
    }),
  );
  log.appendAsLeader(batch, 0, clock);
}

/** What a consumer reading from the beginning gets: "offset:key=value" ("offset:key" for a tombstone). */
function contents(log: PartitionLog): string[] {
  const out: string[] = [];
  let offset = log.logStartOffset;
  while (offset < log.logEndOffset) {
    const { records, lastOffset } = log.read(offset, 1 << 20);
    if (records.length === 0) break;
    for (const batch of splitBatches(records)) {
      for (const r of decodeRecords(batch)) {
        if (r.offset >= offset) out.push(`${r.offset}:${r.key}${r.value === null ? '' : `=${r.value}`}`);
      }
    }
    offset = lastOffset + 1;
  }
  return out;
}

function clean(log: PartitionLog, now = clock) {
  const range = cleanableRange(log, log.logEndOffset, now);
  return shouldClean(log, range) ? cleanLog(log, range, now) : null;
}

describe('cleaning (LogCleanerTest)', () => {
  it('keeps the newest record per key, with its offset: gaps, not renumbering (testCleanSegments)', () => {
    const log = open();
    for (let i = 0; i < 3; i++) for (const k of ['a', 'b', 'c']) append(log, `${k}=${k}${i}`);
    append(log, 'd=d0'); // the active segment
    expect(log.segmentList.length).toBe(10);
    const stats = clean(log)!;
    expect(stats.recordsKept).toBe(3);
    expect(contents(log)).toEqual(['6:a=a2', '7:b=b2', '8:c=c2', '9:d=d0']);
    expect(log.logStartOffset).toBe(0);
    expect(log.logEndOffset).toBe(10);
    expect(log.cleanerCheckpoint).toBe(9);
    // a fetch inside a gap gets the next batch that is there
    expect(log.read(2, 1 << 20).firstOffset).toBe(6);
  });

  it('never cleans the active segment (testCleaningBeyondActiveSegment)', () => {
    const log = open({ ...COMPACT, segmentMs: 1e9 });
    for (let i = 0; i < 5; i++) append(log, `a=a${i}`);
    expect(log.segmentList.length).toBe(1);
    expect(clean(log)).toBeNull();
    expect(contents(log)).toHaveLength(5);
  });

  it('cleans nothing above the high watermark', () => {
    const log = open();
    for (let i = 0; i < 4; i++) append(log, `a=a${i}`);
    const range = cleanableRange(log, 2, clock);
    expect(range.firstUncleanableOffset).toBe(2);
    cleanLog(log, range, clock);
    expect(contents(log)).toEqual(['1:a=a1', '2:a=a2', '3:a=a3']);
  });

  it('keeps a tombstone until delete.retention.ms after the first cleaning saw it, then removes it (KIP-534)', () => {
    const log = open();
    append(log, 'a=a0', 'b=b0');
    append(log, 'a');
    append(log, 'c=c0');
    clean(log, clock);
    expect(contents(log)).toEqual(['1:b=b0', '2:a', '3:c=c0']);
    const tombstoneBatch = splitBatches(log.read(2, 1 << 20).records)[0]!;
    expect(attributes(tombstoneBatch) & ATTR_DELETE_HORIZON).toBe(ATTR_DELETE_HORIZON);
    expect(baseTimestamp(tombstoneBatch)).toBe(clock + 10_000);
    expect(decodeRecords(tombstoneBatch)[0]!.timestamp).toBe(clock - 1000); // the record keeps its own timestamp
    const horizon = clock + 10_000;
    append(log, 'c=c1');
    append(log, 'd=d0');
    clean(log, horizon - 1);
    expect(contents(log)).toContain('2:a');
    append(log, 'c=c2');
    append(log, 'd=d1');
    clean(log, horizon + 1);
    expect(contents(log)).toEqual(['1:b=b0', '5:d=d0', '6:c=c2', '7:d=d1']); // d1 is in the active segment
  });

  it('keeps the last batch of the round even when empty, so the log keeps its end (testEmptyBatchRemovalWithSequence)', () => {
    const log = open();
    append(log, 'a=a0');
    append(log, 'a=a1');
    append(log, 'b=b0');
    append(log, 'a=a2'); // active
    const range = cleanableRange(log, 4, clock);
    expect(range.firstUncleanableOffset).toBe(3);
    cleanLog(log, range, clock);
    expect(contents(log)).toEqual(['1:a=a1', '2:b=b0', '3:a=a2']);
  });

  it('keeps an idempotent producer\'s last batch as an empty batch so its sequence survives (testRetainsLastBatchOfProducer)', () => {
    const log = open();
    clock += 1000;
    log.appendAsLeader(buildBatch([{ key: 'a', value: 'a0', timestamp: clock }], { producerId: 7, producerEpoch: 0, baseSequence: 0 }), 0, clock);
    append(log, 'a=a1');
    append(log, 'b=b0');
    append(log, 'b=b1');
    append(log, 'z=z0'); // active
    clean(log);
    const batches = splitBatches(log.read(0, 1 << 20).records);
    expect(batches[0]!.readInt32BE(57)).toBe(0); // recordCount 0
    expect(batches[0]!.readBigInt64BE(43)).toBe(7n); // producerId
    expect(contents(log)).toEqual(['1:a=a1', '3:b=b1', '4:z=z0']);
  });

  it('drops records without a key, as Kafka does for such records on a compacted log', () => {
    const log = open();
    clock += 1000;
    log.appendAsLeader(buildBatch([{ key: null, value: 'x', timestamp: clock }, { key: 'a', value: 'a0', timestamp: clock }]), 0, clock);
    append(log, 'b=b0');
    append(log, 'b=b1');
    append(log, 'z=z0'); // active
    clean(log);
    expect(contents(log)).toEqual(['1:a=a0', '3:b=b1', '4:z=z0']);
  });

  it('cleans again from the checkpoint; the clean section is re-copied with the new map (two passes)', () => {
    const log = open();
    append(log, 'a=a0');
    append(log, 'b=b0');
    append(log, 'c=c0');
    clean(log);
    expect(contents(log)).toEqual(['0:a=a0', '1:b=b0', '2:c=c0']);
    append(log, 'a=a1');
    append(log, 'x=x0');
    const range = cleanableRange(log, log.logEndOffset, clock);
    expect(range.firstDirtyOffset).toBe(2);
    cleanLog(log, range, clock);
    expect(contents(log)).toEqual(['1:b=b0', '2:c=c0', '3:a=a1', '4:x=x0']);
  });

  it('groups segments up to segment.bytes into one cleaned segment (testSegmentGrouping)', () => {
    const log = open({ ...COMPACT, segmentBytes: 1024 * 1024 });
    for (let i = 0; i < 6; i++) append(log, `k${i}=v${i}`);
    const sizes = log.segmentList.slice(0, -1);
    expect(groupBySize(sizes, sizes[0]!.size * 2).map((g) => g.length)).toEqual([2, 2, 1]);
    clean(log);
    expect(log.segmentList.length).toBe(2); // one cleaned segment + the active one
    expect(contents(log)).toHaveLength(6);
  });
});

describe('when a log is cleaned (LogCleanerManagerTest)', () => {
  it('a truncation below the checkpoint moves it back: what is appended again is dirty (maybeTruncateCheckpoint)', () => {
    const log = open();
    for (const k of ['a', 'b', 'c', 'd']) append(log, `${k}=${k}0`);
    clean(log);
    expect(log.cleanerCheckpoint).toBe(3);
    log.truncateTo(2);
    expect(log.logEndOffset).toBe(2);
    expect(log.cleanerCheckpoint).toBe(2);
    log.truncateFully(0);
    expect(log.cleanerCheckpoint).toBe(0);
  });

  it('honours min.cleanable.dirty.ratio', () => {
    const log = open({ ...COMPACT, minCleanableDirtyRatio: 0.5 });
    for (let i = 0; i < 4; i++) append(log, `k${i}=v`);
    clean(log);
    append(log, 'k0=w'); // 1 dirty of 5 closed segments after the next roll
    append(log, 'k1=w');
    const range = cleanableRange(log, log.logEndOffset, clock);
    expect(range.cleanableRatio).toBeLessThan(0.5);
    expect(shouldClean(log, range)).toBe(false);
    log.configure({ minCleanableDirtyRatio: 0.1 });
    expect(shouldClean(log, range)).toBe(true);
  });

  it('honours max.compaction.lag.ms: a dirty segment waiting longer is cleaned below the dirty ratio (testMaxCompactionLag)', () => {
    const log = open({ ...COMPACT, minCleanableDirtyRatio: 0.9 });
    for (let i = 0; i < 4; i++) append(log, `k${i}=v`);
    clean(log); // 100% dirty: cleaned
    append(log, 'k0=w');
    append(log, 'k1=w');
    expect(clean(log)).toBeNull(); // 1 of 5 closed segments dirty: below 0.9
    log.configure({ maxCompactionLagMs: 1500 });
    expect(clean(log, clock + 1000)).not.toBeNull(); // k0=w was written 2 s before clock: over the lag
    expect(contents(log)).toEqual(['1:k1=v', '2:k2=v', '3:k3=v', '4:k0=w', '5:k1=w']);
  });

  it('honours min.compaction.lag.ms: segments with younger records stay dirty (testMinCompactionLag)', () => {
    const log = open({ ...COMPACT, minCompactionLagMs: 2500 });
    for (let i = 0; i < 5; i++) append(log, `a=a${i}`);
    const range = cleanableRange(log, log.logEndOffset, clock);
    // records of offsets 2 and 3 are 2 s and 1 s old: not yet cleanable
    expect(range.firstUncleanableOffset).toBe(2);
    cleanLog(log, range, clock);
    expect(contents(log)).toEqual(['1:a=a1', '2:a=a2', '3:a=a3', '4:a=a4']);
  });

  it('does not clean a log whose policy is delete', () => {
    const log = open({ ...COMPACT, cleanupPolicy: ['delete'] });
    for (let i = 0; i < 4; i++) append(log, `a=a${i}`);
    expect(log.config.cleanupPolicy).toEqual(['delete']);
  });

  it('retention leaves a compact-only log alone; compact,delete lets it delete old segments', () => {
    const log = open({ ...COMPACT, retentionMs: 1 });
    for (let i = 0; i < 4; i++) append(log, `a=a${i}`);
    expect(log.enforceRetention(clock + 10_000)).toBe(0);
    log.configure({ cleanupPolicy: ['compact', 'delete'] });
    log.highWatermarkCheckpoint = log.logEndOffset;
    expect(log.enforceRetention(clock + 10_000)).toBeGreaterThan(0);
  });
});

describe('segments roll by segment.ms', () => {
  it('rolls when a batch is more than segment.ms newer than the segment\'s first batch', () => {
    const log = open({ segmentMs: 1500 });
    append(log, 'a=1');
    append(log, 'a=2'); // 1 s later: same segment
    append(log, 'a=3'); // 2 s after the first: a new segment
    expect(log.segmentBaseOffsets).toEqual([0, 2]);
  });
});

describe('crash safety (testRecoveryAfterCrash)', () => {
  function dirtyLog(): PartitionLog {
    const log = open();
    for (let i = 0; i < 3; i++) for (const k of ['a', 'b']) append(log, `${k}=${k}${i}`);
    append(log, 'z=z0');
    return log;
  }

  it('a .cleaned file left by a crash is deleted at open; the log is as before the cleaning', () => {
    const log = dirtyLog();
    const before = contents(log);
    const first = log.segmentList[0]!.file;
    copyFileSync(first, first + CLEANED_SUFFIX);
    log.close();
    const again = open();
    expect(readdirSync(join(dir, 'p-0')).some((f) => f.endsWith(CLEANED_SUFFIX))).toBe(false);
    expect(contents(again)).toEqual(before);
  });

  it('a .swap file left by a crash replaces the segments in its offset range at open', () => {
    dirtyLog().close();
    cpSync(join(dir, 'p-0'), join(dir, 'p-1'), { recursive: true });
    const cleanedCopy = open(COMPACT, 'p-1');
    clean(cleanedCopy);
    const expected = contents(cleanedCopy);
    const cleanedFile = cleanedCopy.segmentList[0]!.file;
    cleanedCopy.close();
    // the crash: the cleaned segment renamed to .swap, the segments it replaces not yet deleted
    const original = join(dir, 'p-0', basename(cleanedFile));
    copyFileSync(cleanedFile, original + '.swap');
    expect(existsSync(original)).toBe(true);
    const recovered = open();
    expect(recovered.recoveryNotes.some((n) => n.includes('swapping in'))).toBe(true);
    expect(readdirSync(join(dir, 'p-0')).filter((f) => f.endsWith('.swap'))).toEqual([]);
    expect(contents(recovered)).toEqual(expected);
  });
});

describe('replicas', () => {
  it('a follower appends the leader\'s cleaned batches across the gaps', () => {
    const leader = open();
    for (let i = 0; i < 3; i++) append(leader, `a=a${i}`, `b=b${i}`);
    append(leader, 'c=c0');
    clean(leader);
    const follower = open({}, 'follower');
    let offset = 0;
    while (follower.logEndOffset < leader.logEndOffset) {
      const { records } = leader.read(offset, 1 << 20);
      follower.appendAsFollower(records);
      offset = follower.logEndOffset;
    }
    expect(contents(follower)).toEqual(contents(leader));
    expect(follower.logEndOffset).toBe(leader.logEndOffset);
  });
});
