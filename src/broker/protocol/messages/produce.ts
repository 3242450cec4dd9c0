// Produce (key 0). Supported 3-7 (record batch v2). Flexible from 9 (outside our range).
import { array, int16, int32, int64, message, nullableString, records, string, struct, type Infer } from '../schema.js';

export const ProduceRequest = message({
  name: 'ProduceRequest', apiKey: 0, validVersions: '3-7', flexibleVersions: '9+',
  fields: {
    transactionalId: nullableString({ versions: '3+', nullableVersions: '3+', default: null }),
    acks: int16(),
    timeoutMs: int32(),
    topicData: array(struct({
      name: string(),
      partitionData: array(struct({
        index: int32(),
        records: records(),
      })),
    })),
  },
});

export const ProduceResponse = message({
  name: 'ProduceResponse', apiKey: 0, validVersions: '3-7', flexibleVersions: '9+',
  fields: {
    responses: array(struct({
      name: string(),
      partitionResponses: array(struct({
        index: int32(),
        errorCode: int16(),
        baseOffset: int64(),
        logAppendTimeMs: int64({ versions: '2+', default: -1 }),
        logStartOffset: int64({ versions: '5+', default: -1 }),
        recordErrors: array(struct({ batchIndex: int32(), batchIndexErrorMessage: nullableString({ default: null }) }), { versions: '8+' }),
        errorMessage: nullableString({ versions: '8+', default: null }),
      })),
    })),
    throttleTimeMs: int32({ versions: '1+' }),
  },
});
export type ProduceRequest = Infer<typeof ProduceRequest>;
export type ProduceResponse = Infer<typeof ProduceResponse>;
