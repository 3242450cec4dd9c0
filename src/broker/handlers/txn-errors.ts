import { ErrorCode } from '../protocol/errors.js';

/**
 * PRODUCER_FENCED is only answered to request versions that know it (KIP-588); older ones get INVALID_PRODUCER_EPOCH,
 * as Kafka's KafkaApis down-converts it. `since`: the first version of that API that knows it.
 */
export const fencedFor = (errorCode: number, version: number, since: number): number =>
  errorCode === ErrorCode.PRODUCER_FENCED && version < since ? ErrorCode.INVALID_PRODUCER_EPOCH : errorCode;
