// OffsetFetch (key 9). Supported 1-5 (v5: committed leader epoch) (kafkajs has no v0). Flexible from 6.
// v2+: topics null = all topics of the group.
import { array, int16, int32, int64, message, nullableArray, nullableString, string, struct, type Infer } from '../schema.js';

export const OffsetFetchRequest = message({
  name: 'OffsetFetchRequest', apiKey: 9, validVersions: '1-5', flexibleVersions: '6+',
  fields: {
    groupId: string({ versions: '0-7' }),
    topics: nullableArray(struct({ name: string(), partitionIndexes: array(int32()) }), { versions: '0-7', nullableVersions: '2-7' }),
  },
});

export const OffsetFetchResponse = message({
  name: 'OffsetFetchResponse', apiKey: 9, validVersions: '1-5', flexibleVersions: '6+',
  fields: {
    throttleTimeMs: int32({ versions: '3+' }),
    topics: array(struct({
      name: string(),
      partitions: array(struct({
        partitionIndex: int32(),
        committedOffset: int64(),
        committedLeaderEpoch: int32({ versions: '5-7', default: -1 }),
        metadata: nullableString(),
        errorCode: int16(),
      })),
    }), { versions: '0-7' }),
    errorCode: int16({ versions: '2-7', default: 0 }),
  },
});
export type OffsetFetchRequest = Infer<typeof OffsetFetchRequest>;
export type OffsetFetchResponse = Infer<typeof OffsetFetchResponse>;
