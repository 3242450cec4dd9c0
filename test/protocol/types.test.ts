// Static types inferred from the schemas (checked by tsc; the runtime asserts are trivial).
import { describe, expectTypeOf, it } from 'vitest';
import {
  decodeRequest, encodeResponse, Reader,
  type FetchResponse, type Input, type MetadataRequest, type ProduceRequest, type RequestOf, type ResponseOf,
} from '../../src/broker/protocol/index.js';
import { defineHandler } from '../../src/broker/handlers/types.js';

describe('inferred types', () => {
  it('ProduceRequest', () => {
    expectTypeOf<ProduceRequest>().toEqualTypeOf<{
      transactionalId: string | null;
      acks: number;
      timeoutMs: number;
      topicData: { name: string; partitionData: { index: number; records: Buffer | null }[] }[];
    }>();
    expectTypeOf<RequestOf<0>>().toEqualTypeOf<ProduceRequest>();
  });
  it('Metadata topics are nullable, Fetch records are Buffer | null', () => {
    expectTypeOf<MetadataRequest['topics']>().toEqualTypeOf<{ name: string }[] | null>();
    expectTypeOf<FetchResponse['responses'][number]['partitions'][number]['records']>().toEqualTypeOf<Buffer | null>();
    expectTypeOf<ResponseOf<1>>().toEqualTypeOf<FetchResponse>();
  });
  it('decodeRequest is typed by api key; encodeResponse takes partial bodies', () => {
    const decode = () => decodeRequest(3, 1, new Reader(Buffer.from('ffffffff', 'hex')));
    expectTypeOf(decode).returns.toEqualTypeOf<MetadataRequest>();
    expectTypeOf<{ topics: [] }>().toMatchTypeOf<Input<ResponseOf<3>>>();
    encodeResponse(3, 1, 1, { topics: [] });
    // @ts-expect-error unknown field names are rejected
    encodeResponse(3, 1, 1, { topicz: [] });
  });
  it('a handler is typed by its API key: the request from the schema, the response checked field by field', () => {
    defineHandler({
      apiKey: 12,
      name: 'Heartbeat',
      minVersion: 0,
      maxVersion: 3,
      handle: (request) => {
        expectTypeOf(request.memberId).toEqualTypeOf<string>();
        expectTypeOf(request.groupInstanceId).toEqualTypeOf<string | null>();
        return { throttleTimeMs: 0, errorCode: 0 };
      },
    });
    // @ts-expect-error a misspelled response field (the error names it: notInTheResponseSchema: ".errorKode")
    defineHandler({
      apiKey: 12,
      name: 'Heartbeat',
      minVersion: 0,
      maxVersion: 3,
      handle: () => ({ throttleTimeMs: 0, errorKode: 0 }),
    });
    // @ts-expect-error a misspelled field inside an array of the response (".topics[].partitions[].ofset")
    defineHandler({
      apiKey: 2,
      name: 'ListOffsets',
      minVersion: 1,
      maxVersion: 5,
      handle: () => ({
        topics: [{ name: 't', partitions: [{ partitionIndex: 0, errorCode: 0, ofset: 1 }] }],
      }),
    });
  });
});
