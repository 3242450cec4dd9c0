export {
  type AppendResult,
  CLEANED_SUFFIX,
  type CleanupPolicy,
  type LogStats,
  LogAppendError,
  OffsetOutOfRangeError,
  openPartitionLog,
  PartitionLog,
  type PartitionLogOptions,
  type ReadResult,
  type TimestampOffset,
} from './partition-log.js';
export { type EpochEndOffset, type EpochEntry, LeaderEpochCache, UNDEFINED_EPOCH, UNDEFINED_EPOCH_OFFSET } from './leader-epoch-cache.js';
export {
  BATCHES_TO_RETAIN,
  incrementSequence,
  INVALID_PRODUCER_EPOCH,
  OUT_OF_ORDER_SEQUENCE_NUMBER,
  type ProducerBatchInfo,
  type ProducerCheck,
  type ProducerEntry,
  ProducerStateManager,
  type RetainedBatch,
} from './producer-state.js';
