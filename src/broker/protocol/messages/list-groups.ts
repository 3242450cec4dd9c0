// ListGroups (key 16). Supported 0-2. Flexible from 3.
import { array, int16, int32, message, string, struct, type Infer } from '../schema.js';

export const ListGroupsRequest = message({
  name: 'ListGroupsRequest', apiKey: 16, validVersions: '0-2', flexibleVersions: '3+',
  fields: {
    statesFilter: array(string(), { versions: '4+' }),
  },
});

export const ListGroupsResponse = message({
  name: 'ListGroupsResponse', apiKey: 16, validVersions: '0-2', flexibleVersions: '3+',
  fields: {
    throttleTimeMs: int32({ versions: '1+' }),
    errorCode: int16(),
    groups: array(struct({
      groupId: string(),
      protocolType: string(),
      groupState: string({ versions: '4+' }),
    })),
  },
});
export type ListGroupsRequest = Infer<typeof ListGroupsRequest>;
export type ListGroupsResponse = Infer<typeof ListGroupsResponse>;
