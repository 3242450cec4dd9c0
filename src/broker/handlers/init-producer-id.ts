import { ErrorCode } from '../protocol/errors.js';
import { defineHandler } from './types.js';

/**
 * InitProducerId v0-1 for idempotent producers: a fresh producer id with epoch 0, unique across the cluster and
 * across restarts. Transactions are not implemented, so a transactional id is refused.
 */
export const initProducerId = defineHandler({
  apiKey: 22,
  name: 'InitProducerId',
  minVersion: 0,
  maxVersion: 1,
  handle(request, { cluster }) {
    if (request.transactionalId !== null && request.transactionalId !== undefined) {
      return { throttleTimeMs: 0, errorCode: ErrorCode.INVALID_REQUEST, producerId: -1, producerEpoch: -1 };
    }
    return { throttleTimeMs: 0, errorCode: ErrorCode.NONE, producerId: cluster.controller.allocateProducerId(), producerEpoch: 0 };
  },
});
