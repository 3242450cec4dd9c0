import { fencedFor } from './txn-errors.js';
import { defineHandler } from './types.js';

/** AddOffsetsToTxn v0-3: the group's offsets partition joins the transaction, so TxnOffsetCommit may stage offsets. */
export const addOffsetsToTxn = defineHandler({
  apiKey: 25,
  name: 'AddOffsetsToTxn',
  minVersion: 0,
  maxVersion: 3,
  handle(request, { broker, cluster, version }) {
    const error = cluster.transactions.addOffsets(broker.id, request.transactionalId, request.producerId, request.producerEpoch, request.groupId);
    return { throttleTimeMs: 0, errorCode: fencedFor(error, version, 2) };
  },
});
