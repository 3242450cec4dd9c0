// DeleteGroups (key 42). Supported 0-1. Flexible from 2.
import { array, int16, int32, message, string, struct, type Infer } from '../schema.js';

export const DeleteGroupsRequest = message({
  name: 'DeleteGroupsRequest', apiKey: 42, validVersions: '0-1', flexibleVersions: '2+',
  fields: {
    groupsNames: array(string()),
  },
});

export const DeleteGroupsResponse = message({
  name: 'DeleteGroupsResponse', apiKey: 42, validVersions: '0-1', flexibleVersions: '2+',
  fields: {
    throttleTimeMs: int32(),
    results: array(struct({ groupId: string(), errorCode: int16() })),
  },
});
export type DeleteGroupsRequest = Infer<typeof DeleteGroupsRequest>;
export type DeleteGroupsResponse = Infer<typeof DeleteGroupsResponse>;
