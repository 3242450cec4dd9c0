// DescribeGroups (key 15). Supported 0-2. Flexible from 5.
import { array, bool, bytes, int16, int32, message, nullableString, string, struct, type Infer } from '../schema.js';

export const DescribeGroupsRequest = message({
  name: 'DescribeGroupsRequest', apiKey: 15, validVersions: '0-2', flexibleVersions: '5+',
  fields: {
    groups: array(string()),
    includeAuthorizedOperations: bool({ versions: '3+' }),
  },
});

export const DescribeGroupsResponse = message({
  name: 'DescribeGroupsResponse', apiKey: 15, validVersions: '0-2', flexibleVersions: '5+',
  fields: {
    throttleTimeMs: int32({ versions: '1+' }),
    groups: array(struct({
      errorCode: int16(),
      groupId: string(),
      groupState: string(),
      protocolType: string(),
      protocolData: string(),
      members: array(struct({
        memberId: string(),
        groupInstanceId: nullableString({ versions: '4+', nullableVersions: '4+', default: null }),
        clientId: string(),
        clientHost: string(),
        memberMetadata: bytes(),
        memberAssignment: bytes(),
      })),
      authorizedOperations: int32({ versions: '3+', default: -2147483648 }),
    })),
  },
});
export type DescribeGroupsRequest = Infer<typeof DescribeGroupsRequest>;
export type DescribeGroupsResponse = Infer<typeof DescribeGroupsResponse>;
