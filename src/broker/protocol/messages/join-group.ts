// JoinGroup (key 11). Supported 0-5. Flexible from 6.
import { array, bool, bytes, int16, int32, message, nullableString, string, struct, type Infer } from '../schema.js';

export const JoinGroupRequest = message({
  name: 'JoinGroupRequest', apiKey: 11, validVersions: '0-5', flexibleVersions: '6+',
  fields: {
    groupId: string(),
    sessionTimeoutMs: int32(),
    rebalanceTimeoutMs: int32({ versions: '1+', default: -1 }),
    memberId: string(),
    groupInstanceId: nullableString({ versions: '5+', nullableVersions: '5+', default: null }),
    protocolType: string(),
    protocols: array(struct({ name: string(), metadata: bytes() })),
  },
});

export const JoinGroupResponse = message({
  name: 'JoinGroupResponse', apiKey: 11, validVersions: '0-5', flexibleVersions: '6+',
  fields: {
    throttleTimeMs: int32({ versions: '2+' }),
    errorCode: int16(),
    generationId: int32({ default: -1 }),
    protocolType: nullableString({ versions: '7+', nullableVersions: '7+', default: null }),
    protocolName: nullableString({ nullableVersions: '7+' }),
    leader: string(),
    skipAssignment: bool({ versions: '9+', default: false }),
    memberId: string(),
    members: array(struct({
      memberId: string(),
      groupInstanceId: nullableString({ versions: '5+', nullableVersions: '5+', default: null }),
      metadata: bytes(),
    })),
  },
});
export type JoinGroupRequest = Infer<typeof JoinGroupRequest>;
export type JoinGroupResponse = Infer<typeof JoinGroupResponse>;
