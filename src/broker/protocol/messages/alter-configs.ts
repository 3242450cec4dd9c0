// AlterConfigs (key 33). Supported 0-1. Flexible from 2.
import { array, bool, int16, int32, int8, message, nullableString, string, struct, type Infer } from '../schema.js';

export const AlterConfigsRequest = message({
  name: 'AlterConfigsRequest', apiKey: 33, validVersions: '0-1', flexibleVersions: '2+',
  fields: {
    resources: array(struct({
      resourceType: int8(),
      resourceName: string(),
      configs: array(struct({ name: string(), value: nullableString() })),
    })),
    validateOnly: bool(),
  },
});

export const AlterConfigsResponse = message({
  name: 'AlterConfigsResponse', apiKey: 33, validVersions: '0-1', flexibleVersions: '2+',
  fields: {
    throttleTimeMs: int32(),
    responses: array(struct({
      errorCode: int16(),
      errorMessage: nullableString(),
      resourceType: int8(),
      resourceName: string(),
    })),
  },
});
export type AlterConfigsRequest = Infer<typeof AlterConfigsRequest>;
export type AlterConfigsResponse = Infer<typeof AlterConfigsResponse>;
