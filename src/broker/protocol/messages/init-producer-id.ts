// InitProducerId (key 22). Supported 0-1. Flexible from 2.
import { int16, int32, int64, message, nullableString, type Infer } from '../schema.js';

export const InitProducerIdRequest = message({
  name: 'InitProducerIdRequest', apiKey: 22, validVersions: '0-1', flexibleVersions: '2+',
  fields: {
    transactionalId: nullableString(),
    transactionTimeoutMs: int32(),
    producerId: int64({ versions: '3+', default: -1 }),
    producerEpoch: int16({ versions: '3+', default: -1 }),
  },
});

export const InitProducerIdResponse = message({
  name: 'InitProducerIdResponse', apiKey: 22, validVersions: '0-1', flexibleVersions: '2+',
  fields: {
    throttleTimeMs: int32(),
    errorCode: int16(),
    producerId: int64({ default: -1 }),
    producerEpoch: int16(),
  },
});
export type InitProducerIdRequest = Infer<typeof InitProducerIdRequest>;
export type InitProducerIdResponse = Infer<typeof InitProducerIdResponse>;
