// CreateTopics (key 19). Supported 0-3. Flexible from 5.
import { array, bool, int16, int32, message, nullableString, string, struct, type Infer } from '../schema.js';

export const CreateTopicsRequest = message({
  name: 'CreateTopicsRequest', apiKey: 19, validVersions: '0-3', flexibleVersions: '5+',
  fields: {
    topics: array(struct({
      name: string(),
      numPartitions: int32(),
      replicationFactor: int16(),
      assignments: array(struct({ partitionIndex: int32(), brokerIds: array(int32()) })),
      configs: array(struct({ name: string(), value: nullableString() })),
    })),
    timeoutMs: int32({ default: 60000 }),
    validateOnly: bool({ versions: '1+', default: false }),
  },
});

export const CreateTopicsResponse = message({
  name: 'CreateTopicsResponse', apiKey: 19, validVersions: '0-3', flexibleVersions: '5+',
  fields: {
    throttleTimeMs: int32({ versions: '2+' }),
    topics: array(struct({
      name: string(),
      errorCode: int16(),
      errorMessage: nullableString({ versions: '1+', default: null }),
    })),
  },
});
export type CreateTopicsRequest = Infer<typeof CreateTopicsRequest>;
export type CreateTopicsResponse = Infer<typeof CreateTopicsResponse>;
