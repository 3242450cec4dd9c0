import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { incrementSequence, PartitionLog, ProducerStateManager } from '../../src/broker/log/index.js';
import { buildBatch, tempDir } from './helpers.js';

const INT32_MAX = 2147483647;
const info = (producerId: number, producerEpoch: number, baseSequence: number, records = 1) => ({
  producerId,
  producerEpoch,
  baseSequence,
  lastOffsetDelta: records - 1,
});

describe('ProducerStateManager', () => {
  it('accepts anything from an unknown producer (KIP-360) and non-idempotent batches', () => {
    const s = new ProducerStateManager();
    expect(s.check(info(-1, -1, -1))).toEqual({ kind: 'ok' });
    expect(s.check(info(7, 0, 42))).toEqual({ kind: 'ok' });
    s.update(info(-1, -1, -1), 0);
    expect(s.size).toBe(0);
  });

  it('in-sequence ok, duplicates answered with the original offsets, gaps are 45', () => {
    const s = new ProducerStateManager();
    s.update(info(7, 0, 0, 3), 100); // seq 0-2 at 100-102
    s.update(info(7, 0, 3, 2), 110); // seq 3-4 at 110-111
    expect(s.check(info(7, 0, 5))).toEqual({ kind: 'ok' });
    expect(s.check(info(7, 0, 0, 3))).toEqual({ kind: 'duplicate', baseOffset: 100, lastOffset: 102 });
    expect(s.check(info(7, 0, 3, 2))).toEqual({ kind: 'duplicate', baseOffset: 110, lastOffset: 111 });
    expect(s.check(info(7, 0, 6))).toMatchObject({ kind: 'error', code: 45 });
    expect(s.check(info(7, 0, 4))).toMatchObject({ kind: 'error', code: 45 }); // overlaps, not identical
    expect(s.check(info(7, 0, 0, 2))).toMatchObject({ kind: 'error', code: 45 });
  });

  it('retains only the last 5 batches', () => {
    const s = new ProducerStateManager();
    for (let i = 0; i < 7; i++) s.update(info(1, 0, i), i);
    expect(s.get(1)!.batches.map((b) => b.firstSeq)).toEqual([2, 3, 4, 5, 6]);
    expect(s.check(info(1, 0, 2))).toEqual({ kind: 'duplicate', baseOffset: 2, lastOffset: 2 });
    expect(s.check(info(1, 0, 1))).toMatchObject({ kind: 'error', code: 45 });
  });

  it('epochs: lower is 47, higher must start at 0 (else 45), and resets the window', () => {
    const s = new ProducerStateManager();
    s.update(info(1, 3, 0, 2), 0);
    expect(s.check(info(1, 2, 2))).toMatchObject({ kind: 'error', code: 47 });
    expect(s.check(info(1, 4, 5))).toMatchObject({ kind: 'error', code: 45 });
    expect(s.check(info(1, 4, 0))).toEqual({ kind: 'ok' });
    s.update(info(1, 4, 0), 10);
    expect(s.get(1)).toEqual({ producerId: 1, epoch: 4, batches: [{ firstSeq: 0, lastSeq: 0, baseOffset: 10, lastOffset: 10 }] });
    // an old-epoch "duplicate" is fenced, not deduplicated
    expect(s.check(info(1, 3, 0, 2))).toMatchObject({ kind: 'error', code: 47 });
  });

  it('sequences wrap at INT32_MAX to 0', () => {
    expect(incrementSequence(INT32_MAX, 1)).toBe(0);
    expect(incrementSequence(INT32_MAX - 1, 3)).toBe(1);
    const s = new ProducerStateManager();
    s.update(info(1, 0, INT32_MAX - 1, 2), 0); // seq MAX-1, MAX
    expect(s.get(1)!.batches[0]!.lastSeq).toBe(INT32_MAX);
    expect(s.check(info(1, 0, 0))).toEqual({ kind: 'ok' });
    s.update(info(1, 0, INT32_MAX, 3), 5); // MAX, 0, 1
    expect(s.get(1)!.batches[1]!.lastSeq).toBe(1);
    expect(s.check(info(1, 0, 2))).toEqual({ kind: 'ok' });
  });
});

describe('producer state in the log', () => {
  let dir: string;
  let cleanup: () => void;
  beforeEach(() => {
    ({ dir, cleanup } = tempDir());
  });
  afterEach(() => cleanup());

  const idem = (seq: number, n = 1, epoch = 0, pid = 1000) =>
    buildBatch(Array.from({ length: n }, (_, i) => `s${seq + i}`), { producerId: pid, producerEpoch: epoch, baseSequence: seq });

  it('is maintained on leader and follower appends and survives reopen (snapshot) and failover', () => {
    const leader = PartitionLog.open(join(dir, 'leader'), { segmentBytes: 300 });
    leader.appendAsLeader(idem(0, 2), 0);
    leader.appendAsLeader(buildBatch(['plain']), 0);
    leader.appendAsLeader(idem(2, 3), 0);
    leader.appendAsLeader(idem(0, 1, 0, 2000), 0);
    expect(leader.checkProducer(idem(2, 3))).toEqual({ kind: 'duplicate', baseOffset: 3, lastOffset: 5 });
    expect(leader.checkProducer(idem(9))).toMatchObject({ kind: 'error', code: 45 });

    const follower = PartitionLog.open(join(dir, 'follower'), { segmentBytes: 300 });
    let next = 0;
    while (next < leader.logEndOffset) next = follower.appendAsFollower(leader.read(next, 1 << 20).records).lastOffset + 1;
    // after failover the new leader deduplicates the retry and orders new sequences
    expect(follower.checkProducer(idem(2, 3))).toEqual({ kind: 'duplicate', baseOffset: 3, lastOffset: 5 });
    expect(follower.checkProducer(idem(5))).toEqual({ kind: 'ok' });
    expect(follower.checkProducer(idem(6))).toMatchObject({ kind: 'error', code: 45 });
    expect(follower.checkProducer(idem(0, 1, 0, 2000))).toEqual({ kind: 'duplicate', baseOffset: 6, lastOffset: 6 });

    leader.close();
    const reopened = PartitionLog.open(join(dir, 'leader'), { segmentBytes: 300 });
    expect(reopened.producerState.toJSON()).toEqual(follower.producerState.toJSON());
    expect(reopened.checkProducer(idem(2, 3))).toEqual({ kind: 'duplicate', baseOffset: 3, lastOffset: 5 });
    expect(reopened.checkProducer(idem(1, 1, 1))).toMatchObject({ kind: 'error', code: 45 });
    expect(reopened.checkProducer(idem(1, 1, -1 + 0))).toMatchObject({ kind: 'error', code: 47 });
    reopened.close();
    follower.close();
  });

  it('is rebuilt by scanning headers when there is no snapshot, and rewound by truncation', () => {
    const log = PartitionLog.open(join(dir, 'p'), { segmentBytes: 200 });
    for (let i = 0; i < 10; i++) log.appendAsLeader(idem(i * 2, 2), 0); // seq 2i..2i+1 at offsets 2i..2i+1
    const state = JSON.stringify(log.producerState.toJSON());
    log.close();
    const again = PartitionLog.open(join(dir, 'p'), { segmentBytes: 200 }); // consumes the snapshot
    again.appendAsLeader(idem(20, 1), 0);
    // simulate a crash: no close(), hence no snapshot
    const crashed = PartitionLog.open(join(dir, 'p'), { segmentBytes: 200 });
    expect(crashed.producerState.get(1000)!.batches.map((b) => b.firstSeq)).toEqual([12, 14, 16, 18, 20]);
    crashed.truncateTo(20);
    expect(JSON.stringify(crashed.producerState.toJSON())).toBe(state);
    expect(crashed.checkProducer(idem(20, 1))).toEqual({ kind: 'ok' });
    expect(crashed.checkProducer(idem(18, 2))).toEqual({ kind: 'duplicate', baseOffset: 18, lastOffset: 19 });
    crashed.close();
  });
});
