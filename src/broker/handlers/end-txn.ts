import { fencedFor } from './txn-errors.js';
import { defineHandler } from './types.js';

/**
 * EndTxn v0-3: commits or aborts the producer's transaction. Answered once the decision is stored (PrepareCommit /
 * PrepareAbort); the markers follow, and until they are written the id's next request gets CONCURRENT_TRANSACTIONS.
 */
export const endTxn = defineHandler({
  apiKey: 26,
  name: 'EndTxn',
  minVersion: 0,
  maxVersion: 3,
  handle(request, { broker, cluster, version }) {
    const error = cluster.transactions.endTxn(broker.id, request.transactionalId, request.producerId, request.producerEpoch, request.committed);
    return { throttleTimeMs: 0, errorCode: fencedFor(error, version, 2) };
  },
});
