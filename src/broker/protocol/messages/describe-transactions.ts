// DescribeTransactions (key 65). Supported 0 (Kafka's only version), flexible from 0 (KIP-664).
import { array, int16, int32, int64, message, string, struct, type Infer } from '../schema.js';

export const DescribeTransactionsRequest = message({
  name: 'DescribeTransactionsRequest', apiKey: 65, validVersions: '0', flexibleVersions: '0+',
  fields: {
    transactionalIds: array(string()),
  },
});

export const DescribeTransactionsResponse = message({
  name: 'DescribeTransactionsResponse', apiKey: 65, validVersions: '0', flexibleVersions: '0+',
  fields: {
    throttleTimeMs: int32(),
    transactionStates: array(struct({
      errorCode: int16(),
      transactionalId: string(),
      transactionState: string(),
      transactionTimeoutMs: int32(),
      transactionStartTimeMs: int64(),
      producerId: int64(),
      producerEpoch: int16(),
      topics: array(struct({
        topic: string(),
        partitions: array(int32()),
      })),
    })),
  },
});
export type DescribeTransactionsRequest = Infer<typeof DescribeTransactionsRequest>;
export type DescribeTransactionsResponse = Infer<typeof DescribeTransactionsResponse>;
