import { crc32c } from '../protocol/crc32c.js';
/**
 * Fixed-offset reads of the record batch v2 header, plus CRC-32C. Private to the log layer: the protocol layer has its
 * own record-batch.ts, and the two are to be merged later.
 */

export const BASE_OFFSET = 0;
export const BATCH_LENGTH = 8;
export const PARTITION_LEADER_EPOCH = 12;
export const MAGIC = 16;
export const CRC = 17;
export const ATTRIBUTES = 21;
export const LAST_OFFSET_DELTA = 23;
export const BASE_TIMESTAMP = 27;
export const MAX_TIMESTAMP = 35;
export const PRODUCER_ID = 43;
export const PRODUCER_EPOCH = 51;
export const BASE_SEQUENCE = 53;
export const RECORD_COUNT = 57;
export const RECORDS = 61;
/** Size of the v2 header, and of the smallest possible batch. */
export const HEADER_SIZE = 61;
/** Everything up to and including batchLength. */
export const LOG_OVERHEAD = 12;

export interface BatchHeader {
  baseOffset: number;
  /** Bytes after the batchLength field; the batch occupies `batchLength + 12` bytes. */
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

/** Big-endian int64 as a JS number (exact below 2^53, which offsets, timestamps and producer ids are). */
export function readInt64(buf: Buffer, pos: number): number {
  return buf.readInt32BE(pos) * 4294967296 + buf.readUInt32BE(pos + 4);
}

/** Parses the 61-byte header found at `pos` of `buf` (the caller checked that 61 bytes are there). */
export function readBatchHeader(buf: Buffer, pos = 0): BatchHeader {
  return {
    baseOffset: readInt64(buf, pos + BASE_OFFSET),
    batchLength: buf.readInt32BE(pos + BATCH_LENGTH),
    partitionLeaderEpoch: buf.readInt32BE(pos + PARTITION_LEADER_EPOCH),
    magic: buf.readInt8(pos + MAGIC),
    crc: buf.readUInt32BE(pos + CRC),
    attributes: buf.readInt16BE(pos + ATTRIBUTES),
    lastOffsetDelta: buf.readInt32BE(pos + LAST_OFFSET_DELTA),
    baseTimestamp: readInt64(buf, pos + BASE_TIMESTAMP),
    maxTimestamp: readInt64(buf, pos + MAX_TIMESTAMP),
    producerId: readInt64(buf, pos + PRODUCER_ID),
    producerEpoch: buf.readInt16BE(pos + PRODUCER_EPOCH),
    baseSequence: buf.readInt32BE(pos + BASE_SEQUENCE),
    recordCount: buf.readInt32BE(pos + RECORD_COUNT),
  };
}

/** Total bytes the batch occupies. */
export function batchSize(h: BatchHeader): number {
  return h.batchLength + LOG_OVERHEAD;
}

export function lastOffsetOf(h: BatchHeader): number {
  return h.baseOffset + h.lastOffsetDelta;
}

/** Why a header cannot start a valid v2 batch, or null when it is plausible. */
export function invalidHeader(h: BatchHeader): string | null {
  if (h.magic !== 2) return `magic ${h.magic}, expected 2`;
  if (h.batchLength < HEADER_SIZE - LOG_OVERHEAD) return `batchLength ${h.batchLength} is too small`;
  if (h.lastOffsetDelta < 0) return `lastOffsetDelta ${h.lastOffsetDelta} is negative`;
  if (h.baseOffset < 0) return `baseOffset ${h.baseOffset} is negative`;
  return null;
}

export function writeBaseOffset(buf: Buffer, pos: number, offset: number): void {
  buf.writeBigInt64BE(BigInt(offset), pos + BASE_OFFSET);
}

export function writePartitionLeaderEpoch(buf: Buffer, pos: number, epoch: number): void {
  buf.writeInt32BE(epoch, pos + PARTITION_LEADER_EPOCH);
}

export const COMPRESSION_MASK = 0x07;
export const TIMESTAMP_TYPE_MASK = 0x08;

/** True when the stored CRC matches CRC-32C of bytes [21, end) of the batch at `pos`. */
export function batchCrcValid(buf: Buffer, pos: number, size: number): boolean {
  return buf.readUInt32BE(pos + CRC) === crc32c(buf, pos + ATTRIBUTES, pos + size);
}
