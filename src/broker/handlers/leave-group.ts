import { coordinates } from '../group/index.js';
import { ErrorCode } from '../protocol/errors.js';
import { defineHandler } from './types.js';

/** LeaveGroup v0-3: v0-2 one member (error at the top), v3 a batch (errors per member). Triggers a rebalance. */
export const leaveGroup = defineHandler({
  apiKey: 13,
  name: 'LeaveGroup',
  minVersion: 0,
  maxVersion: 3,
  handle(request, { broker, cluster, version }) {
    if (!coordinates(cluster, broker.id, request.groupId)) return { throttleTimeMs: 0, errorCode: ErrorCode.NOT_COORDINATOR, members: [] };
    return cluster.groups.leaveGroup(request, version);
  },
});
