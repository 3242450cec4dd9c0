// ElectLeaders (key 43). Supported 0-2, flexible from 2. v1 adds the election type (0 preferred, 1 unclean) and a
// top-level error code. Null topicPartitions means every partition.
import { array, int16, int32, int8, message, nullableArray, nullableString, string, struct, type Infer } from '../schema.js';

export const ElectLeadersRequest = message({
  name: 'ElectLeadersRequest', apiKey: 43, validVersions: '0-2', flexibleVersions: '2+',
  fields: {
    electionType: int8({ versions: '1+' }),
    topicPartitions: nullableArray(struct({ topic: string(), partitions: array(int32()) })),
    timeoutMs: int32({ default: 60000 }),
  },
});

export const ElectLeadersResponse = message({
  name: 'ElectLeadersResponse', apiKey: 43, validVersions: '0-2', flexibleVersions: '2+',
  fields: {
    throttleTimeMs: int32(),
    errorCode: int16({ versions: '1+' }),
    replicaElectionResults: array(struct({
      topic: string(),
      partitionResult: array(struct({
        partitionId: int32(),
        errorCode: int16(),
        errorMessage: nullableString({ default: null }),
      })),
    })),
  },
});
export type ElectLeadersRequest = Infer<typeof ElectLeadersRequest>;
export type ElectLeadersResponse = Infer<typeof ElectLeadersResponse>;
