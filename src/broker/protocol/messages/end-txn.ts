// EndTxn (key 26). Supported 0-5 (all of Kafka's), flexible from 3. v1 = v0 (responses before throttling), v2 adds
// PRODUCER_FENCED, v4 TRANSACTION_ABORTABLE (KIP-890), v5 the epoch bump on every transaction (KIP-890 part 2,
// transaction.version 2): the response then carries the producer id and the new epoch. Only the response gains fields.
import { bool, int16, int32, int64, message, string, type Infer } from '../schema.js';

export const EndTxnRequest = message({
  name: 'EndTxnRequest', apiKey: 26, validVersions: '0-5', flexibleVersions: '3+',
  fields: {
    transactionalId: string(),
    producerId: int64(),
    producerEpoch: int16(),
    committed: bool(),
  },
});

export const EndTxnResponse = message({
  name: 'EndTxnResponse', apiKey: 26, validVersions: '0-5', flexibleVersions: '3+',
  fields: {
    throttleTimeMs: int32(),
    errorCode: int16(),
    producerId: int64({ versions: '5+', default: -1 }),
    producerEpoch: int16({ versions: '5+', default: -1 }),
  },
});
export type EndTxnRequest = Infer<typeof EndTxnRequest>;
export type EndTxnResponse = Infer<typeof EndTxnResponse>;
