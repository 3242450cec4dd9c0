// Fetch (key 1). Supported 4-11. Flexible from 12.
import { array, int16, int32, int64, int8, message, nullableArray, records, string, struct, type Infer } from '../schema.js';

export const FetchRequest = message({
  name: 'FetchRequest', apiKey: 1, validVersions: '4-11', flexibleVersions: '12+',
  fields: {
    replicaId: int32({ default: -1 }),
    maxWaitMs: int32(),
    minBytes: int32(),
    maxBytes: int32({ versions: '3+', default: 0x7fffffff }),
    isolationLevel: int8({ versions: '4+', default: 0 }),
    sessionId: int32({ versions: '7+', default: 0 }),
    sessionEpoch: int32({ versions: '7+', default: -1 }),
    topics: array(struct({
      topic: string(),
      partitions: array(struct({
        partition: int32(),
        currentLeaderEpoch: int32({ versions: '9+', default: -1 }),
        fetchOffset: int64(),
        logStartOffset: int64({ versions: '5+', default: -1 }),
        partitionMaxBytes: int32(),
      })),
    })),
    forgottenTopicsData: array(struct({ topic: string(), partitions: array(int32()) }), { versions: '7+' }),
    rackId: string({ versions: '11+', default: '' }),
  },
});

export const FetchResponse = message({
  name: 'FetchResponse', apiKey: 1, validVersions: '4-11', flexibleVersions: '12+',
  fields: {
    throttleTimeMs: int32({ versions: '1+' }),
    errorCode: int16({ versions: '7+' }),
    sessionId: int32({ versions: '7+', default: 0 }),
    responses: array(struct({
      topic: string(),
      partitions: array(struct({
        partitionIndex: int32(),
        errorCode: int16(),
        highWatermark: int64(),
        lastStableOffset: int64({ versions: '4+', default: -1 }),
        logStartOffset: int64({ versions: '5+', default: -1 }),
        abortedTransactions: nullableArray(struct({ producerId: int64(), firstOffset: int64() }), { versions: '4+', nullableVersions: '4+', default: null }),
        preferredReadReplica: int32({ versions: '11+', default: -1 }),
        records: records(),
      })),
    })),
  },
});
export type FetchRequest = Infer<typeof FetchRequest>;
export type FetchResponse = Infer<typeof FetchResponse>;
