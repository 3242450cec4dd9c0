// Transaction APIs (InitProducerId 22, AddPartitionsToTxn 24, AddOffsetsToTxn 25, EndTxn 26, TxnOffsetCommit 28,
// DescribeTransactions 65, ListTransactions 66): kafkajs 2.2.4's own request encoders (v0/v1, all it has) → our
// decoders, byte-identical when re-encoded; our response encoders → kafkajs's response decoders; hand-assembled bytes
// for the versions kafkajs does not speak (flexible ones included); and a round trip of every version we model.
import { createRequire } from 'node:module';
import { describe, expect, it } from 'vitest';
import {
  apis, decodeRequest, decodeRequestHeader, decodeResponse, decodeResponseFrame, encodeRequest, encodeResponse, Reader,
  type ApiEntry, type Input, type RequestOf, type ResponseOf,
} from '../../src/broker/protocol/index.js';
import { decodeMessage, encodeMessage, type Message } from '../../src/broker/protocol/schema.js';
import { sample } from './samples.js';

const require = createRequire(import.meta.url);
interface KjsProtocol {
  request: { apiKey: number; apiVersion: number; encode(): Promise<{ buffer: Buffer }> };
  response: { decode(buf: Buffer): Promise<Record<string, unknown>>; parse(d: unknown): Promise<unknown> };
}
const kjsDir: Record<number, string> = {
  22: 'initProducerId', 24: 'addPartitionsToTxn', 25: 'addOffsetsToTxn', 26: 'endTxn', 28: 'txnOffsetCommit',
};
function kjs(apiKey: number, version: number): (args: unknown) => KjsProtocol {
  const mod = require(`kafkajs/src/protocol/requests/${kjsDir[apiKey]}/index.js`) as {
    versions: string[]; protocol(o: { version: number }): (a: unknown) => KjsProtocol;
  };
  expect(mod.versions).toEqual(['0', '1']);
  return mod.protocol({ version });
}
const KjsEncoder = require('kafkajs/src/protocol/encoder.js') as new () => {
  writeString(s: string | null): KjsEnc; writeInt16(n: number): KjsEnc; writeInt32(n: number): KjsEnc;
  writeInt64(n: number | string): KjsEnc; writeArray(a: unknown[]): KjsEnc; buffer: Buffer;
};
type KjsEnc = InstanceType<typeof KjsEncoder>;

const hex = (s: string) => Buffer.from(s.replace(/[^0-9a-f]/gi, ''), 'hex');
const versionsOf = (a: ApiEntry) => Array.from({ length: a.maxVersion - a.minVersion + 1 }, (_, i) => a.minVersion + i);
const TXN_KEYS = [22, 24, 25, 26, 28, 65, 66] as const;
const BIG = 2 ** 40 + 7; // a producer id beyond 32 bits

describe('registry', () => {
  it('registers the transaction APIs with Kafka 4.x ranges and flexible versions', () => {
    const got = Object.fromEntries(TXN_KEYS.map((k) => [k, [apis[k]!.name, apis[k]!.minVersion, apis[k]!.maxVersion, apis[k]!.flexibleFrom]]));
    expect(got).toEqual({
      22: ['InitProducerId', 0, 5, 2],
      24: ['AddPartitionsToTxn', 0, 3, 3],
      25: ['AddOffsetsToTxn', 0, 3, 3],
      26: ['EndTxn', 0, 5, 3],
      28: ['TxnOffsetCommit', 0, 3, 3],
      65: ['DescribeTransactions', 0, 0, 0],
      66: ['ListTransactions', 0, 2, 0],
    });
    for (const k of TXN_KEYS) expect(apis[k]!.response.maxVersion).toBe(apis[k]!.maxVersion);
  });
});

/** kafkajs request args → what our decoder must produce (kafkajs v0 and v1 encode the same bytes). */
const kjsRequests: Record<number, [unknown, Record<string, unknown>][]> = {
  22: [
    [{ transactionalId: null, transactionTimeout: 5000 }, { transactionalId: null, transactionTimeoutMs: 5000, producerId: -1, producerEpoch: -1 }],
    [{ transactionalId: 'tx-é', transactionTimeout: 60000 }, { transactionalId: 'tx-é', transactionTimeoutMs: 60000, producerId: -1, producerEpoch: -1 }],
  ],
  24: [
    [
      { transactionalId: 'tx', producerId: String(BIG), producerEpoch: 3, topics: [{ topic: 'orders', partitions: [0, 2] }, { topic: 'tópic', partitions: [] }] },
      { v3AndBelowTransactionalId: 'tx', v3AndBelowProducerId: BIG, v3AndBelowProducerEpoch: 3, v3AndBelowTopics: [{ name: 'orders', partitions: [0, 2] }, { name: 'tópic', partitions: [] }] },
    ],
    [
      { transactionalId: 'tx', producerId: '0', producerEpoch: 0, topics: [] },
      { v3AndBelowTransactionalId: 'tx', v3AndBelowProducerId: 0, v3AndBelowProducerEpoch: 0, v3AndBelowTopics: [] },
    ],
  ],
  25: [[
    { transactionalId: 'tx', producerId: String(BIG), producerEpoch: 32767, groupId: 'group-1' },
    { transactionalId: 'tx', producerId: BIG, producerEpoch: 32767, groupId: 'group-1' },
  ]],
  26: [
    [{ transactionalId: 'tx', producerId: '12', producerEpoch: 1, transactionResult: true }, { transactionalId: 'tx', producerId: 12, producerEpoch: 1, committed: true }],
    [{ transactionalId: 'tx', producerId: String(BIG), producerEpoch: 2, transactionResult: false }, { transactionalId: 'tx', producerId: BIG, producerEpoch: 2, committed: false }],
  ],
  28: [[
    {
      transactionalId: 'tx', groupId: 'g', producerId: String(BIG), producerEpoch: 4,
      topics: [{ topic: 'orders', partitions: [{ partition: 0, offset: '42', metadata: null }, { partition: 3, offset: '1099511627776', metadata: 'md' }] }],
    },
    {
      transactionalId: 'tx', groupId: 'g', producerId: BIG, producerEpoch: 4,
      generationIdOrMemberEpoch: -1, memberId: '', groupInstanceId: null,
      topics: [{ name: 'orders', partitions: [
        { partitionIndex: 0, committedOffset: 42, committedLeaderEpoch: -1, committedMetadata: null },
        { partitionIndex: 3, committedOffset: 2 ** 40, committedLeaderEpoch: -1, committedMetadata: 'md' },
      ] }],
    },
  ]],
};

describe('kafkajs request encoders → our decoders (byte-identical re-encode)', () => {
  for (const key of [22, 24, 25, 26, 28]) {
    for (const v of [0, 1]) {
      it(`${apis[key]!.name} v${v}`, async () => {
        for (const [args, expected] of kjsRequests[key]!) {
          const { request } = kjs(key, v)(args);
          expect([request.apiKey, request.apiVersion]).toEqual([key, v]);
          const bytes = (await request.encode()).buffer;
          const r = new Reader(bytes);
          const decoded = decodeRequest(key, v, r) as Record<string, unknown>;
          expect(r.remaining).toBe(0);
          expect(decoded).toEqual(expected);
          expect(Buffer.from(encodeMessage(apis[key]!.request, v, decoded).finish()).toString('hex')).toBe(bytes.toString('hex'));
        }
      });
    }
  }
});

describe('our response encoders → kafkajs response decoders', () => {
  const cases: { key: 24 | 25 | 26 | 28; body: Record<string, unknown>; theirs: Record<string, unknown> }[] = [
    {
      key: 24,
      body: { throttleTimeMs: 7, resultsByTopicV3AndBelow: [{ name: 'orders', resultsByPartition: [{ partitionIndex: 0, partitionErrorCode: 0 }, { partitionIndex: 2, partitionErrorCode: 48 }] }] },
      theirs: { errors: [{ topic: 'orders', partitionErrors: [{ partition: 0, errorCode: 0 }, { partition: 2, errorCode: 48 }] }] },
    },
    { key: 25, body: { throttleTimeMs: 7, errorCode: 47 }, theirs: { errorCode: 47 } },
    { key: 26, body: { throttleTimeMs: 7, errorCode: 0 }, theirs: { errorCode: 0 } },
    {
      key: 28,
      body: { throttleTimeMs: 7, topics: [{ name: 'orders', partitions: [{ partitionIndex: 3, errorCode: 22 }] }, { name: 'u', partitions: [] }] },
      theirs: { topics: [{ topic: 'orders', partitions: [{ partition: 3, errorCode: 22 }] }, { topic: 'u', partitions: [] }] },
    },
  ];
  for (const { key, body, theirs } of cases) {
    for (const v of [0, 1]) {
      it(`${apis[key]!.name} v${v}`, async () => {
        const { response } = kjs(key, v)(kjsRequests[key]![0]![0]);
        const frame = encodeResponse(key, v, 99, body as never);
        expect(frame.readInt32BE(4)).toBe(99);
        const decoded = await response.decode(frame.subarray(8)); // size + correlation id (header v0)
        expect(decoded).toMatchObject(theirs);
        // v0: throttleTime; v1+: answered before throttling, kafkajs moves it to clientSideThrottleTime
        expect(v === 0 ? decoded.throttleTime : decoded.clientSideThrottleTime).toBe(7);
      });
    }
  }
});

/** Hand-assembled wire bytes (from Kafka's JSON specs, not from our encoder) for versions kafkajs does not speak. */
const wire: { key: number; v: number; kind: 'request' | 'response'; bytes: Buffer; value: Record<string, unknown> }[] = [
  // InitProducerId v2 (flexible): compact nullable string, int32, tags
  { key: 22, v: 2, kind: 'request', bytes: hex('03 7478 00001388 00'), value: { transactionalId: 'tx', transactionTimeoutMs: 5000, producerId: -1, producerEpoch: -1 } },
  // v3+ adds producerId, producerEpoch
  { key: 22, v: 3, kind: 'request', bytes: hex('00 00001388 0000010000000007 0005 00'), value: { transactionalId: null, transactionTimeoutMs: 5000, producerId: BIG, producerEpoch: 5 } },
  { key: 22, v: 5, kind: 'request', bytes: hex('03 7478 00001388 ffffffffffffffff ffff 00'), value: { transactionalId: 'tx', transactionTimeoutMs: 5000, producerId: -1, producerEpoch: -1 } },
  { key: 22, v: 4, kind: 'response', bytes: hex('00000000 0000 0000010000000007 0001 00'), value: { throttleTimeMs: 0, errorCode: 0, producerId: BIG, producerEpoch: 1 } },
  // AddPartitionsToTxn v2 (classic) and v3 (flexible: compact strings/arrays, a tag section after every struct)
  {
    key: 24, v: 2, kind: 'request', bytes: hex('0002 7478 0000000000000007 0001 00000001 0001 74 00000002 00000000 00000002'),
    value: { v3AndBelowTransactionalId: 'tx', v3AndBelowProducerId: 7, v3AndBelowProducerEpoch: 1, v3AndBelowTopics: [{ name: 't', partitions: [0, 2] }] },
  },
  {
    key: 24, v: 3, kind: 'request', bytes: hex('03 7478 0000000000000007 0001 02 02 74 03 00000000 00000002 00 00'),
    value: { v3AndBelowTransactionalId: 'tx', v3AndBelowProducerId: 7, v3AndBelowProducerEpoch: 1, v3AndBelowTopics: [{ name: 't', partitions: [0, 2] }] },
  },
  {
    key: 24, v: 3, kind: 'response', bytes: hex('00000000 02 02 74 02 00000002 0030 00 00 00'),
    value: { throttleTimeMs: 0, resultsByTopicV3AndBelow: [{ name: 't', resultsByPartition: [{ partitionIndex: 2, partitionErrorCode: 48 }] }] },
  },
  // AddOffsetsToTxn v3
  { key: 25, v: 3, kind: 'request', bytes: hex('03 7478 0000000000000007 0001 02 67 00'), value: { transactionalId: 'tx', producerId: 7, producerEpoch: 1, groupId: 'g' } },
  { key: 25, v: 3, kind: 'response', bytes: hex('00000005 0000 00'), value: { throttleTimeMs: 5, errorCode: 0 } },
  // EndTxn v3 and v5 (v5's response adds producerId, producerEpoch)
  { key: 26, v: 3, kind: 'request', bytes: hex('03 7478 0000000000000005 0002 01 00'), value: { transactionalId: 'tx', producerId: 5, producerEpoch: 2, committed: true } },
  { key: 26, v: 5, kind: 'request', bytes: hex('03 7478 0000000000000005 0002 00 00'), value: { transactionalId: 'tx', producerId: 5, producerEpoch: 2, committed: false } },
  { key: 26, v: 4, kind: 'response', bytes: hex('00000000 0000 00'), value: { throttleTimeMs: 0, errorCode: 0, producerId: -1, producerEpoch: -1 } },
  { key: 26, v: 5, kind: 'response', bytes: hex('00000000 0000 0000000000000005 0003 00'), value: { throttleTimeMs: 0, errorCode: 0, producerId: 5, producerEpoch: 3 } },
  // TxnOffsetCommit v3: generationIdOrMemberEpoch, memberId, groupInstanceId after the producer epoch
  {
    key: 28, v: 3, kind: 'request',
    bytes: hex('03 7478 02 67 0000000000000007 0001 00000004 02 6d 00 02 02 74 02 00000000 000000000000002a ffffffff 00 00 00 00'),
    value: {
      transactionalId: 'tx', groupId: 'g', producerId: 7, producerEpoch: 1, generationIdOrMemberEpoch: 4, memberId: 'm', groupInstanceId: null,
      topics: [{ name: 't', partitions: [{ partitionIndex: 0, committedOffset: 42, committedLeaderEpoch: -1, committedMetadata: null }] }],
    },
  },
  {
    key: 28, v: 3, kind: 'response', bytes: hex('00000000 02 02 74 02 00000000 0019 00 00 00'),
    value: { throttleTimeMs: 0, topics: [{ name: 't', partitions: [{ partitionIndex: 0, errorCode: 25 }] }] },
  },
  // DescribeTransactions v0
  { key: 65, v: 0, kind: 'request', bytes: hex('03 02 61 02 62 00'), value: { transactionalIds: ['a', 'b'] } },
  {
    key: 65, v: 0, kind: 'response',
    bytes: hex('00000000 02 0000 03 7478 08 4f6e676f696e67 0000ea60 0000018bcfe56800 0000000000000007 0001 02 02 74 03 00000000 00000001 00 00 00'),
    value: {
      throttleTimeMs: 0,
      transactionStates: [{
        errorCode: 0, transactionalId: 'tx', transactionState: 'Ongoing', transactionTimeoutMs: 60000,
        transactionStartTimeMs: 1700000000000, producerId: 7, producerEpoch: 1, topics: [{ topic: 't', partitions: [0, 1] }],
      }],
    },
  },
  // ListTransactions v0, v1 (durationFilter), v2 (transactionalIdPattern)
  { key: 66, v: 0, kind: 'request', bytes: hex('02 08 4f6e676f696e67 01 00'), value: { stateFilters: ['Ongoing'], producerIdFilters: [], durationFilter: -1, transactionalIdPattern: null } },
  { key: 66, v: 1, kind: 'request', bytes: hex('01 02 0000000000000007 00000000000003e8 00'), value: { stateFilters: [], producerIdFilters: [7], durationFilter: 1000, transactionalIdPattern: null } },
  { key: 66, v: 2, kind: 'request', bytes: hex('01 01 ffffffffffffffff 04 74782e 00'), value: { stateFilters: [], producerIdFilters: [], durationFilter: -1, transactionalIdPattern: 'tx.' } },
  { key: 66, v: 2, kind: 'request', bytes: hex('01 01 ffffffffffffffff 00 00'), value: { stateFilters: [], producerIdFilters: [], durationFilter: -1, transactionalIdPattern: null } },
  {
    key: 66, v: 1, kind: 'response', bytes: hex('00000000 0000 02 02 58 02 03 7478 0000000000000007 08 4f6e676f696e67 00 00'),
    value: { throttleTimeMs: 0, errorCode: 0, unknownStateFilters: ['X'], transactionStates: [{ transactionalId: 'tx', producerId: 7, transactionState: 'Ongoing' }] },
  },
];

describe('hand-assembled wire bytes decode and re-encode exactly', () => {
  for (const { key, v, kind, bytes, value } of wire) {
    it(`${apis[key]!.name} ${kind} v${v} ${bytes.toString('hex').slice(0, 24)}…`, () => {
      const m = kind === 'request' ? apis[key]!.request : apis[key]!.response;
      const r = new Reader(bytes);
      expect(decodeMessage(m, v, r)).toEqual(value);
      expect(r.remaining).toBe(0);
      expect(Buffer.from(encodeMessage(m, v, value).finish()).toString('hex')).toBe(bytes.toString('hex'));
    });
  }

  it('TxnOffsetCommit v2 (committedLeaderEpoch; kafkajs has no v2 encoder, so built with its Encoder primitives)', () => {
    const partition = (p: number, off: string, epoch: number, md: string | null) =>
      new KjsEncoder().writeInt32(p).writeInt64(off).writeInt32(epoch).writeString(md);
    const bytes = new KjsEncoder()
      .writeString('tx').writeString('g').writeInt64(String(BIG)).writeInt16(4)
      .writeArray([new KjsEncoder().writeString('orders').writeArray([partition(0, '42', 9, null), partition(1, '43', -1, 'm')])])
      .buffer;
    const decoded = decodeRequest(28, 2, new Reader(bytes));
    expect(decoded).toEqual({
      transactionalId: 'tx', groupId: 'g', producerId: BIG, producerEpoch: 4, generationIdOrMemberEpoch: -1, memberId: '', groupInstanceId: null,
      topics: [{ name: 'orders', partitions: [
        { partitionIndex: 0, committedOffset: 42, committedLeaderEpoch: 9, committedMetadata: null },
        { partitionIndex: 1, committedOffset: 43, committedLeaderEpoch: -1, committedMetadata: 'm' },
      ] }],
    });
    expect(Buffer.from(encodeMessage(apis[28]!.request, 2, decoded).finish()).equals(bytes)).toBe(true);
  });

  it('fields absent in a version are skipped when encoding and defaulted when decoding', () => {
    // EndTxn v4 response: producerId/epoch (v5+) are not written even if given
    expect(Buffer.from(encodeMessage(apis[26]!.response, 4, { throttleTimeMs: 0, errorCode: 0, producerId: 5, producerEpoch: 3 }).finish()).toString('hex')).toBe('00000000000000');
    // TxnOffsetCommit v2: the v3 group fields are not written
    const v2 = Buffer.from(encodeMessage(apis[28]!.request, 2, { transactionalId: 'tx', groupId: 'g', producerId: 1, producerEpoch: 0, generationIdOrMemberEpoch: 9, memberId: 'm', groupInstanceId: 'i', topics: [] }).finish());
    expect(v2.toString('hex')).toBe('00027478' + '000167' + '0000000000000001' + '0000' + '00000000');
    // ListTransactions v0: no durationFilter, no pattern
    expect(Buffer.from(encodeMessage(apis[66]!.request, 0, { stateFilters: [], producerIdFilters: [], durationFilter: 5, transactionalIdPattern: 'x' }).finish()).toString('hex')).toBe('010100');
  });
});

describe('framing: flexible versions use request header v2 and response header v1', () => {
  it('EndTxn v3 request frame and response frame', () => {
    const req = encodeRequest(26, 3, 11, 'c', { transactionalId: 'tx', producerId: 5, producerEpoch: 2, committed: true });
    // size, apiKey 26, v3, correlation 11, clientId 'c' (int16 string), header tags, body
    expect(req.subarray(4).toString('hex')).toBe('001a' + '0003' + '0000000b' + '000163' + '00' + '037478000000000000000500020100');
    expect(req.readInt32BE(0)).toBe(req.length - 4);
    const resp = encodeResponse(26, 5, 11, { errorCode: 0, producerId: 5, producerEpoch: 3 });
    expect(resp.subarray(4).toString('hex')).toBe('0000000b' + '00' + '00000000' + '0000' + '0000000000000005' + '0003' + '00');
    expect(decodeResponseFrame(26, 5, resp.subarray(4))).toEqual({ correlationId: 11, body: { throttleTimeMs: 0, errorCode: 0, producerId: 5, producerEpoch: 3 } });
  });
  it('AddPartitionsToTxn v2 is not flexible (header v1 / v0)', () => {
    const resp = encodeResponse(24, 2, 3, { resultsByTopicV3AndBelow: [] });
    expect(resp.subarray(4).toString('hex')).toBe('00000003' + '00000000' + '00000000');
  });
});

describe('round trip of every version (encode → decode equal)', () => {
  for (const key of TXN_KEYS) {
    const a = apis[key]!;
    for (const v of versionsOf(a)) {
      for (const [kind, m] of [['request', a.request], ['response', a.response]] as [string, Message<any>][]) {
        it(`${a.name} ${kind} v${v}`, () => {
          for (const seed of [1, 2, 3, 4]) {
            const body = sample(m, v, seed, { arrayLength: seed % 3 });
            const bytes = Buffer.from(encodeMessage(m, v, body).finish());
            const r = new Reader(bytes);
            const decoded = decodeMessage(m, v, r);
            expect(r.remaining).toBe(0);
            expect(decoded).toMatchObject(body);
            expect(Object.keys(decoded)).toEqual(Object.keys(m.fields));
            expect(Buffer.from(encodeMessage(m, v, decoded as never).finish()).equals(bytes)).toBe(true);
          }
        });
      }
    }
  }
});

describe('typed helpers', () => {
  it('RequestOf / ResponseOf are keyed by the new api keys', () => {
    const req: Input<RequestOf<24>> = { v3AndBelowTransactionalId: 'tx', v3AndBelowTopics: [{ name: 't', partitions: [1] }] };
    const bytes = encodeRequest(24, 3, 1, null, req).subarray(4);
    const r = new Reader(bytes);
    expect(decodeRequestHeader(r)).toMatchObject({ apiKey: 24, apiVersion: 3, correlationId: 1, clientId: null });
    const decoded: RequestOf<24> = decodeRequest(24, 3, r);
    expect(decoded.v3AndBelowTopics[0]!.partitions).toEqual([1]);
    const end: ResponseOf<26> = decodeResponse(26, 5, new Reader(hex('00000000 0000 0000000000000001 0000 00')));
    expect(end.producerId).toBe(1);
    const list: RequestOf<66> = decodeRequest(66, 2, new Reader(hex('01 01 ffffffffffffffff 00 00')));
    expect(list.transactionalIdPattern).toBeNull();
    const txn: RequestOf<28> = decodeRequest(28, 3, new Reader(hex('01 01 0000000000000000 0000 ffffffff 01 00 01 00')));
    expect([txn.groupInstanceId, txn.memberId, txn.generationIdOrMemberEpoch]).toEqual([null, '', -1]);
    const describe: ResponseOf<65> = decodeResponse(65, 0, new Reader(hex('00000000 01 00')));
    expect(describe.transactionStates).toEqual([]);
  });
});
