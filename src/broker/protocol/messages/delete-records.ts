// DeleteRecords (key 21). Supported 0-1. Flexible from 2.
import { array, int16, int32, int64, message, string, struct, type Infer } from '../schema.js';

export const DeleteRecordsRequest = message({
  name: 'DeleteRecordsRequest', apiKey: 21, validVersions: '0-1', flexibleVersions: '2+',
  fields: {
    topics: array(struct({
      name: string(),
      partitions: array(struct({ partitionIndex: int32(), offset: int64() })),
    })),
    timeoutMs: int32(),
  },
});

export const DeleteRecordsResponse = message({
  name: 'DeleteRecordsResponse', apiKey: 21, validVersions: '0-1', flexibleVersions: '2+',
  fields: {
    throttleTimeMs: int32(),
    topics: array(struct({
      name: string(),
      partitions: array(struct({ partitionIndex: int32(), lowWatermark: int64(), errorCode: int16() })),
    })),
  },
});
export type DeleteRecordsRequest = Infer<typeof DeleteRecordsRequest>;
export type DeleteRecordsResponse = Infer<typeof DeleteRecordsResponse>;
