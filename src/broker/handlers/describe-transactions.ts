import { defineHandler } from './types.js';

/** DescribeTransactions v0: each transactional id this broker coordinates, as Kafka's TransactionMetadata shows it. */
export const describeTransactions = defineHandler({
  apiKey: 65,
  name: 'DescribeTransactions',
  minVersion: 0,
  maxVersion: 0,
  handle(request, { broker, cluster }) {
    return {
      throttleTimeMs: 0,
      transactionStates: request.transactionalIds.map((transactionalId: string) => {
        const { errorCode, txn } = cluster.transactions.describe(broker.id, transactionalId);
        const topics = new Map<string, number[]>();
        for (const p of txn?.partitions ?? []) topics.set(p.topic, [...(topics.get(p.topic) ?? []), p.partition]);
        return {
          errorCode,
          transactionalId,
          transactionState: txn?.state ?? '',
          transactionTimeoutMs: txn?.timeoutMs ?? 0,
          transactionStartTimeMs: txn?.startTimeMs ?? -1,
          producerId: txn?.producerId ?? -1,
          producerEpoch: txn?.producerEpoch ?? -1,
          topics: [...topics].map(([topic, partitions]) => ({ topic, partitions })),
        };
      }),
    };
  },
});
