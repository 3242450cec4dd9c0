// TxnOffsetCommit (key 28). Supported 0-3, flexible from 3. v1 = v0 (responses before throttling), v2 adds the
// committed leader epoch, v3 the group's generation id (or member epoch), member id and group instance id (with the
// ILLEGAL_GENERATION, UNKNOWN_MEMBER_ID and FENCED_INSTANCE_ID errors). Kafka's v4-5 (KIP-890) have v3's fields; v6
// (KIP-1319) replaces topic names by topic ids and is not modelled (its TopicId field is left out).
import { array, int16, int32, int64, message, nullableString, string, struct, type Infer } from '../schema.js';

export const TxnOffsetCommitRequest = message({
  name: 'TxnOffsetCommitRequest', apiKey: 28, validVersions: '0-3', flexibleVersions: '3+',
  fields: {
    transactionalId: string(),
    groupId: string(),
    producerId: int64(),
    producerEpoch: int16(),
    generationIdOrMemberEpoch: int32({ versions: '3+', default: -1 }),
    memberId: string({ versions: '3+', default: '' }),
    groupInstanceId: nullableString({ versions: '3+', nullableVersions: '3+', default: null }),
    topics: array(struct({
      name: string({ versions: '0-5' }),
      partitions: array(struct({
        partitionIndex: int32(),
        committedOffset: int64(),
        committedLeaderEpoch: int32({ versions: '2+', default: -1 }),
        committedMetadata: nullableString(),
      })),
    })),
  },
});

export const TxnOffsetCommitResponse = message({
  name: 'TxnOffsetCommitResponse', apiKey: 28, validVersions: '0-3', flexibleVersions: '3+',
  fields: {
    throttleTimeMs: int32(),
    topics: array(struct({
      name: string({ versions: '0-5' }),
      partitions: array(struct({ partitionIndex: int32(), errorCode: int16() })),
    })),
  },
});
export type TxnOffsetCommitRequest = Infer<typeof TxnOffsetCommitRequest>;
export type TxnOffsetCommitResponse = Infer<typeof TxnOffsetCommitResponse>;
