import { createRequire } from 'node:module';
import { describe, expect, it } from 'vitest';
import { crc32c } from '../../src/broker/protocol/crc32c.js';
import { ErrorCode } from '../../src/broker/protocol/errors.js';
import { ProtocolError } from '../../src/broker/protocol/primitives.js';
import * as rb from '../../src/broker/protocol/record-batch.js';
import { rng } from './samples.js';

const require = createRequire(import.meta.url);
const { RecordBatch } = require('kafkajs/src/protocol/recordBatch/v0/index.js') as {
  RecordBatch(o: Record<string, unknown>): Promise<{ buffer: Buffer }>;
};
const Record = require('kafkajs/src/protocol/recordBatch/record/v0/index.js') as (o: Record<string, unknown>) => unknown;
const kjsCrc32C = require('kafkajs/src/protocol/recordBatch/crc32C/index.js') as (b: Buffer) => number;
const Long = require('kafkajs/src/utils/long.js') as { fromValue(v: number | string): unknown };
const kjsDecodeBatch = require('kafkajs/src/protocol/recordBatch/v0/decoder.js') as (d: unknown) => Promise<{ records: { key: Buffer | null; value: Buffer; offset: string; timestamp: string; headers: Record<string, Buffer> }[] }>;
const Decoder = require('kafkajs/src/protocol/decoder.js') as new (b: Buffer) => unknown;

/** Bit-at-a-time reference CRC-32C. */
function crcRef(b: Uint8Array): number {
  let c = 0xffffffff;
  for (const x of b) {
    c ^= x;
    for (let k = 0; k < 8; k++) c = c & 1 ? (c >>> 1) ^ 0x82f63b78 : c >>> 1;
  }
  return (c ^ 0xffffffff) >>> 0;
}

describe('crc32c', () => {
  it('known vectors', () => {
    expect(crc32c(Buffer.from('123456789'))).toBe(0xe3069283);
    expect(crc32c(Buffer.alloc(0))).toBe(0);
    expect(crc32c(Buffer.alloc(32, 0))).toBe(0x8a9136aa); // RFC 3720 B.4: 32 bytes of zeros
    expect(crc32c(Buffer.alloc(32, 0xff))).toBe(0x62a8ab43); // RFC 3720 B.4: 32 bytes of 0xff
  });
  it('matches a bitwise reference and kafkajs on random inputs of every small length, and chains', () => {
    const rand = rng(7);
    for (let len = 0; len < 300; len++) {
      const b = Buffer.from(Array.from({ length: len }, () => Math.floor(rand() * 256)));
      const want = crcRef(b);
      expect(crc32c(b)).toBe(want);
      expect(kjsCrc32C(b) >>> 0).toBe(want);
      const cut = Math.floor(len / 3);
      expect(crc32c(b, cut, len, crc32c(b, 0, cut))).toBe(want);
    }
  });
});

const kjsBatch = async (opts: { compression?: number; transactional?: boolean } = {}) => {
  const records = [
    Record({ key: Buffer.from('k1'), value: Buffer.from('v1'), headers: { a: Buffer.from('1') }, offsetDelta: 0, timestampDelta: 0 }),
    Record({ key: null, value: Buffer.from('v2'), offsetDelta: 1, timestampDelta: 7 }),
    Record({ key: Buffer.from('k3'), value: null, offsetDelta: 2, timestampDelta: 9 }),
  ];
  return (
    await RecordBatch({
      compression: opts.compression ?? 0, transactional: opts.transactional ?? false,
      firstOffset: Long.fromValue(0), firstTimestamp: 1700000000000, maxTimestamp: 1700000000009,
      partitionLeaderEpoch: 0, lastOffsetDelta: 2, producerId: Long.fromValue(4242), producerEpoch: 3, firstSequence: 17,
      records,
    })
  ).buffer;
};

describe('kafkajs-built batches validate and decode with ours', () => {
  for (const compression of [0, 1]) {
    it(`compression ${compression}`, async () => {
      const b = await kjsBatch({ compression });
      expect(rb.validateBatch(b)).toBe(0);
      expect(rb.validateProducedBatch(b)).toBe(0);
      expect(rb.readBatchHeader(b)).toMatchObject({
        baseOffset: 0, batchLength: b.length - 12, partitionLeaderEpoch: 0, magic: 2, attributes: compression,
        lastOffsetDelta: 2, baseTimestamp: 1700000000000, maxTimestamp: 1700000000009, producerId: 4242, producerEpoch: 3,
        baseSequence: 17, recordCount: 3,
      });
      expect(rb.crc(b)).toBe(crc32c(b, 21, b.length));
      const recs = rb.decodeRecords(b);
      expect(recs.map((r) => [r.offset, r.timestamp, r.key?.toString() ?? null, r.value?.toString() ?? null])).toEqual([
        [0, 1700000000000, 'k1', 'v1'],
        [1, 1700000000007, null, 'v2'],
        [2, 1700000000009, 'k3', null],
      ]);
      expect(recs[0]!.headers).toEqual([{ key: 'a', value: Buffer.from('1') }]);
      // patching outside the CRC keeps it valid
      rb.setBaseOffset(b, 2 ** 40 + 5);
      rb.setPartitionLeaderEpoch(b, 9);
      expect(rb.validateBatch(b)).toBe(0);
      expect(rb.baseOffset(b)).toBe(2 ** 40 + 5);
      expect(rb.lastOffset(b)).toBe(2 ** 40 + 7);
      expect(rb.partitionLeaderEpoch(b)).toBe(9);
      expect(rb.decodeRecords(b)[2]!.offset).toBe(2 ** 40 + 7);
    });
  }
  it('transactional flag', async () => {
    const b = await kjsBatch({ transactional: true });
    expect(rb.isTransactional(b)).toBe(true);
    expect(rb.isControl(b)).toBe(false);
  });
});

describe('our batches decode in kafkajs', () => {
  for (const compression of [0, 1]) {
    it(`compression ${compression}`, async () => {
      const b = rb.buildBatch(
        [{ key: 'a', value: 'x'.repeat(300), headers: [{ key: 'h', value: 'v' }], timestamp: 1700000000100 }, { value: Buffer.from([1, 2, 3]), timestamp: 1700000000050 }],
        { baseOffset: 500, compression, producerId: 7, producerEpoch: 1, baseSequence: 3 },
      );
      expect(rb.validateBatch(b)).toBe(0);
      expect(rb.baseTimestamp(b)).toBe(1700000000050);
      expect(rb.maxTimestamp(b)).toBe(1700000000100);
      const out = await kjsDecodeBatch(new Decoder(b));
      expect(out.records.map((r) => [r.offset, r.timestamp, r.key?.toString() ?? null, r.value.length])).toEqual([
        ['500', '1700000000100', 'a', 300],
        ['501', '1700000000050', null, 3],
      ]);
      expect(out.records[0]!.headers.h!.toString()).toBe('v');
      expect(rb.decodeRecords(b).map((r) => r.timestamp)).toEqual([1700000000100, 1700000000050]);
    });
  }
});

describe('validateBatch / validateProducedBatch', () => {
  const good = () => rb.buildBatch([{ key: 'k', value: 'v' }, { key: 'k2', value: 'v2' }], { baseTimestamp: 1 });
  it('accepts a good batch', () => expect(rb.validateBatch(good())).toBe(0));
  it('bad CRC → CORRUPT_MESSAGE', () => {
    const b = good();
    b[b.length - 1]! ^= 1;
    expect(rb.validateBatch(b)).toBe(ErrorCode.CORRUPT_MESSAGE);
  });
  it('magic != 2 → INVALID_RECORD', () => {
    const b = good();
    b[16] = 1;
    expect(rb.validateBatch(b)).toBe(ErrorCode.INVALID_RECORD);
    expect(rb.validateProducedBatch(b)).toBe(ErrorCode.INVALID_RECORD);
  });
  it('inconsistent sizes → CORRUPT_MESSAGE', () => {
    const b = good();
    expect(rb.validateBatch(b.subarray(0, b.length - 1))).toBe(ErrorCode.CORRUPT_MESSAGE);
    expect(rb.validateBatch(b.subarray(0, 40))).toBe(ErrorCode.CORRUPT_MESSAGE);
    expect(rb.validateBatch(Buffer.alloc(0))).toBe(ErrorCode.CORRUPT_MESSAGE);
    expect(rb.validateProducedBatch(null)).toBe(ErrorCode.CORRUPT_MESSAGE);
  });
  it('codec > 4 → UNKNOWN_SERVER_ERROR, as Kafka 4.4.0 answers (even with a valid CRC)', () => {
    const b = good();
    b.writeInt16BE(5, 21);
    rb.updateCrc(b);
    expect(rb.validateBatch(b)).toBe(ErrorCode.UNKNOWN_SERVER_ERROR);
  });
  it('record count / lastOffsetDelta mismatch → CORRUPT_MESSAGE', () => {
    const b = good();
    b.writeInt32BE(5, 23);
    rb.updateCrc(b);
    expect(rb.validateBatch(b)).toBe(ErrorCode.CORRUPT_MESSAGE);
  });
  it('control batch from a client → INVALID_RECORD; allowed for internal writes', () => {
    const c = rb.buildControlBatch({ commit: true, producerId: 5, producerEpoch: 0, coordinatorEpoch: 2, timestamp: 1 });
    expect(rb.isControl(c)).toBe(true);
    expect(rb.isTransactional(c)).toBe(true);
    expect(rb.validateBatch(c)).toBe(ErrorCode.INVALID_RECORD);
    expect(rb.validateBatch(c, { allowControl: true })).toBe(0);
    const [rec] = rb.decodeRecords(c);
    expect(rb.controlTypeOf(rec!.key)).toBe(rb.ControlType.COMMIT);
    expect(rec!.value!.readInt32BE(2)).toBe(2);
  });
  it('more than one batch in a produce partition → INVALID_RECORD', () => {
    expect(rb.validateProducedBatch(Buffer.concat([good(), good()]))).toBe(ErrorCode.INVALID_RECORD);
  });
});

describe('splitBatches', () => {
  it('splits, and ignores a truncated trailing batch', () => {
    const a = rb.buildBatch([{ value: 'a' }], { baseOffset: 0 });
    const b = rb.buildBatch([{ value: 'b' }, { value: 'c' }], { baseOffset: 1, compression: 1 });
    const all = Buffer.concat([a, b]);
    expect(rb.splitBatches(all).map((x) => rb.baseOffset(x))).toEqual([0, 1]);
    for (let cut = 0; cut < b.length; cut++) {
      expect(rb.splitBatches(all.subarray(0, a.length + cut))).toHaveLength(1);
    }
    expect(rb.splitBatches(null)).toEqual([]);
    expect(rb.splitBatches(Buffer.alloc(11))).toEqual([]);
    const neg = Buffer.alloc(20);
    neg.writeInt32BE(-5, 8);
    expect(rb.splitBatches(neg)).toEqual([]);
  });
});

describe('decodeRecords on damaged input throws ProtocolError only', () => {
  it('truncations and byte flips', () => {
    const rand = rng(3);
    for (const compression of [0, 1]) {
      const b = rb.buildBatch([{ key: 'k', value: 'v'.repeat(50), headers: { x: 'y' } }, { value: null }], { compression });
      for (let n = 0; n < b.length; n++) {
        const cut = Buffer.from(b.subarray(0, n));
        expect(() => rb.decodeRecords(cut)).toThrow(ProtocolError);
      }
      for (let i = 0; i < 500; i++) {
        const bad = Buffer.from(b);
        const at = 57 + Math.floor(rand() * (bad.length - 57));
        bad[at] = Math.floor(rand() * 256);
        try {
          rb.decodeRecords(bad);
        } catch (e) {
          expect(e).toBeInstanceOf(ProtocolError);
        }
      }
    }
  });
  it('unsupported codecs are a ProtocolError', () => {
    const b = rb.buildBatch([{ value: 'v' }]);
    b.writeInt16BE(2, 21);
    expect(() => rb.decodeRecords(b)).toThrow(/unsupported compression codec 2/);
  });
});
