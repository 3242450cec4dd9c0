import { crc32c } from '../protocol/crc32c.js';
import * as recordBatch from '../protocol/record-batch.js';
import type { BatchHeader } from '../protocol/record-batch.js';
/**
 * The record batch v2 header as the log reads it: field offsets for raw header reads, and the plausibility and CRC
 * checks recovery needs. Field access itself comes from the protocol's record-batch.ts.
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

export { type BatchHeader, readBatchHeader } from '../protocol/record-batch.js';

/** Big-endian int64 as a JS number (exact below 2^53, which offsets, timestamps and producer ids are). */
export const readInt64 = (buf: Buffer, pos: number): number => recordBatch.baseOffset(buf, pos);

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

export const writeBaseOffset = (buf: Buffer, pos: number, offset: number): void => recordBatch.setBaseOffset(buf, offset, pos);

export const writePartitionLeaderEpoch = (buf: Buffer, pos: number, epoch: number): void => {
  recordBatch.setPartitionLeaderEpoch(buf, epoch, pos);
};

export const COMPRESSION_MASK = 0x07;
export const TIMESTAMP_TYPE_MASK = 0x08;

/** True when the stored CRC matches CRC-32C of bytes [21, end) of the batch at `pos`. */
export function batchCrcValid(buf: Buffer, pos: number, size: number): boolean {
  return buf.readUInt32BE(pos + CRC) === crc32c(buf, pos + ATTRIBUTES, pos + size);
}
