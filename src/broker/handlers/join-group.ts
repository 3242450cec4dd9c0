import { coordinates, joinError } from '../group/index.js';
import { ErrorCode } from '../protocol/errors.js';
import { defineHandler } from './types.js';

/**
 * JoinGroup v0-5: parks until the group's join phase ends (all known members rejoined, or the rebalance timeout).
 * v4+ unknown members first get MEMBER_ID_REQUIRED with their id. Only the leader gets the member list.
 * Sent to a broker that does not coordinate the group: NOT_COORDINATOR.
 */
export const joinGroup = defineHandler({
  apiKey: 11,
  name: 'JoinGroup',
  minVersion: 0,
  maxVersion: 5,
  async handle(request, { broker, cluster, version, clientId, clientHost }) {
    if (!coordinates(cluster, broker.id, request.groupId)) return joinError(ErrorCode.NOT_COORDINATOR, request.memberId, version);
    const response = await cluster.groups.joinGroup(request, { version, clientId, clientHost });
    // Before v7 protocolName is not nullable.
    return version < 7 && response.protocolName === null ? { ...response, protocolName: '' } : response;
  },
});

