// FindCoordinator (key 10). Supported 0-2. Flexible from 3. keyType: 0 = group, 1 = transaction.
import { int16, int32, int8, message, nullableString, string, type Infer } from '../schema.js';

export const FindCoordinatorRequest = message({
  name: 'FindCoordinatorRequest', apiKey: 10, validVersions: '0-2', flexibleVersions: '3+',
  fields: {
    key: string({ versions: '0-3' }),
    keyType: int8({ versions: '1+', default: 0 }),
  },
});

export const FindCoordinatorResponse = message({
  name: 'FindCoordinatorResponse', apiKey: 10, validVersions: '0-2', flexibleVersions: '3+',
  fields: {
    throttleTimeMs: int32({ versions: '1+' }),
    errorCode: int16({ versions: '0-3' }),
    errorMessage: nullableString({ versions: '1-3', nullableVersions: '1-3', default: null }),
    nodeId: int32({ versions: '0-3' }),
    host: string({ versions: '0-3' }),
    port: int32({ versions: '0-3' }),
  },
});
export type FindCoordinatorRequest = Infer<typeof FindCoordinatorRequest>;
export type FindCoordinatorResponse = Infer<typeof FindCoordinatorResponse>;
