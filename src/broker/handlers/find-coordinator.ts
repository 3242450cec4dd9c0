import { ErrorCode } from '../protocol/errors.js';
import { defineHandler } from './types.js';

const TRANSACTION = 1;

/**
 * FindCoordinator v0-2: the coordinator of a group is the leader of its __consumer_offsets partition
 * (abs(hashCode(groupId)) % partitions), so every broker gives the same answer. COORDINATOR_NOT_AVAILABLE while that
 * partition has no leader. The answer comes from metadata, as Kafka's does: a leader that was killed and is not
 * fenced yet (or never will be, without a quorum) is still named, and clients find it does not answer.
 * A transactional id (keyType 1) is mapped the same way onto __transaction_state, which is created on the first
 * such request, as Kafka does (COORDINATOR_NOT_AVAILABLE while it cannot be: no quorum, or fewer brokers than its
 * replication factor).
 */
export const findCoordinator = defineHandler({
  apiKey: 10,
  name: 'FindCoordinator',
  minVersion: 0,
  maxVersion: 2,
  handle(request, { cluster, listenerName }) {
    const key: string = request.key ?? '';
    const id = request.keyType === TRANSACTION ? cluster.transactionCoordinatorFor(key) : cluster.coordinatorFor(key);
    const registration = cluster.controller.registrations.get(id);
    if (id < 0 || !registration || registration.fenced) {
      return {
        throttleTimeMs: 0,
        errorCode: ErrorCode.COORDINATOR_NOT_AVAILABLE,
        errorMessage: 'The coordinator is not available.',
        nodeId: -1,
        host: '',
        port: -1,
      };
    }
    return { throttleTimeMs: 0, errorCode: ErrorCode.NONE, errorMessage: null, nodeId: id, ...cluster.controller.endpointFor(id, listenerName)! };
  },
});
