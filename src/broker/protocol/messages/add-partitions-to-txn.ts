// AddPartitionsToTxn (key 24). Supported 0-3, flexible from 3. Kafka defines 0-5, but 4+ is the broker-to-broker
// form (KIP-890: a batch of Transactions with VerifyOnly, answered per transaction with a top-level ErrorCode) that
// Kafka's clients never send ("versions 3 and below will be exclusively used by clients"), and v5 only adds the
// TRANSACTION_ABORTABLE error to it; the 4+ fields (Transactions; ErrorCode, ResultsByTransaction) are left out.
// v1 = v0 (responses before throttling), v2 adds PRODUCER_FENCED. Hence the V3AndBelow names, as in Kafka's JSON.
import { array, int16, int32, int64, message, string, struct, type Infer } from '../schema.js';

const addPartitionsToTxnTopic = struct({
  name: string(),
  partitions: array(int32()),
});

export const AddPartitionsToTxnRequest = message({
  name: 'AddPartitionsToTxnRequest', apiKey: 24, validVersions: '0-3', flexibleVersions: '3+',
  fields: {
    v3AndBelowTransactionalId: string({ versions: '0-3' }),
    v3AndBelowProducerId: int64({ versions: '0-3' }),
    v3AndBelowProducerEpoch: int16({ versions: '0-3' }),
    v3AndBelowTopics: array(addPartitionsToTxnTopic, { versions: '0-3' }),
  },
});

export const AddPartitionsToTxnResponse = message({
  name: 'AddPartitionsToTxnResponse', apiKey: 24, validVersions: '0-3', flexibleVersions: '3+',
  fields: {
    throttleTimeMs: int32(),
    resultsByTopicV3AndBelow: array(struct({
      name: string(),
      resultsByPartition: array(struct({ partitionIndex: int32(), partitionErrorCode: int16() })),
    }), { versions: '0-3' }),
  },
});
export type AddPartitionsToTxnRequest = Infer<typeof AddPartitionsToTxnRequest>;
export type AddPartitionsToTxnResponse = Infer<typeof AddPartitionsToTxnResponse>;
