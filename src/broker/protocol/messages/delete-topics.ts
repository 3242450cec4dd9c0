// DeleteTopics (key 20). Supported 0-1. Flexible from 4.
import { array, int16, int32, message, string, struct, type Infer } from '../schema.js';

export const DeleteTopicsRequest = message({
  name: 'DeleteTopicsRequest', apiKey: 20, validVersions: '0-1', flexibleVersions: '4+',
  fields: {
    topicNames: array(string(), { versions: '0-5' }),
    timeoutMs: int32(),
  },
});

export const DeleteTopicsResponse = message({
  name: 'DeleteTopicsResponse', apiKey: 20, validVersions: '0-1', flexibleVersions: '4+',
  fields: {
    throttleTimeMs: int32({ versions: '1+' }),
    responses: array(struct({ name: string(), errorCode: int16() })),
  },
});
export type DeleteTopicsRequest = Infer<typeof DeleteTopicsRequest>;
export type DeleteTopicsResponse = Infer<typeof DeleteTopicsResponse>;
