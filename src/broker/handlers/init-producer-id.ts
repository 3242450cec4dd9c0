import { ErrorCode } from '../protocol/errors.js';
import { defineHandler } from './types.js';

/**
 * InitProducerId v0-1 for idempotent producers: a fresh producer id with epoch 0, unique across the cluster and
 * across restarts. Transactions are not implemented, so a transactional id is refused with UNSUPPORTED_VERSION: the
 * Java producer then says "Unexpected error in InitProducerIdResponse; The version of API is not supported.", kafkajs
 * "The version of API is not supported" (INVALID_REQUEST, the answer before, reads as a malformed request).
 *
 * As in Kafka, each broker hands out ids from a block of 1000 it got from the controller and asks for the next block
 * when that one is used up (a new process starts without one). Without an active controller a broker that has no ids
 * left answers COORDINATOR_LOAD_IN_PROGRESS (clients retry); one with ids left goes on (measured on Kafka 4.4.0).
 */
/** What this broker answers where a transaction would begin (it has no transaction coordinator). */
export const TRANSACTIONS_UNSUPPORTED = ErrorCode.UNSUPPORTED_VERSION;

export const initProducerId = defineHandler({
  apiKey: 22,
  name: 'InitProducerId',
  minVersion: 0,
  maxVersion: 1,
  handle(request, { broker, cluster }) {
    if (request.transactionalId !== null && request.transactionalId !== undefined) {
      return { throttleTimeMs: 0, errorCode: TRANSACTIONS_UNSUPPORTED, producerId: -1, producerEpoch: -1 };
    }
    if (!broker.producerIds || broker.producerIds.next >= broker.producerIds.end) {
      const block = cluster.controller.allocateProducerIdBlock(broker.id);
      if (!block) return { throttleTimeMs: 0, errorCode: ErrorCode.COORDINATOR_LOAD_IN_PROGRESS, producerId: -1, producerEpoch: -1 };
      broker.producerIds = { next: block.first, end: block.first + block.size };
    }
    return { throttleTimeMs: 0, errorCode: ErrorCode.NONE, producerId: broker.producerIds.next++, producerEpoch: 0 };
  },
});
