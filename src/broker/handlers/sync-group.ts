import { coordinates } from '../group/index.js';
import { ErrorCode } from '../protocol/errors.js';
import { defineHandler } from './types.js';

/** SyncGroup v0-3: followers park until the leader sends the assignments; each member gets its own. */
export const syncGroup = defineHandler({
  apiKey: 14,
  name: 'SyncGroup',
  minVersion: 0,
  maxVersion: 3,
  handle(request, { broker, cluster }) {
    if (!coordinates(cluster, broker.id, request.groupId)) {
      return { throttleTimeMs: 0, errorCode: ErrorCode.NOT_COORDINATOR, protocolType: null, protocolName: null, assignment: Buffer.alloc(0) };
    }
    return cluster.groups.syncGroup(request);
  },
});
