import { appendFileSync, existsSync, readdirSync, readFileSync, statSync, truncateSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { PartitionLog, type PartitionLogOptions } from '../../src/broker/log/index.js';
import { batchOf, buildBatch, parseBatches, tempDir } from './helpers.js';

let dir: string;
let cleanup: () => void;
let logDir: string;
const logs: PartitionLog[] = [];

beforeEach(() => {
  ({ dir, cleanup } = tempDir());
  logDir = join(dir, 't-0');
});
afterEach(() => {
  for (const l of logs.splice(0)) if (!l.isClosed) l.close();
  cleanup();
});

function open(opts: PartitionLogOptions = {}): PartitionLog {
  const log = PartitionLog.open(logDir, opts);
  logs.push(log);
  return log;
}

/** kill -9: the log is abandoned (no clean-shutdown marker, no snapshots, no last HW write). */
function kill(log: PartitionLog): void {
  log.abandon();
}

function lastSegmentFile(): string {
  const files = readdirSync(logDir).filter((f) => f.endsWith('.log')).sort();
  return join(logDir, files[files.length - 1]!);
}

function fill(log: PartitionLog, n: number): void {
  for (let i = 0; i < n; i++) log.appendAsLeader(batchOf(1 + (i % 3), `m${i}`), 1);
}

describe('recovery on open', () => {
  it('a clean close reopens without cutting anything', () => {
    const log = open({ segmentBytes: 400 });
    fill(log, 20);
    const leo = log.logEndOffset;
    log.close();
    expect(existsSync(join(logDir, '.clean-shutdown'))).toBe(true);
    const again = open({ segmentBytes: 400 });
    expect(again.recoveryNotes).toEqual([]);
    expect(again.logEndOffset).toBe(leo);
    expect(existsSync(join(logDir, '.clean-shutdown'))).toBe(false); // a crash after this open is not "clean"
  });

  it('truncates half a batch left at the tail by a killed process', () => {
    const log = open({ segmentBytes: 400 });
    fill(log, 20);
    const leo = log.logEndOffset;
    const all = log.read(0, 1 << 30).records.length;
    kill(log);
    const file = lastSegmentFile();
    const sizeBefore = statSync(file).size;
    appendFileSync(file, batchOf(5, 'torn').subarray(0, 40));
    const again = open({ segmentBytes: 400 });
    expect(again.logEndOffset).toBe(leo);
    expect(again.recoveryNotes.join()).toMatch(/cut at byte/);
    expect(statSync(file).size).toBe(sizeBefore);
    expect(again.appendAsLeader(batchOf(1), 1).baseOffset).toBe(leo);
    let total = 0;
    let next = 0;
    while (next < again.logEndOffset) {
      const batches = parseBatches(again.read(next, 1 << 30).records);
      total += batches.reduce((s, b) => s + b.size, 0);
      next = batches[batches.length - 1]!.lastOffset + 1;
    }
    expect(total).toBeGreaterThan(all);
  });

  it('truncates a whole-looking trailing batch whose CRC fails', () => {
    const log = open();
    fill(log, 5);
    const leo = log.logEndOffset;
    kill(log);
    const bad = batchOf(2, 'bad', { baseOffset: leo });
    bad[bad.length - 1] ^= 0xff; // corrupt the payload, header still plausible
    appendFileSync(lastSegmentFile(), bad);
    const again = open();
    expect(again.logEndOffset).toBe(leo);
    expect(again.recoveryNotes.join()).toMatch(/CRC/);
  });

  it('truncates garbage appended after a clean close (size differs from the clean marker)', () => {
    const log = open();
    fill(log, 5);
    const leo = log.logEndOffset;
    log.close();
    appendFileSync(lastSegmentFile(), Buffer.from('this is not a record batch at all, just some garbage bytes appended to the file'));
    const again = open();
    expect(again.logEndOffset).toBe(leo);
    expect(again.recoveryNotes.length).toBeGreaterThan(0);
  });

  it('a batch whose offset goes back at the tail is cut', () => {
    const log = open();
    fill(log, 5);
    const leo = log.logEndOffset;
    kill(log);
    appendFileSync(lastSegmentFile(), batchOf(1, 'x', { baseOffset: leo - 1 }));
    expect(open().logEndOffset).toBe(leo);
  });

  it('a batch after a gap in offsets is kept: a follower copies gaps from a compacted leader', () => {
    const log = open();
    fill(log, 5);
    const leo = log.logEndOffset;
    kill(log);
    appendFileSync(lastSegmentFile(), batchOf(1, 'x', { baseOffset: leo + 10 }));
    expect(open().logEndOffset).toBe(leo + 11);
  });

  it('a segment torn in the middle of the log drops the segments after it', () => {
    const log = open({ segmentBytes: 300 });
    fill(log, 30);
    const bases = log.segmentBaseOffsets;
    kill(log);
    const second = join(logDir, `${String(bases[1]).padStart(20, '0')}.log`);
    truncateSync(second, statSync(second).size - 10);
    const again = open({ segmentBytes: 300 });
    expect(again.segmentBaseOffsets).toEqual(bases.slice(0, 2));
    expect(again.logEndOffset).toBeLessThan(bases[2]!);
    expect(again.logEndOffset).toBeGreaterThan(bases[1]!);
    expect(again.appendAsLeader(batchOf(1), 2).baseOffset).toBe(again.logEndOffset - 1);
  });

  it('after a crash, the epoch cache, producer state and HW are rebuilt from what is on disk', () => {
    const log = open();
    log.appendAsLeader(batchOf(2), 1);
    log.appendAsLeader(buildBatch(['a'], { producerId: 9, producerEpoch: 0, baseSequence: 0 }), 2);
    log.highWatermarkCheckpoint = 3;
    log.appendAsLeader(buildBatch(['b', 'c'], { producerId: 9, producerEpoch: 0, baseSequence: 1 }), 3);
    kill(log);
    // torn tail: the last batch (epoch 3, seq 1-2) is half written
    const file = lastSegmentFile();
    truncateSync(file, statSync(file).size - 5);
    const again = open();
    expect(again.logEndOffset).toBe(3);
    expect(again.epochCache.all).toEqual([
      { epoch: 1, startOffset: 0 },
      { epoch: 2, startOffset: 2 },
    ]);
    expect(readFileSync(join(logDir, 'leader-epoch-checkpoint'), 'utf8')).toBe('0\n2\n1 0\n2 2\n');
    expect(again.highWatermarkCheckpoint).toBe(3);
    expect(again.producerState.get(9)?.batches).toEqual([{ firstSeq: 0, lastSeq: 0, baseOffset: 2, lastOffset: 2 }]);
    // the retried batch (seq 1-2) is accepted again, not a duplicate
    expect(again.checkProducer(buildBatch(['b', 'c'], { producerId: 9, producerEpoch: 0, baseSequence: 1 }))).toEqual({ kind: 'ok' });
  });

  it('the HW restored after a crash is clamped to the recovered log end', () => {
    const log = open();
    fill(log, 3);
    log.highWatermarkCheckpoint = log.logEndOffset;
    kill(log);
    const file = lastSegmentFile();
    truncateSync(file, statSync(file).size - 1);
    const again = open();
    expect(again.highWatermarkCheckpoint).toBe(again.logEndOffset);
  });

  it('a killed log leaves what a SIGKILL leaves: a stale HW checkpoint, no producer snapshot, no clean marker', () => {
    const log = open({ hwCheckpointIntervalMs: 60_000 });
    log.appendAsLeader(buildBatch(['a'], { producerId: 5, producerEpoch: 0, baseSequence: 0 }), 1);
    log.highWatermarkCheckpoint = 1; // the first write goes to disk at once, later ones wait for the interval
    log.appendAsLeader(buildBatch(['b'], { producerId: 5, producerEpoch: 0, baseSequence: 1 }), 1);
    log.highWatermarkCheckpoint = 2;
    kill(log);
    expect(readdirSync(logDir).filter((f) => !f.endsWith('.log'))).not.toContain('.clean-shutdown');
    expect(existsSync(join(logDir, 'producer-snapshot.json'))).toBe(false);
    expect(readFileSync(join(logDir, 'hw-checkpoint'), 'utf8').trim()).toBe('1');
    const again = open();
    expect(again.logEndOffset).toBe(2);
    expect(again.highWatermarkCheckpoint).toBe(1); // stale: the leader's view comes back through replication
    // producer state rebuilt from the log: the retried batch is still a duplicate
    expect(again.checkProducer(buildBatch(['b'], { producerId: 5, producerEpoch: 0, baseSequence: 1 }))).toMatchObject({ kind: 'duplicate' });
  });

  it('a clean close writes the last HW, the producer snapshot and the clean marker', () => {
    const log = open({ hwCheckpointIntervalMs: 60_000 });
    log.appendAsLeader(batchOf(1), 1);
    log.highWatermarkCheckpoint = 1;
    log.appendAsLeader(batchOf(1), 1);
    log.highWatermarkCheckpoint = 2;
    log.close();
    expect(existsSync(join(logDir, '.clean-shutdown'))).toBe(true);
    expect(existsSync(join(logDir, 'producer-snapshot.json'))).toBe(true);
    expect(readFileSync(join(logDir, 'hw-checkpoint'), 'utf8').trim()).toBe('2');
  });

  it('an empty directory, or a missing directory, opens as an empty log', () => {
    const log = open();
    expect([log.logStartOffset, log.logEndOffset, log.highWatermarkCheckpoint]).toEqual([0, 0, 0]);
    expect(log.read(0, 100).records.length).toBe(0);
    expect(log.latestEpoch()).toBeNull();
    writeFileSync(join(logDir, 'stray.tmp'), 'x');
    log.close();
    open();
    expect(existsSync(join(logDir, 'stray.tmp'))).toBe(false);
  });
});
