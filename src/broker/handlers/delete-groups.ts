import { coordinates } from '../group/index.js';
import { ErrorCode } from '../protocol/errors.js';
import { defineHandler } from './types.js';

/** DeleteGroups v0-1: removes Empty groups with their committed offsets (NON_EMPTY_GROUP, GROUP_ID_NOT_FOUND). */
export const deleteGroups = defineHandler({
  apiKey: 42,
  name: 'DeleteGroups',
  minVersion: 0,
  maxVersion: 1,
  handle(request, { broker, cluster }) {
    const names: string[] = request.groupsNames;
    const mine = names.filter((g) => coordinates(cluster, broker.id, g));
    const results = new Map(cluster.groups.deleteGroups(mine).results.map((r) => [r.groupId, r.errorCode]));
    return {
      throttleTimeMs: 0,
      results: names.map((groupId) => ({ groupId, errorCode: results.get(groupId) ?? ErrorCode.NOT_COORDINATOR })),
    };
  },
});
