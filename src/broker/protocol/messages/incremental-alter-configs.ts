// IncrementalAlterConfigs (key 44). Supported 0-1. Flexible from 1. Operations: 0 SET, 1 DELETE, 2 APPEND, 3 SUBTRACT.
import { array, bool, int16, int32, int8, message, nullableString, string, struct, type Infer } from '../schema.js';

export const IncrementalAlterConfigsRequest = message({
  name: 'IncrementalAlterConfigsRequest', apiKey: 44, validVersions: '0-1', flexibleVersions: '1+',
  fields: {
    resources: array(struct({
      resourceType: int8(),
      resourceName: string(),
      configs: array(struct({ name: string(), configOperation: int8(), value: nullableString() })),
    })),
    validateOnly: bool(),
  },
});

export const IncrementalAlterConfigsResponse = message({
  name: 'IncrementalAlterConfigsResponse', apiKey: 44, validVersions: '0-1', flexibleVersions: '1+',
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
export type IncrementalAlterConfigsRequest = Infer<typeof IncrementalAlterConfigsRequest>;
export type IncrementalAlterConfigsResponse = Infer<typeof IncrementalAlterConfigsResponse>;
