import { coordinates } from '../group/index.js';
import { ErrorCode } from '../protocol/errors.js';
import { defineHandler } from './types.js';

/**
 * DescribeGroups v0-2: state, protocol and members of each group; metadata and assignments only when Stable. An
 * unknown group is Dead with no error (kafkajs admin.setOffsets relies on it). Groups coordinated elsewhere get
 * NOT_COORDINATOR.
 */
export const describeGroups = defineHandler({
  apiKey: 15,
  name: 'DescribeGroups',
  minVersion: 0,
  maxVersion: 2,
  handle(request, { broker, cluster }) {
    return {
      throttleTimeMs: 0,
      groups: (request.groups as string[]).map((groupId) =>
        coordinates(cluster, broker.id, groupId)
          ? cluster.groups.describeGroup(groupId)
          : {
              errorCode: ErrorCode.NOT_COORDINATOR,
              groupId,
              groupState: '',
              protocolType: '',
              protocolData: '',
              members: [],
              authorizedOperations: -2147483648,
            },
      ),
    };
  },
});
