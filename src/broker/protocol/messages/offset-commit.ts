// OffsetCommit (key 8). Supported 2-7 (v6: committed leader epoch; v7: group instance id). Flexible from 8.
import { array, int16, int32, int64, message, nullableString, string, struct, type Infer } from '../schema.js';

export const OffsetCommitRequest = message({
  name: 'OffsetCommitRequest', apiKey: 8, validVersions: '2-7', flexibleVersions: '8+',
  fields: {
    groupId: string(),
    generationIdOrMemberEpoch: int32({ versions: '1+', default: -1 }),
    memberId: string({ versions: '1+' }),
    groupInstanceId: nullableString({ versions: '7+', nullableVersions: '7+', default: null }),
    retentionTimeMs: int64({ versions: '2-4', default: -1 }),
    topics: array(struct({
      name: string(),
      partitions: array(struct({
        partitionIndex: int32(),
        committedOffset: int64(),
        committedLeaderEpoch: int32({ versions: '6+', default: -1 }),
        commitTimestamp: int64({ versions: '1', default: -1 }),
        committedMetadata: nullableString(),
      })),
    })),
  },
});

export const OffsetCommitResponse = message({
  name: 'OffsetCommitResponse', apiKey: 8, validVersions: '2-7', flexibleVersions: '8+',
  fields: {
    throttleTimeMs: int32({ versions: '3+' }),
    topics: array(struct({
      name: string(),
      partitions: array(struct({ partitionIndex: int32(), errorCode: int16() })),
    })),
  },
});
export type OffsetCommitRequest = Infer<typeof OffsetCommitRequest>;
export type OffsetCommitResponse = Infer<typeof OffsetCommitResponse>;
