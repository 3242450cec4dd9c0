// ListTransactions (key 66). Supported 0-2 (all of Kafka's), flexible from 0 (KIP-664). v1 adds the duration filter
// (KIP-994), v2 the transactional id pattern (KIP-1152, a regular expression; INVALID_REGULAR_EXPRESSION); the
// response is the same in every version.
import { array, int16, int32, int64, message, nullableString, string, struct, type Infer } from '../schema.js';

export const ListTransactionsRequest = message({
  name: 'ListTransactionsRequest', apiKey: 66, validVersions: '0-2', flexibleVersions: '0+',
  fields: {
    stateFilters: array(string()),
    producerIdFilters: array(int64()),
    durationFilter: int64({ versions: '1+', default: -1 }),
    transactionalIdPattern: nullableString({ versions: '2+', nullableVersions: '2+', default: null }),
  },
});

export const ListTransactionsResponse = message({
  name: 'ListTransactionsResponse', apiKey: 66, validVersions: '0-2', flexibleVersions: '0+',
  fields: {
    throttleTimeMs: int32(),
    errorCode: int16(),
    unknownStateFilters: array(string()),
    transactionStates: array(struct({
      transactionalId: string(),
      producerId: int64(),
      transactionState: string(),
    })),
  },
});
export type ListTransactionsRequest = Infer<typeof ListTransactionsRequest>;
export type ListTransactionsResponse = Infer<typeof ListTransactionsResponse>;
