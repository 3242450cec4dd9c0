import { ErrorCode } from '../protocol/errors.js';
import { defineHandler } from './types.js';

const STATES = ['Empty', 'Ongoing', 'PrepareCommit', 'PrepareAbort', 'CompleteCommit', 'CompleteAbort', 'Dead', 'PrepareEpochFence'];

/**
 * ListTransactions v0-1: the transactional ids this broker coordinates (clients ask every broker and merge), filtered
 * by state, producer id and (v1) how long the transaction has been open. Unknown state names come back as such.
 */
export const listTransactions = defineHandler({
  apiKey: 66,
  name: 'ListTransactions',
  minVersion: 0,
  maxVersion: 1,
  handle(request, { broker, cluster }) {
    const states: string[] = request.stateFilters;
    const producerIds: number[] = request.producerIdFilters;
    const minDuration: number = request.durationFilter ?? -1;
    const now = Date.now();
    const transactionStates = cluster.transactions
      .owns(broker.id)
      .filter((t) => states.length === 0 || states.includes(t.state))
      .filter((t) => producerIds.length === 0 || producerIds.includes(t.producerId))
      .filter((t) => minDuration < 0 || (t.startTimeMs >= 0 && now - t.startTimeMs >= minDuration))
      .map((t) => ({ transactionalId: t.transactionalId, producerId: t.producerId, transactionState: t.state }));
    return { throttleTimeMs: 0, errorCode: ErrorCode.NONE, unknownStateFilters: states.filter((s) => !STATES.includes(s)), transactionStates };
  },
});
