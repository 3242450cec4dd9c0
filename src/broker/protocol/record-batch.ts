/**
 * Record batch v2 (magic 2) helpers. Batches are bytes: accessors read the header in place, setters patch fields that
 * lie outside the CRC (baseOffset, partitionLeaderEpoch), and only tests/audit/timestamp lookup decode records.
 *
 * Layout (offsets within a batch):
 *   0 baseOffset int64 | 8 batchLength int32 | 12 partitionLeaderEpoch int32 | 16 magic int8 | 17 crc uint32 |
 *   21 attributes int16 | 23 lastOffsetDelta int32 | 27 baseTimestamp int64 | 35 maxTimestamp int64 |
 *   43 producerId int64 | 51 producerEpoch int16 | 53 baseSequence int32 | 57 recordCount int32 | 61 records...
 * CRC-32C covers bytes [21, end). batchLength = total size - 12.
 */
import { gunzipSync, gzipSync } from 'node:zlib';
import { crc32c } from './crc32c.js';
import { ErrorCode } from './errors.js';
import { ProtocolError, Reader, Writer } from './primitives.js';

export const BATCH_HEADER_SIZE = 61;
/** Bytes before (and including) batchLength: total batch size = batchLength + LOG_OVERHEAD. */
export const LOG_OVERHEAD = 12;
export const Compression = { NONE: 0, GZIP: 1, SNAPPY: 2, LZ4: 3, ZSTD: 4 } as const;
export const ATTR_COMPRESSION_MASK = 0x07;
export const ATTR_TIMESTAMP_TYPE = 0x08;
export const ATTR_TRANSACTIONAL = 0x10;
export const ATTR_CONTROL = 0x20;
export const ATTR_DELETE_HORIZON = 0x40;

const TWO_32 = 4294967296;
const i64 = (b: Buffer, at: number) => b.readInt32BE(at) * TWO_32 + b.readUInt32BE(at + 4);
const w64 = (b: Buffer, at: number, v: number) => {
  const hi = Math.floor(v / TWO_32);
  b.writeInt32BE(hi | 0, at);
  b.writeUInt32BE((v - hi * TWO_32) >>> 0, at + 4);
};

// Zero-copy accessors. `at` = offset of the batch inside `b` (default 0). Callers ensure the header is in bounds
// (splitBatches / validateBatch do).
export const baseOffset = (b: Buffer, at = 0) => i64(b, at);
export const batchLength = (b: Buffer, at = 0) => b.readInt32BE(at + 8);
export const partitionLeaderEpoch = (b: Buffer, at = 0) => b.readInt32BE(at + 12);
export const magic = (b: Buffer, at = 0) => b.readInt8(at + 16);
export const crc = (b: Buffer, at = 0) => b.readUInt32BE(at + 17);
export const attributes = (b: Buffer, at = 0) => b.readInt16BE(at + 21);
export const lastOffsetDelta = (b: Buffer, at = 0) => b.readInt32BE(at + 23);
export const baseTimestamp = (b: Buffer, at = 0) => i64(b, at + 27);
export const maxTimestamp = (b: Buffer, at = 0) => i64(b, at + 35);
export const producerId = (b: Buffer, at = 0) => i64(b, at + 43);
export const producerEpoch = (b: Buffer, at = 0) => b.readInt16BE(at + 51);
export const baseSequence = (b: Buffer, at = 0) => b.readInt32BE(at + 53);
export const recordCount = (b: Buffer, at = 0) => b.readInt32BE(at + 57);
/** baseOffset + lastOffsetDelta. */
export const lastOffset = (b: Buffer, at = 0) => baseOffset(b, at) + lastOffsetDelta(b, at);
/** Total bytes of the batch (batchLength + 12). */
export const batchSize = (b: Buffer, at = 0) => batchLength(b, at) + LOG_OVERHEAD;
export const compressionOf = (b: Buffer, at = 0) => attributes(b, at) & ATTR_COMPRESSION_MASK;
export const isTransactional = (b: Buffer, at = 0) => (attributes(b, at) & ATTR_TRANSACTIONAL) !== 0;
export const isControl = (b: Buffer, at = 0) => (attributes(b, at) & ATTR_CONTROL) !== 0;

/** In place, outside the CRC. */
export const setBaseOffset = (b: Buffer, offset: number, at = 0) => w64(b, at, offset);
/** In place, outside the CRC. */
export const setPartitionLeaderEpoch = (b: Buffer, epoch: number, at = 0) => b.writeInt32BE(epoch, at + 12);

/** Recompute and store the CRC (needed after patching attributes/timestamps, e.g. LogAppendTime). */
export function updateCrc(b: Buffer, at = 0): void {
  const end = at + batchSize(b, at);
  b.writeUInt32BE(crc32c(b, at + 21, end), at + 17);
}

export interface BatchHeader {
  baseOffset: number;
  batchLength: number;
  partitionLeaderEpoch: number;
  magic: number;
  crc: number;
  attributes: number;
  lastOffsetDelta: number;
  baseTimestamp: number;
  maxTimestamp: number;
  producerId: number;
  producerEpoch: number;
  baseSequence: number;
  recordCount: number;
}
/** All header fields as an object (allocates; the single accessors do not). */
export function readBatchHeader(b: Buffer, at = 0): BatchHeader {
  if (b.length - at < BATCH_HEADER_SIZE) throw new ProtocolError('record batch header truncated', at);
  return {
    baseOffset: baseOffset(b, at),
    batchLength: batchLength(b, at),
    partitionLeaderEpoch: partitionLeaderEpoch(b, at),
    magic: magic(b, at),
    crc: crc(b, at),
    attributes: attributes(b, at),
    lastOffsetDelta: lastOffsetDelta(b, at),
    baseTimestamp: baseTimestamp(b, at),
    maxTimestamp: maxTimestamp(b, at),
    producerId: producerId(b, at),
    producerEpoch: producerEpoch(b, at),
    baseSequence: baseSequence(b, at),
    recordCount: recordCount(b, at),
  };
}

export interface ValidateOptions {
  /** Accept control batches (replication / internal writes). Default false: clients must not send them. */
  allowControl?: boolean;
}
/**
 * Validate ONE batch occupying all of `buf`. Returns 0 or a Kafka error code:
 * CORRUPT_MESSAGE for size/CRC/count problems, UNKNOWN_SERVER_ERROR for an unknown codec (as Kafka answers), INVALID_RECORD
 * for magic != 2 or a control batch from a client.
 */
export function validateBatch(buf: Buffer, opts: ValidateOptions = {}): number {
  if (buf.length < BATCH_HEADER_SIZE) {
    // a legacy message set can be shorter than our header; look at magic if we can
    if (buf.length > 16 && buf[16] !== 2) return ErrorCode.INVALID_RECORD;
    return ErrorCode.CORRUPT_MESSAGE;
  }
  if (magic(buf) !== 2) return ErrorCode.INVALID_RECORD;
  if (batchLength(buf) + LOG_OVERHEAD !== buf.length) return ErrorCode.CORRUPT_MESSAGE;
  if (crc32c(buf, 21, buf.length) !== crc(buf)) return ErrorCode.CORRUPT_MESSAGE;
  const attrs = attributes(buf);
  // A codec id Kafka does not know: its CompressionType.forId throws, which Kafka 4.4.0 answers UNKNOWN_SERVER_ERROR.
  if ((attrs & ATTR_COMPRESSION_MASK) > 4) return ErrorCode.UNKNOWN_SERVER_ERROR;
  if ((attrs & ATTR_CONTROL) !== 0 && !opts.allowControl) return ErrorCode.INVALID_RECORD;
  const count = recordCount(buf);
  if (count < 0 || (count > 0 && lastOffsetDelta(buf) !== count - 1)) return ErrorCode.CORRUPT_MESSAGE;
  if (count === 0 && (attrs & ATTR_COMPRESSION_MASK) === 0 && buf.length !== BATCH_HEADER_SIZE) return ErrorCode.CORRUPT_MESSAGE;
  return 0;
}

/**
 * Validate the records of one Produce partition (v3+): exactly ONE v2 batch (Kafka's ProduceRequest.validateRecords),
 * then `validateBatch` (client rules: no control batches). Returns 0 or a Kafka error code.
 */
export function validateProducedBatch(records: Buffer | null): number {
  if (!records || records.length === 0) return ErrorCode.CORRUPT_MESSAGE;
  if (records.length >= LOG_OVERHEAD + 5 && records[16] !== 2) return ErrorCode.INVALID_RECORD;
  if (records.length >= BATCH_HEADER_SIZE) {
    const size = batchLength(records) + LOG_OVERHEAD;
    if (size < records.length && size >= BATCH_HEADER_SIZE) return ErrorCode.INVALID_RECORD; // more than one batch
  }
  return validateBatch(records);
}

/**
 * Split a records blob (concatenated batches, e.g. a Fetch RecordSet or a log slice) into batch views.
 * A truncated trailing batch (partial header or body) is ignored, as clients do.
 */
export function splitBatches(records: Buffer | null): Buffer[] {
  const out: Buffer[] = [];
  if (!records) return out;
  let at = 0;
  while (records.length - at >= LOG_OVERHEAD) {
    const len = records.readInt32BE(at + 8);
    if (len < 0) break;
    const size = len + LOG_OVERHEAD;
    if (size > records.length - at) break; // truncated trailing batch
    out.push(records.subarray(at, at + size));
    at += size;
  }
  return out;
}

export interface RecordHeader {
  key: string;
  value: Buffer | null;
}
export interface DecodedRecord {
  offset: number;
  timestamp: number;
  key: Buffer | null;
  value: Buffer | null;
  headers: RecordHeader[];
  attributes: number;
}

/** Decode the records of one batch (uncompressed or gzip). Throws ProtocolError on malformed data or other codecs. */
export function decodeRecords(batch: Buffer, opts: { maxUncompressedBytes?: number } = {}): DecodedRecord[] {
  if (batch.length < BATCH_HEADER_SIZE) throw new ProtocolError('record batch truncated', 0);
  if (magic(batch) !== 2) throw new ProtocolError(`unsupported magic ${magic(batch)}`, 16);
  const end = batchSize(batch);
  if (end > batch.length || end < BATCH_HEADER_SIZE) throw new ProtocolError('record batch length out of bounds', 8);
  const codec = compressionOf(batch);
  let body: Buffer;
  if (codec === Compression.NONE) body = batch.subarray(BATCH_HEADER_SIZE, end);
  else if (codec === Compression.GZIP) {
    try {
      body = gunzipSync(batch.subarray(BATCH_HEADER_SIZE, end), { maxOutputLength: opts.maxUncompressedBytes ?? 256 * 1024 * 1024 });
    } catch (e) {
      throw new ProtocolError(`gzip: ${(e as Error).message}`, BATCH_HEADER_SIZE);
    }
  } else throw new ProtocolError(`unsupported compression codec ${codec}`, 21);
  const count = recordCount(batch);
  const base = baseOffset(batch);
  const baseTs = baseTimestamp(batch);
  const logAppend = (attributes(batch) & ATTR_TIMESTAMP_TYPE) !== 0;
  const maxTs = maxTimestamp(batch);
  const r = new Reader(body);
  if (count < 0 || count > body.length) throw new ProtocolError(`invalid record count ${count}`, 57);
  const out: DecodedRecord[] = new Array(count);
  for (let i = 0; i < count; i++) {
    const len = r.varint();
    if (len < 0) throw new ProtocolError(`record ${i}: negative length`, r.offset);
    r.need(len);
    const rr = new Reader(body, r.offset, r.offset + len);
    r.offset += len;
    try {
      const attrs = rr.int8();
      const tsDelta = rr.varlong();
      const offDelta = rr.varint();
      const key = rr.varintBytes();
      const value = rr.varintBytes();
      const hc = rr.varint();
      if (hc < 0 || hc > rr.remaining) throw new ProtocolError(`invalid header count ${hc}`, rr.offset);
      const headers: RecordHeader[] = new Array(hc);
      for (let h = 0; h < hc; h++) {
        const k = rr.varintBytes();
        if (k === null) throw new ProtocolError('null header key', rr.offset);
        headers[h] = { key: k.toString('utf8'), value: rr.varintBytes() };
      }
      out[i] = { offset: base + offDelta, timestamp: logAppend ? maxTs : baseTs + tsDelta, key, value, headers, attributes: attrs };
    } catch (e) {
      if (e instanceof ProtocolError) e.prependPath(`records[${i}]`);
      throw e;
    }
  }
  return out;
}

export interface RecordInput {
  key?: Buffer | string | null;
  value?: Buffer | string | null;
  headers?: { key: string; value: Buffer | string | null }[] | Record<string, Buffer | string | null>;
  /** Absolute timestamp (ms); default opts.baseTimestamp or Date.now(). */
  timestamp?: number;
}
export interface BuildBatchOptions {
  baseOffset?: number;
  partitionLeaderEpoch?: number;
  producerId?: number;
  producerEpoch?: number;
  baseSequence?: number;
  transactional?: boolean;
  control?: boolean;
  /** 0 none (default) or 1 gzip. */
  compression?: number;
  /** Sets the LogAppendTime bit (timestampType 1). */
  logAppendTime?: boolean;
  baseTimestamp?: number;
}

const toBuf = (v: Buffer | string | null | undefined): Buffer | null =>
  v === null || v === undefined ? null : typeof v === 'string' ? Buffer.from(v) : v;

/** Build a valid v2 batch (CRC set). Offsets deltas are 0..n-1. */
export function buildBatch(records: RecordInput[], opts: BuildBatchOptions = {}): Buffer {
  const now = opts.baseTimestamp ?? (records.length > 0 && records[0]!.timestamp !== undefined ? records[0]!.timestamp : Date.now());
  let baseTs = now;
  let maxTs = now;
  for (const r of records) {
    if (r.timestamp !== undefined) {
      if (opts.baseTimestamp === undefined && r.timestamp < baseTs) baseTs = r.timestamp;
    }
  }
  const body = new Writer(64 + records.length * 32);
  const rec = new Writer(64);
  for (let i = 0; i < records.length; i++) {
    const r = records[i]!;
    const ts = r.timestamp ?? baseTs;
    if (ts > maxTs) maxTs = ts;
    rec.offset = 0;
    rec.int8(0).varlong(ts - baseTs).varint(i).varintBytes(toBuf(r.key)).varintBytes(toBuf(r.value));
    const hs = r.headers === undefined ? [] : Array.isArray(r.headers) ? r.headers : Object.entries(r.headers).map(([key, value]) => ({ key, value }));
    rec.varint(hs.length);
    for (const h of hs) rec.varintBytes(Buffer.from(h.key)).varintBytes(toBuf(h.value));
    body.varint(rec.offset).raw(rec.finish());
  }
  if (records.length === 0) maxTs = baseTs;
  let payload = body.finish();
  const codec = opts.compression ?? 0;
  if (codec === Compression.GZIP) payload = gzipSync(payload);
  else if (codec !== Compression.NONE) throw new ProtocolError(`buildBatch: unsupported compression ${codec}`);
  const attrs =
    codec | (opts.logAppendTime ? ATTR_TIMESTAMP_TYPE : 0) | (opts.transactional ? ATTR_TRANSACTIONAL : 0) | (opts.control ? ATTR_CONTROL : 0);
  const total = BATCH_HEADER_SIZE + payload.length;
  const w = new Writer(total);
  w.int64(opts.baseOffset ?? 0)
    .int32(total - LOG_OVERHEAD)
    .int32(opts.partitionLeaderEpoch ?? -1)
    .int8(2)
    .uint32(0)
    .int16(attrs)
    .int32(records.length - 1)
    .int64(baseTs)
    .int64(maxTs)
    .int64(opts.producerId ?? -1)
    .int16(opts.producerEpoch ?? -1)
    .int32(opts.baseSequence ?? -1)
    .int32(records.length)
    .raw(payload);
  const out = Buffer.from(w.finish()); // own, exact-size buffer
  out.writeUInt32BE(crc32c(out, 21, out.length), 17);
  return out;
}

export const ControlType = { ABORT: 0, COMMIT: 1 } as const;
/** A transaction marker batch (transactional + control, one record). */
export function buildControlBatch(opts: {
  commit: boolean;
  producerId: number;
  producerEpoch: number;
  coordinatorEpoch?: number;
  baseOffset?: number;
  partitionLeaderEpoch?: number;
  timestamp?: number;
}): Buffer {
  const key = Buffer.alloc(4);
  key.writeInt16BE(0, 0);
  key.writeInt16BE(opts.commit ? ControlType.COMMIT : ControlType.ABORT, 2);
  const value = Buffer.alloc(6);
  value.writeInt16BE(0, 0);
  value.writeInt32BE(opts.coordinatorEpoch ?? 0, 2);
  return buildBatch([{ key, value, timestamp: opts.timestamp ?? Date.now() }], {
    baseOffset: opts.baseOffset ?? 0,
    partitionLeaderEpoch: opts.partitionLeaderEpoch ?? -1,
    producerId: opts.producerId,
    producerEpoch: opts.producerEpoch,
    baseSequence: -1,
    transactional: true,
    control: true,
  });
}
/** For a control record key: 0 ABORT, 1 COMMIT, -1 if not a valid control key. */
export function controlTypeOf(key: Buffer | null): number {
  if (!key || key.length < 4) return -1;
  return key.readInt16BE(2);
}
