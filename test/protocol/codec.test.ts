import { describe, expect, it } from 'vitest';
import {
  apis, decodeRequest, decodeRequestHeader, decodeResponse, decodeResponseFrame, encodeApiVersionsUnsupported,
  encodeRequest, encodeResponse, ProtocolError, Reader, responseHeaderVersion, supportedApiVersions, Writer,
  type ApiEntry,
} from '../../src/broker/protocol/index.js';
import { decodeMessage, encodeMessage, type Message } from '../../src/broker/protocol/schema.js';
import { rng, sample } from './samples.js';

const entries = Object.values(apis).filter((a): a is ApiEntry => a !== undefined);
const hex = (s: string) => Buffer.from(s.replace(/[^0-9a-f]/gi, ''), 'hex');
const versionsOf = (a: ApiEntry) => Array.from({ length: a.maxVersion - a.minVersion + 1 }, (_, i) => a.minVersion + i);

describe('registry', () => {
  it('has the agreed version ranges', () => {
    const ranges = Object.fromEntries(supportedApiVersions().map((v) => [v.apiKey, `${v.minVersion}-${v.maxVersion}`]));
    expect(ranges).toEqual({
      0: '3-7', 1: '4-11', 2: '1-5', 3: '0-7', 8: '2-7', 9: '1-5', 10: '0-2', 11: '0-5', 12: '0-3', 13: '0-3', 14: '0-3',
      15: '0-2', 16: '0-2', 18: '0-3', 19: '0-3', 20: '0-1', 21: '0-1', 22: '0-5', 23: '0-3', 24: '0-3', 25: '0-3',
      26: '0-5', 28: '0-3', 32: '0-2', 33: '0-1', 35: '1-4', 37: '0-1', 42: '0-1', 43: '0-2', 44: '0-1', 55: '0-2',
      60: '0-2', 65: '0-0', 66: '0-2',
    });
    expect(apis[18]!.flexibleFrom).toBe(3);
    expect(apis[60]!.flexibleFrom).toBe(0);
    expect(apis[0]!.flexibleFrom).toBe(9);
    expect(apis[0]!.name).toBe('Produce');
    expect(responseHeaderVersion(18, 3)).toBe(0);
    expect(responseHeaderVersion(60, 0)).toBe(1);
    expect(responseHeaderVersion(3, 6)).toBe(0);
  });
});

describe('round trip of every schema at every supported version', () => {
  for (const a of entries) {
    for (const v of versionsOf(a)) {
      for (const [kind, m] of [['request', a.request], ['response', a.response]] as [string, Message<any>][]) {
        it(`${a.name} ${kind} v${v}`, () => {
          for (const seed of [1, 2, 3]) {
            const body = sample(m, v, seed);
            const bytes = Buffer.from(encodeMessage(m, v, body).finish());
            const r = new Reader(bytes);
            const decoded = decodeMessage(m, v, r);
            expect(r.remaining).toBe(0);
            expect(decoded).toMatchObject(body);
            // every schema field is present on the decoded object (defaults for absent ones)
            expect(Object.keys(decoded)).toEqual(Object.keys(m.fields));
            // re-encoding the decoded value gives the same bytes
            expect(Buffer.from(encodeMessage(m, v, decoded as never).finish()).equals(bytes)).toBe(true);
          }
        });
      }
    }
  }
});

describe('framing helpers', () => {
  it('encodeRequest/decodeRequestHeader/decodeRequest agree for every api and version', () => {
    for (const a of entries) {
      for (const v of versionsOf(a)) {
        const body = sample(a.request, v, 5);
        const frame = encodeRequest(a.apiKey, v, 1234, 'client-é', body);
        expect(frame.readInt32BE(0)).toBe(frame.length - 4);
        const r = new Reader(frame, 4);
        const h = decodeRequestHeader(r);
        expect(h).toMatchObject({ apiKey: a.apiKey, apiVersion: v, correlationId: 1234, clientId: 'client-é' });
        expect(h.headerVersion).toBe(v >= a.flexibleFrom ? 2 : 1);
        expect(decodeRequest(a.apiKey, v, r)).toMatchObject(body);
        expect(r.remaining).toBe(0);
      }
    }
  });
  it('encodeResponse/decodeResponseFrame agree for every api and version', () => {
    for (const a of entries) {
      for (const v of versionsOf(a)) {
        const body = sample(a.response, v, 6);
        const frame = encodeResponse(a.apiKey, v, -5, body);
        expect(frame.readInt32BE(0)).toBe(frame.length - 4);
        const { correlationId, body: got } = decodeResponseFrame(a.apiKey, v, frame.subarray(4));
        expect(correlationId).toBe(-5);
        expect(got).toMatchObject(body);
      }
    }
  });
  it('rejects unknown apis and unsupported versions with ProtocolError', () => {
    expect(() => decodeRequest(99, 0, new Reader(Buffer.alloc(0)))).toThrow(ProtocolError);
    expect(() => decodeRequest(0, 2, new Reader(Buffer.alloc(0)))).toThrow(/Produce v2 is not supported/);
    expect(() => encodeResponse(1, 12, 1, {})).toThrow(ProtocolError);
  });
  it('fills defaults for missing fields when encoding, and for absent-in-version fields when decoding', () => {
    const frame = encodeResponse(3, 0, 9, { brokers: [{ nodeId: 1, host: 'h', port: 9 }], topics: [] });
    const { body } = decodeResponseFrame(3, 0, frame.subarray(4));
    expect(body).toEqual({ throttleTimeMs: 0, brokers: [{ nodeId: 1, host: 'h', port: 9, rack: null }], clusterId: null, controllerId: -1, topics: [] });
    const fetch = decodeRequest(1, 4, new Reader(encodeRequest(1, 4, 1, null, { maxWaitMs: 5, minBytes: 1, topics: [] }).subarray(4 + 10)));
    expect(fetch).toMatchObject({ replicaId: -1, maxBytes: 0x7fffffff, sessionId: 0, sessionEpoch: -1, forgottenTopicsData: [], rackId: '' });
  });
  it('refuses null in a non-nullable field with the field path', () => {
    expect(() => encodeResponse(3, 1, 1, { brokers: [{ nodeId: 1, host: null as never, port: 1 }] })).toThrow(/brokers\[0\]\.host: null/);
    expect(() => encodeResponse(3, 0, 1, { topics: null as never })).toThrow(/topics: null/);
  });
  it('refuses a non-Buffer in a bytes field, a non-string in a string field', () => {
    expect(() => encodeResponse(14, 0, 1, { assignment: 'abc' as never })).toThrow(/assignment: expected a Buffer, got string/);
    expect(() => encodeResponse(3, 1, 1, { brokers: [{ nodeId: 1, host: 5 as never, port: 1 }] })).toThrow(/brokers\[0\]\.host: expected a string/);
  });
  it('wraps encoder range errors as ProtocolError with a path', () => {
    try {
      encodeResponse(12, 0, 1, { errorCode: 70000 });
      expect.unreachable();
    } catch (e) {
      expect(e).toBeInstanceOf(ProtocolError);
      expect((e as ProtocolError).path).toBe('errorCode');
    }
  });
});

describe('hand-made byte vectors', () => {
  it('ApiVersions v0 request', () => {
    const frame = hex('0000000c 0012 0000 00000001 0002 6162');
    expect(encodeRequest(18, 0, 1, 'ab', {}).equals(frame)).toBe(true);
    const r = new Reader(frame, 4);
    expect(decodeRequestHeader(r)).toEqual({ apiKey: 18, apiVersion: 0, correlationId: 1, clientId: 'ab', headerVersion: 1, bodyOffset: 16 });
    expect(decodeRequest(18, 0, r)).toEqual({ clientSoftwareName: '', clientSoftwareVersion: '' });
  });
  it('ApiVersions v0 response', () => {
    const frame = hex('00000010 00000007 0000 00000001 0000 0003 0007');
    expect(encodeResponse(18, 0, 7, { errorCode: 0, apiKeys: [{ apiKey: 0, minVersion: 3, maxVersion: 7 }] }).equals(frame)).toBe(true);
    const { correlationId, body } = decodeResponseFrame(18, 0, frame.subarray(4));
    expect(correlationId).toBe(7);
    expect(body.errorCode).toBe(0);
    expect(body.apiKeys).toEqual([{ apiKey: 0, minVersion: 3, maxVersion: 7 }]);
    expect(body.throttleTimeMs).toBe(0);
    expect(body.finalizedFeaturesEpoch).toBe(-1);
  });
  it('ApiVersions v3 response: header v0 (no tag byte), compact array, tags', () => {
    const expected = hex('00000013 00000007 0000 02 0012 0000 0003 00 00000000 00');
    expect(expected.length - 4).toBe(0x13);
    const got = encodeResponse(18, 3, 7, { apiKeys: [{ apiKey: 18, minVersion: 0, maxVersion: 3 }] });
    expect(got.toString('hex')).toBe(expected.toString('hex'));
  });
  it('ApiVersions v3 response with a tagged field (finalizedFeaturesEpoch, tag 1)', () => {
    const body = hex('0000 01 00000000 01 01 08 0000000000000005');
    const decoded = decodeResponse(18, 3, new Reader(body));
    expect(decoded).toEqual({ errorCode: 0, apiKeys: [], throttleTimeMs: 0, supportedFeatures: [], finalizedFeaturesEpoch: 5, finalizedFeatures: [] });
    expect(Buffer.from(encodeMessage(apis[18]!.response, 3, decoded).finish()).equals(body)).toBe(true);
  });
  it('flexible ApiVersions v3 request: header v2 with an unknown tag, compact strings', () => {
    const frame = hex('00000019 0012 0003 0000002a 0001 63 01 05 02 aabb 04 6c6162 04 312e30 00');
    expect(frame.length - 4).toBe(0x19);
    const r = new Reader(frame, 4);
    const h = decodeRequestHeader(r);
    expect(h).toEqual({ apiKey: 18, apiVersion: 3, correlationId: 42, clientId: 'c', headerVersion: 2, bodyOffset: 4 + 16 });
    expect(decodeRequest(18, 3, r)).toEqual({ clientSoftwareName: 'lab', clientSoftwareVersion: '1.0' });
    expect(r.remaining).toBe(0);
    expect(encodeRequest(18, 3, 42, 'c', { clientSoftwareName: 'lab', clientSoftwareVersion: '1.0' }).toString('hex')).toBe(
      '00000015' + '0012' + '0003' + '0000002a' + '000163' + '00' + '046c6162' + '04312e30' + '00',
    );
  });
  it('Metadata v1 request with null topics (all topics), v0 with empty array', () => {
    expect(decodeRequest(3, 1, new Reader(hex('ffffffff')))).toEqual({ topics: null, allowAutoTopicCreation: true });
    expect(decodeRequest(3, 0, new Reader(hex('00000000')))).toEqual({ topics: [], allowAutoTopicCreation: true });
    expect(() => decodeRequest(3, 0, new Reader(hex('ffffffff')))).toThrow(ProtocolError);
    expect(decodeRequest(3, 4, new Reader(hex('00000001 0003 616263 00')))).toEqual({ topics: [{ name: 'abc' }], allowAutoTopicCreation: false });
  });
  it('compact strings, varints', () => {
    expect(new Writer().compactString('héllo').finish().toString('hex')).toBe('0768c3a96c6c6f');
    expect(new Writer().compactNullableString(null).finish().toString('hex')).toBe('00');
    expect(new Reader(hex('0768c3a96c6c6f')).compactString()).toBe('héllo');
    const cases: [number, string][] = [[0, '00'], [-1, '01'], [1, '02'], [63, '7e'], [-64, '7f'], [64, '8001'], [300, 'd804'], [2147483647, 'feffffff0f'], [-2147483648, 'ffffffff0f']];
    for (const [v, h] of cases) {
      expect(new Writer().varint(v).finish().toString('hex')).toBe(h);
      expect(new Reader(hex(h)).varint()).toBe(v);
    }
    expect(new Writer().uvarint(300).finish().toString('hex')).toBe('ac02');
    expect(new Reader(hex('ac02')).uvarint()).toBe(300);
    for (const v of [0, -1, 1, 2 ** 40, -(2 ** 40) - 3, 2 ** 52, -(2 ** 52)]) {
      expect(new Reader(new Writer().varlong(v).finish()).varlong()).toBe(v);
    }
    expect(new Writer().varlong(-1).finish().toString('hex')).toBe('01');
    expect(new Writer().varlong(2 ** 35).finish().toString('hex')).toBe(Buffer.from([0x80, 0x80, 0x80, 0x80, 0x80, 0x02]).toString('hex'));
  });
  it('int64 as number, uuid as base64url', () => {
    const w = new Writer().int64(-2).int64(2 ** 53 - 1).int64(1_700_000_000_123);
    expect(w.finish().toString('hex')).toBe('fffffffffffffffe' + '001fffffffffffff' + '0000018bcfe5687b');
    const r = new Reader(w.finish());
    expect([r.int64(), r.int64(), r.int64()]).toEqual([-2, 2 ** 53 - 1, 1_700_000_000_123]);
    const u = Buffer.from('000102030405060708090a0b0c0d0e0f', 'hex');
    expect(new Reader(u).uuid()).toBe(u.toString('base64url'));
    expect(new Writer().uuid(u.toString('base64url')).finish().equals(u)).toBe(true);
  });
  it('the ApiVersions UNSUPPORTED_VERSION reply', () => {
    const f = encodeApiVersionsUnsupported(77, 3);
    expect(f.toString('hex')).toBe('00000010' + '0000004d' + '0023' + '00000001' + '0012' + '0000' + '0003');
    expect(decodeResponseFrame(18, 0, f.subarray(4)).body).toMatchObject({ errorCode: 35, apiKeys: [{ apiKey: 18, minVersion: 0, maxVersion: 3 }] });
  });
});

describe('malformed input raises ProtocolError, never RangeError, never a huge allocation', () => {
  it('reports the field path of a truncated record set', () => {
    const frame = encodeRequest(0, 3, 1, 'c', {
      acks: -1, timeoutMs: 1000,
      topicData: [{ name: 't', partitionData: [{ index: 0, records: Buffer.alloc(10) }, { index: 1, records: Buffer.alloc(100, 1) }] }],
    });
    const r = new Reader(frame.subarray(0, frame.length - 50), 4);
    decodeRequestHeader(r);
    try {
      decodeRequest(0, 3, r);
      expect.unreachable();
    } catch (e) {
      expect(e).toBeInstanceOf(ProtocolError);
      expect((e as ProtocolError).path).toBe('topicData[0].partitionData[1].records');
      expect((e as ProtocolError).message).toMatch(/^topicData\[0\]\.partitionData\[1\]\.records: need 100 byte\(s\), only 50 left \(at byte \d+\)$/);
    }
  });
  it('rejects array/string/bytes lengths larger than the input before allocating', () => {
    expect(() => decodeRequest(3, 1, new Reader(hex('7fffffff')))).toThrow(/topics: array length 2147483647 exceeds/);
    expect(() => decodeRequest(15, 0, new Reader(hex('00100000 0001 61')))).toThrow(ProtocolError);
    expect(() => new Reader(hex('7fff 61')).string()).toThrow(ProtocolError);
    expect(() => new Reader(hex('7fffffff 00')).bytes()).toThrow(ProtocolError);
    expect(() => new Reader(hex('ffffffff0f')).compactBytes()).toThrow(ProtocolError);
    expect(() => new Reader(hex('ffffffffff01')).uvarint()).toThrow(ProtocolError);
    expect(() => new Reader(hex('fffffffe')).nullableBytes()).toThrow(/invalid bytes length -2/);
    expect(() => new Reader(Buffer.alloc(3)).int32()).toThrow(ProtocolError);
    // a flexible tag section claiming more bytes than present
    expect(() => decodeResponse(18, 3, new Reader(hex('0000 01 00000000 01 01 7f 00')))).toThrow(ProtocolError);
  });
  it('every strict prefix of every sample fails with ProtocolError', () => {
    let checked = 0;
    for (const a of entries) {
      for (const v of versionsOf(a)) {
        for (const m of [a.request, a.response]) {
          const bytes = Buffer.from(encodeMessage(m, v, sample(m, v, 11)).finish());
          for (let n = 0; n < bytes.length; n++) {
            const cut = Buffer.from(bytes.subarray(0, n)); // own buffer: reading past it cannot see the rest
            expect(() => decodeMessage(m, v, new Reader(cut))).toThrow(ProtocolError);
            checked++;
          }
        }
      }
    }
    expect(checked).toBeGreaterThan(5000);
  });
  it('random garbage either decodes or throws ProtocolError', () => {
    const rand = rng(99);
    for (const a of entries) {
      for (const v of versionsOf(a)) {
        for (const m of [a.request, a.response]) {
          for (let i = 0; i < 40; i++) {
            const len = Math.floor(rand() * 64);
            const buf = Buffer.from(Array.from({ length: len }, () => (rand() < 0.3 ? 0 : rand() < 0.2 ? 0xff : Math.floor(rand() * 256))));
            try {
              decodeMessage(m, v, new Reader(buf));
            } catch (e) {
              expect(e).toBeInstanceOf(ProtocolError);
            }
          }
          // mutate one byte of a valid sample
          const good = Buffer.from(encodeMessage(m, v, sample(m, v, 3)).finish());
          for (let i = 0; i < 30 && good.length > 0; i++) {
            const bad = Buffer.from(good);
            bad[Math.floor(rand() * bad.length)] = Math.floor(rand() * 256);
            try {
              decodeMessage(m, v, new Reader(bad));
            } catch (e) {
              expect(e).toBeInstanceOf(ProtocolError);
            }
          }
        }
      }
    }
  });
});
