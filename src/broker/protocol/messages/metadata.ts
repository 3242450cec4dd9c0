// Metadata (key 3). Supported 0-7 (v7: leader epochs, KIP-320). Flexible from 9.
// v0: an empty topics array means "all topics"; v1+: null means all topics, empty means none.
import { array, bool, int16, int32, message, nullableArray, nullableString, string, struct, type Infer } from '../schema.js';

export const MetadataRequest = message({
  name: 'MetadataRequest', apiKey: 3, validVersions: '0-7', flexibleVersions: '9+',
  fields: {
    topics: nullableArray(struct({ name: string() }), { nullableVersions: '1+' }),
    allowAutoTopicCreation: bool({ versions: '4+', default: true }),
  },
});

export const MetadataResponse = message({
  name: 'MetadataResponse', apiKey: 3, validVersions: '0-7', flexibleVersions: '9+',
  fields: {
    throttleTimeMs: int32({ versions: '3+' }),
    brokers: array(struct({
      nodeId: int32(),
      host: string(),
      port: int32(),
      rack: nullableString({ versions: '1+', nullableVersions: '1+', default: null }),
    })),
    clusterId: nullableString({ versions: '2+', nullableVersions: '2+', default: null }),
    controllerId: int32({ versions: '1+', default: -1 }),
    topics: array(struct({
      errorCode: int16(),
      name: string(),
      isInternal: bool({ versions: '1+', default: false }),
      partitions: array(struct({
        errorCode: int16(),
        partitionIndex: int32(),
        leaderId: int32(),
        leaderEpoch: int32({ versions: '7+', default: -1 }),
        replicaNodes: array(int32()),
        isrNodes: array(int32()),
        offlineReplicas: array(int32(), { versions: '5+' }),
      })),
    })),
  },
});
export type MetadataRequest = Infer<typeof MetadataRequest>;
export type MetadataResponse = Infer<typeof MetadataResponse>;
