// DescribeQuorum (key 55). Supported 0-2, flexible from 0. v1 adds the replicas' fetch and catch-up times, v2 the
// error messages, each voter's directory id and the controllers' listeners (Nodes).
import { array, int16, int32, int64, message, nullableString, string, struct, uint16, uuid, type Infer } from '../schema.js';

export const DescribeQuorumRequest = message({
  name: 'DescribeQuorumRequest', apiKey: 55, validVersions: '0-2', flexibleVersions: '0+',
  fields: {
    topics: array(struct({
      topicName: string(),
      partitions: array(struct({ partitionIndex: int32() })),
    })),
  },
});

const replicaState = struct({
  replicaId: int32(),
  replicaDirectoryId: uuid({ versions: '2+' }),
  logEndOffset: int64(),
  lastFetchTimestamp: int64({ versions: '1+', default: -1 }),
  lastCaughtUpTimestamp: int64({ versions: '1+', default: -1 }),
});

export const DescribeQuorumResponse = message({
  name: 'DescribeQuorumResponse', apiKey: 55, validVersions: '0-2', flexibleVersions: '0+',
  fields: {
    errorCode: int16(),
    errorMessage: nullableString({ versions: '2+', nullableVersions: '2+', default: null }),
    topics: array(struct({
      topicName: string(),
      partitions: array(struct({
        partitionIndex: int32(),
        errorCode: int16(),
        errorMessage: nullableString({ versions: '2+', nullableVersions: '2+', default: null }),
        leaderId: int32(),
        leaderEpoch: int32(),
        highWatermark: int64(),
        currentVoters: array(replicaState),
        observers: array(replicaState),
      })),
    })),
    nodes: array(struct({
      nodeId: int32(),
      listeners: array(struct({ name: string(), host: string(), port: uint16() })),
    }), { versions: '2+' }),
  },
});
export type DescribeQuorumRequest = Infer<typeof DescribeQuorumRequest>;
export type DescribeQuorumResponse = Infer<typeof DescribeQuorumResponse>;
