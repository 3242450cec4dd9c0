// CreatePartitions (key 37). Supported 0-1. Flexible from 2.
import { array, bool, int16, int32, message, nullableArray, nullableString, string, struct, type Infer } from '../schema.js';

export const CreatePartitionsRequest = message({
  name: 'CreatePartitionsRequest', apiKey: 37, validVersions: '0-1', flexibleVersions: '2+',
  fields: {
    topics: array(struct({
      name: string(),
      count: int32(),
      assignments: nullableArray(struct({ brokerIds: array(int32()) })),
    })),
    timeoutMs: int32(),
    validateOnly: bool(),
  },
});

export const CreatePartitionsResponse = message({
  name: 'CreatePartitionsResponse', apiKey: 37, validVersions: '0-1', flexibleVersions: '2+',
  fields: {
    throttleTimeMs: int32(),
    results: array(struct({
      name: string(),
      errorCode: int16(),
      errorMessage: nullableString({ default: null }),
    })),
  },
});
export type CreatePartitionsRequest = Infer<typeof CreatePartitionsRequest>;
export type CreatePartitionsResponse = Infer<typeof CreatePartitionsResponse>;
