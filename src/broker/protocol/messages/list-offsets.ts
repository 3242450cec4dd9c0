// ListOffsets (key 2). Supported 1-5 (v4: leader epochs; v5: no schema change). Flexible from 6.
import { array, int16, int32, int64, int8, message, string, struct, type Infer } from '../schema.js';

export const ListOffsetsRequest = message({
  name: 'ListOffsetsRequest', apiKey: 2, validVersions: '1-5', flexibleVersions: '6+',
  fields: {
    replicaId: int32({ default: -1 }),
    isolationLevel: int8({ versions: '2+' }),
    topics: array(struct({
      name: string(),
      partitions: array(struct({
        partitionIndex: int32(),
        currentLeaderEpoch: int32({ versions: '4+', default: -1 }),
        timestamp: int64(),
        maxNumOffsets: int32({ versions: '0', default: 1 }),
      })),
    })),
  },
});

export const ListOffsetsResponse = message({
  name: 'ListOffsetsResponse', apiKey: 2, validVersions: '1-5', flexibleVersions: '6+',
  fields: {
    throttleTimeMs: int32({ versions: '2+' }),
    topics: array(struct({
      name: string(),
      partitions: array(struct({
        partitionIndex: int32(),
        errorCode: int16(),
        oldStyleOffsets: array(int64(), { versions: '0' }),
        timestamp: int64({ versions: '1+', default: -1 }),
        offset: int64({ versions: '1+', default: -1 }),
        leaderEpoch: int32({ versions: '4+', default: -1 }),
      })),
    })),
  },
});
export type ListOffsetsRequest = Infer<typeof ListOffsetsRequest>;
export type ListOffsetsResponse = Infer<typeof ListOffsetsResponse>;
