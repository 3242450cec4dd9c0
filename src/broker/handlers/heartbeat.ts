import { coordinates } from '../group/index.js';
import { ErrorCode } from '../protocol/errors.js';
import { defineHandler } from './types.js';

/** Heartbeat v0-3: keeps a member's session alive; REBALANCE_IN_PROGRESS tells it to rejoin. */
export const heartbeat = defineHandler({
  apiKey: 12,
  name: 'Heartbeat',
  minVersion: 0,
  maxVersion: 3,
  handle(request, { broker, cluster }) {
    if (!coordinates(cluster, broker.id, request.groupId)) return { throttleTimeMs: 0, errorCode: ErrorCode.NOT_COORDINATOR };
    return cluster.groups.heartbeat(request);
  },
});
