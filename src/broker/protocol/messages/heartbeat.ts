// Heartbeat (key 12). Supported 0-3. Flexible from 4.
import { int16, int32, message, nullableString, string, type Infer } from '../schema.js';

export const HeartbeatRequest = message({
  name: 'HeartbeatRequest', apiKey: 12, validVersions: '0-3', flexibleVersions: '4+',
  fields: {
    groupId: string(),
    generationId: int32(),
    memberId: string(),
    groupInstanceId: nullableString({ versions: '3+', nullableVersions: '3+', default: null }),
  },
});

export const HeartbeatResponse = message({
  name: 'HeartbeatResponse', apiKey: 12, validVersions: '0-3', flexibleVersions: '4+',
  fields: {
    throttleTimeMs: int32({ versions: '1+' }),
    errorCode: int16(),
  },
});
export type HeartbeatRequest = Infer<typeof HeartbeatRequest>;
export type HeartbeatResponse = Infer<typeof HeartbeatResponse>;
