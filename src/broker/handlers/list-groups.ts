import { defineHandler } from './types.js';

/** ListGroups v0-2: the groups this broker coordinates (clients ask every broker and merge). */
export const listGroups = defineHandler({
  apiKey: 16,
  name: 'ListGroups',
  minVersion: 0,
  maxVersion: 2,
  handle(request, { broker, cluster }) {
    return cluster.groups.listGroups({
      owned: (groupId) => cluster.coordinatorFor(groupId) === broker.id,
      statesFilter: request.statesFilter ?? [],
    });
  },
});
