// OffsetForLeaderEpoch (key 23). Supported 0-3 (v3: replicaId, for consumers). Flexible from 4.
import { array, int16, int32, int64, message, string, struct, type Infer } from '../schema.js';

export const OffsetForLeaderEpochRequest = message({
  name: 'OffsetForLeaderEpochRequest', apiKey: 23, validVersions: '0-3', flexibleVersions: '4+',
  fields: {
    replicaId: int32({ versions: '3+', default: -2 }),
    topics: array(struct({
      topic: string(),
      partitions: array(struct({
        partition: int32(),
        currentLeaderEpoch: int32({ versions: '2+', default: -1 }),
        leaderEpoch: int32(),
      })),
    })),
  },
});

export const OffsetForLeaderEpochResponse = message({
  name: 'OffsetForLeaderEpochResponse', apiKey: 23, validVersions: '0-3', flexibleVersions: '4+',
  fields: {
    throttleTimeMs: int32({ versions: '2+' }),
    topics: array(struct({
      topic: string(),
      partitions: array(struct({
        errorCode: int16(),
        partition: int32(),
        leaderEpoch: int32({ versions: '1+', default: -1 }),
        endOffset: int64({ default: -1 }),
      })),
    })),
  },
});
export type OffsetForLeaderEpochRequest = Infer<typeof OffsetForLeaderEpochRequest>;
export type OffsetForLeaderEpochResponse = Infer<typeof OffsetForLeaderEpochResponse>;
