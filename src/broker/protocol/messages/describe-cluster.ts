// DescribeCluster (key 60). Supported 0-2, flexible from 0. v1 adds the endpoint type (1 brokers, 2 controllers),
// v2 asks for fenced brokers too and says which brokers are fenced.
import { array, bool, int16, int32, int8, message, nullableString, string, struct, type Infer } from '../schema.js';

export const DescribeClusterRequest = message({
  name: 'DescribeClusterRequest', apiKey: 60, validVersions: '0-2', flexibleVersions: '0+',
  fields: {
    includeClusterAuthorizedOperations: bool(),
    endpointType: int8({ versions: '1+', default: 1 }),
    includeFencedBrokers: bool({ versions: '2+', default: false }),
  },
});

export const DescribeClusterResponse = message({
  name: 'DescribeClusterResponse', apiKey: 60, validVersions: '0-2', flexibleVersions: '0+',
  fields: {
    throttleTimeMs: int32(),
    errorCode: int16(),
    errorMessage: nullableString({ default: null }),
    endpointType: int8({ versions: '1+', default: 1 }),
    clusterId: string(),
    controllerId: int32({ default: -1 }),
    brokers: array(struct({
      brokerId: int32(),
      host: string(),
      port: int32(),
      rack: nullableString({ default: null }),
      isFenced: bool({ versions: '2+', default: false }),
    })),
    clusterAuthorizedOperations: int32({ default: -2147483648 }),
  },
});
export type DescribeClusterRequest = Infer<typeof DescribeClusterRequest>;
export type DescribeClusterResponse = Infer<typeof DescribeClusterResponse>;
