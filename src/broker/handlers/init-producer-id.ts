import { ErrorCode } from '../protocol/errors.js';
import { fencedFor } from './txn-errors.js';
import { defineHandler } from './types.js';

/**
 * InitProducerId v0-4. Without a transactional id: a fresh producer id with epoch 0, unique across the cluster and
 * across restarts (an idempotent producer). With one, at that id's transaction coordinator: the id's producer with
 * its epoch bumped, which fences the previous producer; a transaction it left open is aborted first (the answer is
 * CONCURRENT_TRANSACTIONS until then, and the client retries). See TransactionCoordinator.
 *
 * As in Kafka, each broker hands out ids from a block of 1000 it got from the controller and asks for the next block
 * when that one is used up (a new process starts without one). Without an active controller a broker that has no ids
 * left answers COORDINATOR_LOAD_IN_PROGRESS (clients retry); one with ids left goes on (measured on Kafka 4.4.0).
 */
export const initProducerId = defineHandler({
  apiKey: 22,
  name: 'InitProducerId',
  minVersion: 0,
  maxVersion: 4,
  handle(request, { broker, cluster, version }) {
    const failed = (errorCode: number) => ({ throttleTimeMs: 0, errorCode, producerId: -1, producerEpoch: -1 });
    if (request.transactionalId !== null && request.transactionalId !== undefined) {
      const expected = { producerId: request.producerId ?? -1, producerEpoch: request.producerEpoch ?? -1 };
      const r = cluster.transactions.initProducerId(broker.id, request.transactionalId, request.transactionTimeoutMs, expected);
      return { throttleTimeMs: 0, ...r, errorCode: fencedFor(r.errorCode, version, 4) };
    }
    const producerId = cluster.allocateProducerId(broker.id);
    if (producerId === null) return failed(ErrorCode.COORDINATOR_LOAD_IN_PROGRESS);
    return { throttleTimeMs: 0, errorCode: ErrorCode.NONE, producerId, producerEpoch: 0 };
  },
});
