// SyncGroup (key 14). Supported 0-3. Flexible from 4.
import { array, bytes, int16, int32, message, nullableString, string, struct, type Infer } from '../schema.js';

export const SyncGroupRequest = message({
  name: 'SyncGroupRequest', apiKey: 14, validVersions: '0-3', flexibleVersions: '4+',
  fields: {
    groupId: string(),
    generationId: int32(),
    memberId: string(),
    groupInstanceId: nullableString({ versions: '3+', nullableVersions: '3+', default: null }),
    protocolType: nullableString({ versions: '5+', nullableVersions: '5+', default: null }),
    protocolName: nullableString({ versions: '5+', nullableVersions: '5+', default: null }),
    assignments: array(struct({ memberId: string(), assignment: bytes() })),
  },
});

export const SyncGroupResponse = message({
  name: 'SyncGroupResponse', apiKey: 14, validVersions: '0-3', flexibleVersions: '4+',
  fields: {
    throttleTimeMs: int32({ versions: '1+' }),
    errorCode: int16(),
    protocolType: nullableString({ versions: '5+', nullableVersions: '5+', default: null }),
    protocolName: nullableString({ versions: '5+', nullableVersions: '5+', default: null }),
    assignment: bytes(),
  },
});
export type SyncGroupRequest = Infer<typeof SyncGroupRequest>;
export type SyncGroupResponse = Infer<typeof SyncGroupResponse>;
