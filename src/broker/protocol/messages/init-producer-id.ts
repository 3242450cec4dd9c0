// InitProducerId (key 22). Supported 0-5, flexible from 2. v1 = v0 (responses before throttling); v3 adds the
// current producer id and epoch to the request (resuming after INVALID_PRODUCER_EPOCH); v4 adds PRODUCER_FENCED, v5
// TRANSACTION_ABORTABLE (KIP-890), with v3's fields. Kafka's v6 (2PC, KIP-939: Enable2Pc, KeepPreparedTxn,
// OngoingTxnProducerId/Epoch) is marked latestVersionUnstable in Kafka 4.4 and is not modelled.
import { int16, int32, int64, message, nullableString, type Infer } from '../schema.js';

export const InitProducerIdRequest = message({
  name: 'InitProducerIdRequest', apiKey: 22, validVersions: '0-5', flexibleVersions: '2+',
  fields: {
    transactionalId: nullableString(),
    transactionTimeoutMs: int32(),
    producerId: int64({ versions: '3+', default: -1 }),
    producerEpoch: int16({ versions: '3+', default: -1 }),
  },
});

export const InitProducerIdResponse = message({
  name: 'InitProducerIdResponse', apiKey: 22, validVersions: '0-5', flexibleVersions: '2+',
  fields: {
    throttleTimeMs: int32(),
    errorCode: int16(),
    producerId: int64({ default: -1 }),
    producerEpoch: int16(),
  },
});
export type InitProducerIdRequest = Infer<typeof InitProducerIdRequest>;
export type InitProducerIdResponse = Infer<typeof InitProducerIdResponse>;
