/**
 * A partition log's transactions (the cases of Kafka's ProducerStateManagerTest and LogTest that apply): the last
 * stable offset stops at the oldest open transaction and at a marker the high watermark has not passed; aborted
 * transactions are listed for the ranges they overlap; a marker with a bumped epoch fences the old epoch; the state is
 * rebuilt the same after a kill, a clean close and a truncation.
 */
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { PartitionLog } from '../../src/broker/log/index.js';
import { buildBatch, buildControlBatch } from '../../src/broker/protocol/record-batch.js';
import { tempDir } from './helpers.js';

let dir: string;
let cleanup: () => void;
const logs: PartitionLog[] = [];
beforeEach(() => ({ dir, cleanup } = tempDir()));
afterEach(() => {
  for (const l of logs.splice(0)) if (!l.isClosed) l.close();
  cleanup();
});

function open(): PartitionLog {
  const log = PartitionLog.open(join(dir, 't-0'));
  logs.push(log);
  return log;
}

const sequences = new Map<number, number>();
function txnData(log: PartitionLog, producerId: number, values: string[], epoch = 0): number {
  const seq = sequences.get(producerId) ?? 0;
  sequences.set(producerId, seq + values.length);
  return log.appendAsLeader(buildBatch(values.map((value) => ({ value })), { producerId, producerEpoch: epoch, baseSequence: seq, transactional: true }), 0).baseOffset;
}
const marker = (log: PartitionLog, producerId: number, commit: boolean, epoch = 0) =>
  log.appendAsLeader(buildControlBatch({ commit, producerId, producerEpoch: epoch }), 0).baseOffset;
const plain = (log: PartitionLog, value: string) => log.appendAsLeader(buildBatch([{ value }]), 0).baseOffset;

describe('transactions in a partition log', () => {
  beforeEach(() => sequences.clear());

  it('the last stable offset is the first offset of the oldest open transaction, never above the high watermark', () => {
    const log = open();
    plain(log, 'a'); // 0
    const first = txnData(log, 7, ['t1', 't2']); // 1-2
    plain(log, 'b'); // 3
    txnData(log, 8, ['u1']); // 4
    expect(log.lastStableOffset(log.logEndOffset)).toBe(first);
    expect(log.lastStableOffset(1)).toBe(1);
    expect(log.lastStableOffset(0)).toBe(0);
    marker(log, 7, true); // 5: producer 7 is decided, but the marker is not below the HW yet
    expect(log.lastStableOffset(5)).toBe(1);
    expect(log.lastStableOffset(6)).toBe(4); // now producer 8's transaction holds it
    marker(log, 8, false); // 6
    expect(log.lastStableOffset(7)).toBe(7);
  });

  it('lists an aborted transaction for the fetch ranges it overlaps, and a committed one never', () => {
    const log = open();
    txnData(log, 7, ['c']); // 0
    marker(log, 7, true); // 1
    txnData(log, 9, ['x1', 'x2']); // 2-3
    plain(log, 'p'); // 4
    marker(log, 9, false); // 5
    expect(log.abortedTransactions(0, 6)).toEqual([{ producerId: 9, firstOffset: 2 }]);
    expect(log.abortedTransactions(5, 6)).toEqual([{ producerId: 9, firstOffset: 2 }]); // the marker itself
    expect(log.abortedTransactions(0, 2)).toEqual([]);
    expect(log.abortedTransactions(6, 7)).toEqual([]);
  });

  it('a marker with a bumped epoch fences the old epoch; the next epoch starts its sequence at 0', () => {
    const log = open();
    txnData(log, 7, ['z1']);
    marker(log, 7, false, 1); // the coordinator fenced epoch 0 and aborted
    expect(log.checkProducer(buildBatch([{ value: 'late' }], { producerId: 7, producerEpoch: 0, baseSequence: 1, transactional: true }))).toMatchObject({ kind: 'error', code: 47 });
    expect(log.checkProducer(buildBatch([{ value: 'new' }], { producerId: 7, producerEpoch: 2, baseSequence: 0, transactional: true }))).toEqual({ kind: 'ok' });
    // a marker carries no sequence: the producer's next transaction in the same epoch continues its sequence
    expect(log.checkProducer(buildBatch([{ value: 'next' }], { producerId: 7, producerEpoch: 1, baseSequence: 0, transactional: true }))).toEqual({ kind: 'ok' });
  });

  it('rebuilds open and aborted transactions after a kill, a clean close and a truncation', () => {
    let log = open();
    txnData(log, 7, ['a1']); // 0
    marker(log, 7, false); // 1
    txnData(log, 8, ['b1', 'b2']); // 2-3
    const lso = log.lastStableOffset(4);
    const aborted = log.abortedTransactions(0, 4);
    log.abandon();
    log = open();
    expect([log.lastStableOffset(4), log.abortedTransactions(0, 4)]).toEqual([lso, aborted]);
    log.close();
    log = open();
    expect([log.lastStableOffset(4), log.abortedTransactions(0, 4)]).toEqual([lso, aborted]);
    log.truncateTo(2); // producer 8's transaction goes with the truncated batch
    expect(log.lastStableOffset(2)).toBe(2);
    expect(log.abortedTransactions(0, 2)).toEqual(aborted);
  });
});
