// LeaveGroup (key 13). Supported 0-3. Flexible from 4. v3 batches members.
import { array, int16, int32, message, nullableString, string, struct, type Infer } from '../schema.js';

export const LeaveGroupRequest = message({
  name: 'LeaveGroupRequest', apiKey: 13, validVersions: '0-3', flexibleVersions: '4+',
  fields: {
    groupId: string(),
    memberId: string({ versions: '0-2' }),
    members: array(struct({
      memberId: string(),
      groupInstanceId: nullableString({ versions: '3+', nullableVersions: '3+', default: null }),
    }), { versions: '3+' }),
  },
});

export const LeaveGroupResponse = message({
  name: 'LeaveGroupResponse', apiKey: 13, validVersions: '0-3', flexibleVersions: '4+',
  fields: {
    throttleTimeMs: int32({ versions: '1+' }),
    errorCode: int16(),
    members: array(struct({
      memberId: string(),
      groupInstanceId: nullableString({ versions: '3+', nullableVersions: '3+', default: null }),
      errorCode: int16(),
    }), { versions: '3+' }),
  },
});
export type LeaveGroupRequest = Infer<typeof LeaveGroupRequest>;
export type LeaveGroupResponse = Infer<typeof LeaveGroupResponse>;
