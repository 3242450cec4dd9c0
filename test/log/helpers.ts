import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { crc32c } from '../../src/broker/protocol/crc32c.js';

export function tempDir(): { dir: string; cleanup: () => void } {
  const dir = mkdtempSync(join(tmpdir(), 'kafka-lab-log-'));
  return { dir, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

function varint(n: number): number[] {
  let z = n >= 0 ? n * 2 : -n * 2 - 1;
  const out: number[] = [];
  while (z >= 128) {
    out.push((z % 128) | 0x80);
    z = Math.floor(z / 128);
  }
  out.push(z);
  return out;
}

export interface TestRecord {
  value: string;
  key?: string;
  /** Absolute timestamp; default baseTimestamp. */
  timestamp?: number;
}

export interface BatchOptions {
  baseOffset?: number;
  partitionLeaderEpoch?: number;
  baseTimestamp?: number;
  producerId?: number;
  producerEpoch?: number;
  baseSequence?: number;
  gzip?: boolean;
}

/** A valid record batch v2 (CRC-32C over attributes..end) holding `records`. */
export function buildBatch(records: (TestRecord | string)[], o: BatchOptions = {}): Buffer {
  const recs = records.map((r) => (typeof r === 'string' ? { value: r } : r));
  const baseTimestamp = o.baseTimestamp ?? 1_700_000_000_000;
  let maxTimestamp = -1;
  const body: Buffer[] = recs.map((r, i) => {
    const ts = r.timestamp ?? baseTimestamp;
    maxTimestamp = Math.max(maxTimestamp, ts);
    const key = r.key === undefined ? null : Buffer.from(r.key);
    const value = Buffer.from(r.value);
    const inner = Buffer.from([
      0,
      ...varint(ts - baseTimestamp),
      ...varint(i),
      ...(key ? [...varint(key.length), ...key] : varint(-1)),
      ...varint(value.length),
      ...value,
      ...varint(0),
    ]);
    return Buffer.concat([Buffer.from(varint(inner.length)), inner]);
  });
  let recordBytes = Buffer.concat(body);
  if (o.gzip) recordBytes = gzipSync(recordBytes);
  const header = Buffer.alloc(61);
  header.writeBigInt64BE(BigInt(o.baseOffset ?? 0), 0);
  header.writeInt32BE(61 - 12 + recordBytes.length, 8);
  header.writeInt32BE(o.partitionLeaderEpoch ?? -1, 12);
  header.writeInt8(2, 16);
  header.writeInt16BE(o.gzip ? 1 : 0, 21);
  header.writeInt32BE(recs.length - 1, 23);
  header.writeBigInt64BE(BigInt(baseTimestamp), 27);
  header.writeBigInt64BE(BigInt(maxTimestamp), 35);
  header.writeBigInt64BE(BigInt(o.producerId ?? -1), 43);
  header.writeInt16BE(o.producerEpoch ?? -1, 51);
  header.writeInt32BE(o.baseSequence ?? -1, 53);
  header.writeInt32BE(recs.length, 57);
  const batch = Buffer.concat([header, recordBytes]);
  batch.writeUInt32BE(crc32c(batch, 21), 17);
  return batch;
}

export interface ParsedBatch {
  baseOffset: number;
  lastOffset: number;
  partitionLeaderEpoch: number;
  size: number;
}

/** Splits fetched bytes into batch headers; throws on a partial batch. */
export function parseBatches(buf: Buffer): ParsedBatch[] {
  const out: ParsedBatch[] = [];
  let pos = 0;
  while (pos < buf.length) {
    const size = buf.readInt32BE(pos + 8) + 12;
    if (pos + size > buf.length) throw new Error(`partial batch at ${pos}`);
    const baseOffset = Number(buf.readBigInt64BE(pos));
    out.push({ baseOffset, lastOffset: baseOffset + buf.readInt32BE(pos + 23), partitionLeaderEpoch: buf.readInt32BE(pos + 12), size });
    if (buf.readUInt32BE(pos + 17) !== crc32c(buf, pos + 21, pos + size)) throw new Error(`bad crc at ${pos}`);
    pos += size;
  }
  return out;
}

/** Batch of `n` records with values `${prefix}-${i}`. */
export function batchOf(n: number, prefix = 'v', o: BatchOptions = {}): Buffer {
  return buildBatch(Array.from({ length: n }, (_, i) => `${prefix}-${i}`), o);
}
