import { ErrorCode } from '../protocol/errors.js';
import { defineHandler } from './types.js';

/**
 * FindCoordinator v0-2: the coordinator of a group is the leader of its __consumer_offsets partition
 * (abs(hashCode(groupId)) % partitions), so every broker gives the same answer. COORDINATOR_NOT_AVAILABLE while that
 * partition has no leader. The answer comes from metadata, as Kafka's does: a leader that was killed and is not
 * fenced yet (or never will be, without a quorum) is still named, and clients find it does not answer.
 * Transactional ids (keyType 1) are mapped the same way; transactions are not implemented, so that answer only
 * matters to clients that probe.
 */
export const findCoordinator = defineHandler({
  apiKey: 10,
  name: 'FindCoordinator',
  minVersion: 0,
  maxVersion: 2,
  handle(request, { cluster, listenerName }) {
    const key: string = request.key ?? '';
    const id = cluster.coordinatorFor(key);
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
