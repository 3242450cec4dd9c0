/**
 * Hostile input, at volume: raw TCP to an in-process 3-broker cluster with malformed, truncated, oversized and random
 * frames, and mutations (bit flips, truncations, length-field corruption, splices) of VALID requests of every API
 * and version the broker advertises. Seeded (FUZZ_SEED to replay), bounded in count and time (FUZZ_CASES, FUZZ_MS).
 *
 * Asserts: no unhandled error in the process, memory does not keep growing, fresh connections are served throughout,
 * and a well-behaved kafkajs producer + consumer group running alongside loses nothing and never fails a send.
 */
import { Socket, connect } from 'node:net';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { advertisedVersions } from '../../src/broker/handlers/index.js';
import { apis, encodeRequest, recordBatch } from '../../src/broker/protocol/index.js';
import { eventually, startTestCluster, type TestCluster } from '../helpers/embedded.js';
import { rawRequest } from '../helpers/raw.js';
import { rng, sample } from '../protocol/samples.js';

const SEED = Number(process.env.FUZZ_SEED ?? 20251125);
const MAX_CASES = Number(process.env.FUZZ_CASES ?? 4000);
const MAX_MS = Number(process.env.FUZZ_MS ?? 20_000);
const LANES = 12;
const MAX_FRAME = 1024 * 1024;
const TARGET_TOPIC = 'fuzz-target';
const STEADY_TOPIC = 'steady';

let t: TestCluster;
const unhandled: unknown[] = [];
const onUnhandled = (e: unknown) => unhandled.push(e);

function gc(): void {
  try {
    setFlagsFromString('--expose-gc');
    (runInNewContext('gc') as () => void)();
  } catch {
    /* no gc available: the heap figures are noisier but the bound is generous */
  }
}

beforeAll(async () => {
  process.on('uncaughtException', onUnhandled);
  process.on('unhandledRejection', onUnhandled);
  t = await startTestCluster({ brokers: 3, config: { maxRequestBytes: MAX_FRAME } });
  const admin = t.kafka().admin();
  await admin.connect();
  await admin.createTopics({
    waitForLeaders: true,
    topics: [
      { topic: STEADY_TOPIC, numPartitions: 3, replicationFactor: 3, configEntries: [{ name: 'min.insync.replicas', value: '2' }] },
      { topic: TARGET_TOPIC, numPartitions: 2, replicationFactor: 3 },
    ],
  });
  await admin.disconnect();
}, 60_000);

afterAll(async () => {
  process.off('uncaughtException', onUnhandled);
  process.off('unhandledRejection', onUnhandled);
  await t?.destroy();
});

/** Valid request bodies: schema-driven samples for every API/version, plus realistic ones aimed at real state. */
function validRequests(rand: () => number): Valid[] {
  const out: Valid[] = [];
  const batch = (n: number) => recordBatch.buildBatch(Array.from({ length: n }, (_, i) => ({ key: `k${i}`, value: `fuzz-${i}-${Math.floor(rand() * 1e9)}` })));
  for (const range of advertisedVersions()) {
    const entry = apis[range.apiKey]!;
    for (let v = range.minVersion; v <= range.maxVersion; v++) {
      for (let s = 1; s <= 3; s++) out.push({ apiKey: range.apiKey, version: v, body: sample(entry.request, v, s * 1000 + Math.floor(rand() * 1000), { arrayLength: 2 }) });
      const realistic = realisticBody(range.apiKey, v, batch);
      if (realistic) out.push({ apiKey: range.apiKey, version: v, body: realistic, realistic: true });
    }
  }
  return out;
}

function realisticBody(apiKey: number, version: number, batch: (n: number) => Buffer): unknown {
  const topic = TARGET_TOPIC;
  switch (apiKey) {
    case 0:
      return { acks: version % 2 ? -1 : 1, timeoutMs: 1000, topicData: [{ name: topic, partitionData: [{ index: 0, records: batch(3) }, { index: 1, records: batch(1) }] }] };
    case 1:
      return { replicaId: -1, maxWaitMs: 10, minBytes: 1, maxBytes: 65536, topics: [{ topic, partitions: [{ partition: 0, fetchOffset: 0, partitionMaxBytes: 65536 }] }] };
    case 2:
      return { replicaId: -1, topics: [{ name: topic, partitions: [{ partitionIndex: 0, timestamp: -1 }] }] };
    case 3:
      return { topics: [{ name: topic }], allowAutoTopicCreation: false };
    case 10:
      return { key: 'fuzz-group', keyType: 0 };
    case 11:
      return { groupId: 'fuzz-group', sessionTimeoutMs: 6000, rebalanceTimeoutMs: 6000, memberId: '', protocolType: 'consumer', protocols: [{ name: 'range', metadata: Buffer.from([0, 0, 0, 0, 0, 0]) }] };
    case 19:
      return { topics: [{ name: `fuzz-created-${version}`, numPartitions: 1, replicationFactor: 1, assignments: [], configs: [] }], timeoutMs: 1000 };
    case 22:
      return { transactionalId: null, transactionTimeoutMs: 60000 };
    default:
      return undefined;
  }
}

type Case = { kind: string; bytes: Buffer[]; closeAfterWrite?: boolean };

function sizePrefixed(body: Buffer): Buffer {
  const head = Buffer.alloc(4);
  head.writeInt32BE(body.length);
  return Buffer.concat([head, body]);
}

function randomBytes(rand: () => number, n: number): Buffer {
  const b = Buffer.alloc(n);
  for (let i = 0; i < n; i++) b[i] = Math.floor(rand() * 256);
  return b;
}

/** Splits bytes into 1..4 chunks at random points (TCP may deliver any split). */
function chunks(rand: () => number, bytes: Buffer): Buffer[] {
  const parts: Buffer[] = [];
  let rest = bytes;
  const n = Math.floor(rand() * 4);
  for (let i = 0; i < n && rest.length > 1; i++) {
    const at = 1 + Math.floor(rand() * (rest.length - 1));
    parts.push(rest.subarray(0, at));
    rest = rest.subarray(at);
  }
  parts.push(rest);
  return parts;
}

function mutate(rand: () => number, frame: Buffer): { kind: string; bytes: Buffer } {
  const body = Buffer.from(frame.subarray(4));
  const pick = Math.floor(rand() * 7);
  switch (pick) {
    case 0: {
      const flips = 1 + Math.floor(rand() * 8);
      for (let i = 0; i < flips; i++) {
        const at = Math.floor(rand() * body.length);
        body[at]! ^= 1 << Math.floor(rand() * 8);
      }
      return { kind: 'bit-flip', bytes: sizePrefixed(body) };
    }
    case 1:
      return { kind: 'truncate-body', bytes: sizePrefixed(body.subarray(0, Math.floor(rand() * body.length))) };
    case 2: {
      // Corrupt what is likely a length: an int16/int32/varint somewhere in the body becomes huge or negative.
      const values = [0x7fffffff, -1, -2, 0x10000000, 0x7fff, 0xffff, 1 << 20];
      const at = Math.floor(rand() * Math.max(1, body.length - 4));
      const v = values[Math.floor(rand() * values.length)]!;
      if (rand() < 0.5 && at + 4 <= body.length) body.writeInt32BE(v | 0, at);
      else if (at + 2 <= body.length) body.writeInt16BE(((v & 0xffff) << 16) >> 16, at);
      return { kind: 'length-field', bytes: sizePrefixed(body) };
    }
    case 3: {
      // The frame size itself lies: bigger than what follows (the peer then closes) or smaller (leftover bytes).
      const head = Buffer.alloc(4);
      head.writeInt32BE(Math.max(0, body.length + Math.floor((rand() - 0.5) * 64)));
      return { kind: 'frame-size-lie', bytes: Buffer.concat([head, body]) };
    }
    case 4: {
      const at = Math.floor(rand() * body.length);
      return { kind: 'insert', bytes: sizePrefixed(Buffer.concat([body.subarray(0, at), randomBytes(rand, 1 + Math.floor(rand() * 16)), body.subarray(at)])) };
    }
    case 5: {
      // Api version out of range or an unknown api key in an otherwise valid frame.
      if (rand() < 0.5) body.writeInt16BE(Math.floor(rand() * 40), 2);
      else body.writeInt16BE(Math.floor(rand() * 100), 0);
      return { kind: 'header', bytes: sizePrefixed(body) };
    }
    default: {
      const at = Math.floor(rand() * body.length);
      const len = Math.floor(rand() * 8);
      return { kind: 'delete', bytes: sizePrefixed(Buffer.concat([body.subarray(0, at), body.subarray(at + len)])) };
    }
  }
}

const EXTREME_INTS = [0, -1, -2, 1, 0x7fffffff, -0x80000000, 0x7fff, -0x8000, 1_000_000, 1_000_000_000];
const SMALL_INTS = [0, -1, -2, 1, 0x7fff, -0x8000, 127, -128];

/** A copy of `body` with some numbers and strings replaced by extremes: well-formed bytes, hostile values. */
function extremeValues(rand: () => number, body: unknown, ints: number[]): unknown {
  if (Buffer.isBuffer(body) || body === null || body === undefined) return body;
  if (Array.isArray(body)) return body.map((v) => extremeValues(rand, v, ints));
  if (typeof body === 'number') return rand() < 0.35 ? ints[Math.floor(rand() * ints.length)]! : body;
  if (typeof body === 'string') {
    if (rand() >= 0.2) return body;
    const pick = Math.floor(rand() * 4);
    return pick === 0 ? '' : pick === 1 ? 'x'.repeat(300) : pick === 2 ? '../..' : '\u0000\uffff é';
  }
  if (typeof body === 'object') {
    return Object.fromEntries(Object.entries(body as Record<string, unknown>).map(([k, v]) => [k, extremeValues(rand, v, ints)]));
  }
  return body;
}

type Valid = { apiKey: number; version: number; body: unknown; realistic?: boolean };

/** Every API equally often (whatever its number of versions), realistic bodies half the time where there are some. */
function pickValid(rand: () => number, valid: Valid[]): Valid {
  const keys = [...new Set(valid.map((v) => v.apiKey))];
  const key = keys[Math.floor(rand() * keys.length)]!;
  const ofKey = valid.filter((v) => v.apiKey === key);
  const realistic = ofKey.filter((v) => v.realistic);
  const pool = realistic.length > 0 && rand() < 0.5 ? realistic : ofKey;
  return pool[Math.floor(rand() * pool.length)]!;
}

function makeCase(rand: () => number, valid: Valid[], correlation: number): Case {
  const r = rand();
  const validFrame = () => {
    const v = pickValid(rand, valid);
    return encodeRequest(v.apiKey, v.version, correlation, rand() < 0.2 ? null : 'fuzz', v.body);
  };
  if (r < 0.15) {
    // Well-formed frames with hostile values (huge counts, negative sizes, empty or long names).
    const v = pickValid(rand, valid);
    for (const ints of [EXTREME_INTS, SMALL_INTS]) {
      try {
        return { kind: 'extreme-values', bytes: chunks(rand, encodeRequest(v.apiKey, v.version, correlation, 'fuzz', extremeValues(rand, v.body, ints))) };
      } catch {
        /* a value did not fit its field type: try the int16-safe set, else fall through to a mutation */
      }
    }
  }
  if (r < 0.55) {
    const m = mutate(rand, validFrame());
    return { kind: m.kind, bytes: chunks(rand, m.bytes) };
  }
  if (r < 0.65) return { kind: 'valid', bytes: chunks(rand, validFrame()) };
  if (r < 0.72) {
    // Several frames on one connection, some valid, some not.
    const frames = Array.from({ length: 2 + Math.floor(rand() * 4) }, () => (rand() < 0.5 ? validFrame() : mutate(rand, validFrame()).bytes));
    return { kind: 'pipelined', bytes: chunks(rand, Buffer.concat(frames)) };
  }
  if (r < 0.8) return { kind: 'random-frame', bytes: chunks(rand, sizePrefixed(randomBytes(rand, Math.floor(rand() * 300)))) };
  if (r < 0.85) return { kind: 'random-bytes', bytes: [randomBytes(rand, 1 + Math.floor(rand() * 64))] };
  if (r < 0.9) {
    // Announces a frame and sends only part of it, then hangs up.
    const f = validFrame();
    return { kind: 'truncated-frame', bytes: [f.subarray(0, Math.floor(rand() * f.length))], closeAfterWrite: true };
  }
  if (r < 0.95) {
    const head = Buffer.alloc(4);
    const sizes = [MAX_FRAME + 1, 0x7fffffff, -1, -0x80000000, 2 * MAX_FRAME];
    head.writeInt32BE(sizes[Math.floor(rand() * sizes.length)]!);
    return { kind: 'oversized', bytes: [Buffer.concat([head, randomBytes(rand, 32)])] };
  }
  // A frame of size 0..3: too short to hold even a header.
  return { kind: 'tiny-frame', bytes: [sizePrefixed(randomBytes(rand, Math.floor(rand() * 4)))] };
}

/** Writes the case on a fresh connection; resolves when the broker closed it, answered and went quiet, or 300 ms passed. */
function play(port: number, c: Case): Promise<'closed' | 'answered' | 'quiet' | 'refused'> {
  return new Promise((resolve) => {
    let answered = false;
    let done = false;
    const finish = (how: 'closed' | 'answered' | 'quiet' | 'refused') => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      socket.destroy();
      resolve(how);
    };
    const socket: Socket = connect({ host: '127.0.0.1', port }, async () => {
      for (const part of c.bytes) {
        if (socket.destroyed) return;
        socket.write(part);
        await new Promise((r) => setImmediate(r));
      }
      if (c.closeAfterWrite) socket.end();
    });
    socket.on('data', () => (answered = true));
    socket.on('error', (e: NodeJS.ErrnoException) => finish(e.code === 'ECONNREFUSED' ? 'refused' : 'closed'));
    socket.on('close', () => finish(answered ? 'answered' : 'closed'));
    const timer = setTimeout(() => finish(answered ? 'answered' : 'quiet'), 300);
  });
}

describe('broker fuzz', () => {
  it('survives malformed, truncated, oversized, random and mutated frames while real clients keep working', async () => {
    const rand = rng(SEED);
    const valid = validRequests(rand);
    const apisCovered = new Set(valid.map((v) => v.apiKey));
    expect([...apisCovered].sort((a, b) => a - b)).toEqual(advertisedVersions().map((v) => v.apiKey));
    const ports = t.cluster.brokers().map((b) => b.port);

    // The well-behaved clients: an idempotent acks=all producer and a consumer group, all the way through.
    const kafka = t.kafka({ clientId: 'steady' });
    const producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1 });
    const consumer = kafka.consumer({ groupId: 'steady-group', sessionTimeout: 10_000, heartbeatInterval: 500, maxWaitTimeInMs: 100 });
    await producer.connect();
    await consumer.connect();
    await consumer.subscribe({ topic: STEADY_TOPIC, fromBeginning: true });
    const consumed = new Set<string>();
    await consumer.run({ eachMessage: async ({ message }) => void consumed.add(message.value!.toString()) });
    const acked: string[] = [];
    const sendErrors: string[] = [];
    let fuzzing = true;
    const steady = (async () => {
      for (let i = 0; fuzzing; i++) {
        const value = `steady-${i}`;
        try {
          await producer.send({ topic: STEADY_TOPIC, acks: -1, messages: [{ key: `k${i % 7}`, value }] });
          acked.push(value);
        } catch (error) {
          sendErrors.push((error as Error).message);
        }
        await new Promise((r) => setTimeout(r, 20));
      }
    })();

    gc();
    const heapStart = process.memoryUsage().heapUsed;
    const rssStart = process.memoryUsage().rss;
    const heapSamples: number[] = [];
    const outcomes = new Map<string, number>();
    const kinds = new Map<string, number>();
    const started = Date.now();
    let cases = 0;
    let checks = 0;
    const lane = async (laneIndex: number) => {
      const laneRand = rng(SEED + laneIndex * 7919);
      while (cases < MAX_CASES && Date.now() - started < MAX_MS) {
        const n = cases++;
        const c = makeCase(laneRand, valid, n);
        kinds.set(c.kind, (kinds.get(c.kind) ?? 0) + 1);
        // Mostly broker 1, sometimes the others (a follower of the target topic, the controller, a coordinator).
        const port = laneRand() < 0.7 ? ports[0]! : ports[Math.floor(laneRand() * ports.length)]!;
        const how = await play(port, c);
        outcomes.set(how, (outcomes.get(how) ?? 0) + 1);
        expect(how, `broker stopped accepting connections at case ${n} (${c.kind})`).not.toBe('refused');
        if (n % 200 === 0) {
          // Another connection is served meanwhile: a full ApiVersions + Metadata round trip on every broker.
          for (const p of ports) {
            const versions = await rawRequest(p, 18, 0, {});
            expect(versions.errorCode).toBe(0);
            const meta = await rawRequest(p, 3, 1, { topics: [{ name: STEADY_TOPIC }] });
            expect(meta.topics[0].errorCode).toBe(0);
          }
          checks++;
          gc();
          heapSamples.push(process.memoryUsage().heapUsed);
        }
      }
    };
    await Promise.all(Array.from({ length: LANES }, (_, i) => lane(i)));
    const fuzzMs = Date.now() - started;

    fuzzing = false;
    await steady;
    await eventually(() => acked.every((v) => consumed.has(v)), 30_000);
    await consumer.disconnect();
    await producer.disconnect();

    gc();
    const heapEnd = process.memoryUsage().heapUsed;
    const rssEnd = process.memoryUsage().rss;
    const summary = { seed: SEED, cases, fuzzMs, checks, kinds: Object.fromEntries(kinds), outcomes: Object.fromEntries(outcomes), acked: acked.length, heapStartMB: heapStart >> 20, heapEndMB: heapEnd >> 20, rssStartMB: rssStart >> 20, rssEndMB: rssEnd >> 20 };
    console.log(`fuzz: ${JSON.stringify(summary)}`);

    expect(unhandled.map(String)).toEqual([]);
    expect(sendErrors).toEqual([]);
    expect(acked.length).toBeGreaterThan(10);
    expect(checks).toBeGreaterThan(1);
    // No unbounded growth: the heap after the run stays within a generous constant of where it started, and the
    // second half of the run did not keep climbing past the first half's peak by more than that constant either.
    expect(heapEnd - heapStart).toBeLessThan(256 * 1024 * 1024);
    const half = Math.floor(heapSamples.length / 2);
    if (half > 0) expect(Math.max(...heapSamples.slice(half)) - Math.max(...heapSamples.slice(0, half))).toBeLessThan(128 * 1024 * 1024);
    // The broker still works for everyone afterwards.
    for (const p of ports) expect((await rawRequest(p, 18, 0, {})).errorCode).toBe(0);
  }, 120_000);
});
