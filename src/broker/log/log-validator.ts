import { ErrorCode } from '../protocol/errors.js';
import {
  BATCH_HEADER_SIZE,
  Compression,
  baseTimestamp,
  compressionOf,
  decodeRecords,
  maxTimestamp,
  recordCount,
  type DecodedRecord,
} from '../protocol/record-batch.js';

/** What a leader checks a client's batch against: its topic's settings and the broker clock. */
export interface ProducedBatchRules {
  compacted: boolean;
  createTime: boolean;
  /** message.timestamp.before.max.ms / after.max.ms: how far a CreateTime may lie behind / ahead of the clock. */
  timestampBeforeMaxMs: number;
  timestampAfterMaxMs: number;
  now: number;
}

/**
 * Kafka's LogValidator for one produced batch whose framing and CRC are already checked: the records themselves.
 * Returns NONE or the error code Kafka 4.4.0 answers (measured, see docs/fidelity.md):
 *   no records                                     INVALID_RECORD
 *   a codec id Kafka does not know (5-7)           UNKNOWN_SERVER_ERROR (Kafka: IllegalArgumentException)
 *   a gzip body that does not inflate              UNKNOWN_SERVER_ERROR (Kafka: a KafkaException from the stream)
 *   an lz4 or zstd body without its frame's magic   UNKNOWN_SERVER_ERROR (the codec's stream refuses it)
 *   records that do not parse (also inside gzip)   INVALID_RECORD
 *   a null key on a compacted topic                INVALID_RECORD
 *   a CreateTime outside the allowed window        INVALID_TIMESTAMP
 * snappy, lz4 and zstd bodies cannot be opened here (no codec in Node's standard library): past the lz4/zstd magic
 * they are stored unchecked, and only the batch header's timestamps are checked.
 */
export function validateProducedRecords(batch: Buffer, rules: ProducedBatchRules): number {
  if (recordCount(batch) === 0) return ErrorCode.INVALID_RECORD;
  const codec = compressionOf(batch);
  if (codec > Compression.ZSTD) return ErrorCode.UNKNOWN_SERVER_ERROR;
  if (codec === Compression.LZ4 && !startsWith(batch, LZ4_FRAME_MAGIC)) return ErrorCode.UNKNOWN_SERVER_ERROR;
  if (codec === Compression.ZSTD && !startsWith(batch, ZSTD_FRAME_MAGIC)) return ErrorCode.UNKNOWN_SERVER_ERROR;
  if (codec !== Compression.NONE && codec !== Compression.GZIP) return timestampsError([baseTimestamp(batch), maxTimestamp(batch)], rules);
  let records: DecodedRecord[];
  try {
    records = decodeRecords(batch);
  } catch (error) {
    return codec === Compression.GZIP && /^gzip:/.test((error as Error).message) ? ErrorCode.UNKNOWN_SERVER_ERROR : ErrorCode.INVALID_RECORD;
  }
  if (rules.compacted && records.some((r) => r.key === null)) return ErrorCode.INVALID_RECORD;
  return timestampsError(
    records.map((r) => r.timestamp),
    rules,
  );
}

/** The first bytes of an LZ4 frame and of a zstd frame (little-endian 0x184D2204, 0xFD2FB528). */
const LZ4_FRAME_MAGIC = Buffer.from([0x04, 0x22, 0x4d, 0x18]);
const ZSTD_FRAME_MAGIC = Buffer.from([0x28, 0xb5, 0x2f, 0xfd]);
const startsWith = (batch: Buffer, magic: Buffer) => batch.subarray(BATCH_HEADER_SIZE, BATCH_HEADER_SIZE + magic.length).equals(magic);

function timestampsError(timestamps: number[], rules: ProducedBatchRules): number {
  if (!rules.createTime) return ErrorCode.NONE;
  for (const ts of timestamps) {
    if (ts < rules.now - rules.timestampBeforeMaxMs || ts > rules.now + rules.timestampAfterMaxMs) return ErrorCode.INVALID_TIMESTAMP;
  }
  return ErrorCode.NONE;
}
