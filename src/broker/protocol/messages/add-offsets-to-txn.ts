// AddOffsetsToTxn (key 25). Supported 0-3, flexible from 3. v1 = v0 (responses before throttling), v2 adds
// PRODUCER_FENCED. Kafka's v4 (TRANSACTION_ABORTABLE, KIP-890) has the same fields and is not modelled.
import { int16, int32, int64, message, string, type Infer } from '../schema.js';

export const AddOffsetsToTxnRequest = message({
  name: 'AddOffsetsToTxnRequest', apiKey: 25, validVersions: '0-3', flexibleVersions: '3+',
  fields: {
    transactionalId: string(),
    producerId: int64(),
    producerEpoch: int16(),
    groupId: string(),
  },
});

export const AddOffsetsToTxnResponse = message({
  name: 'AddOffsetsToTxnResponse', apiKey: 25, validVersions: '0-3', flexibleVersions: '3+',
  fields: {
    throttleTimeMs: int32(),
    errorCode: int16(),
  },
});
export type AddOffsetsToTxnRequest = Infer<typeof AddOffsetsToTxnRequest>;
export type AddOffsetsToTxnResponse = Infer<typeof AddOffsetsToTxnResponse>;
