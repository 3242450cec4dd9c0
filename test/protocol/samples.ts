// Test helpers: generate non-trivial sample values from a schema, and flatten values to wire-ordered leaves.
import { buildBatch } from '../../src/broker/protocol/record-batch.js';
import { inRange, parseVersions, type Field, type Fields, type Message } from '../../src/broker/protocol/schema.js';

/** Small deterministic PRNG. */
export function rng(seed: number) {
  let s = seed >>> 0 || 1;
  return () => {
    s ^= s << 13;
    s >>>= 0;
    s ^= s >>> 17;
    s ^= s << 5;
    s >>>= 0;
    return s / 4294967296;
  };
}

const present = (f: Field<unknown>, v: number) => inRange(parseVersions(f.opts.versions), v);
const nullableAt = (f: Field<unknown>, v: number) =>
  f.opts.nullableVersions !== undefined && inRange(parseVersions(f.opts.nullableVersions), v);
const taggedAt = (f: Field<unknown>, v: number, flexible: boolean) =>
  flexible && f.opts.tag !== undefined && inRange(parseVersions(f.opts.taggedVersions), v);

export interface SampleOptions {
  /** Probability of choosing null for a nullable field. */
  nullRate?: number;
  /** Array length. */
  arrayLength?: number;
  /** Omit tagged fields (for cross-checks with clients that do not know them). */
  noTags?: boolean;
}

/** A sample body for `m` at `version`: only fields present in that version, with non-default values. */
export function sample(m: Message<any>, version: number, seed = 1, opts: SampleOptions = {}): Record<string, unknown> {
  const rand = rng(seed * 7919 + version * 104729 + m.apiKey);
  const flexible = version >= m.flexibleFrom;
  return sampleStruct(m.fields, version, flexible, rand, opts);
}

function sampleStruct(fields: Fields, v: number, flexible: boolean, rand: () => number, opts: SampleOptions) {
  const o: Record<string, unknown> = {};
  for (const [name, f] of Object.entries(fields)) {
    if (!present(f, v)) continue;
    if (f.opts.tag !== undefined && !taggedAt(f, v, flexible)) continue;
    if (opts.noTags && f.opts.tag !== undefined) continue;
    o[name] = sampleValue(f, v, flexible, rand, opts, true);
  }
  return o;
}

const words = ['topic-a', 'tópic-ü-ñ', 'consumer-group', '', 'x', 'payments.v1', '🚀-emoji'];

function sampleValue(f: Field<unknown>, v: number, flexible: boolean, rand: () => number, opts: SampleOptions, top: boolean): unknown {
  if (top && nullableAt(f, v) && rand() < (opts.nullRate ?? 0.3)) return null;
  const r = rand();
  switch (f.kind) {
    case 'int8': return Math.floor(r * 256) - 128;
    case 'int16': return Math.floor(r * 65536) - 32768;
    case 'uint16': return Math.floor(r * 65536);
    case 'int32': return Math.floor(r * 4294967296) - 2147483648;
    case 'uint32': return Math.floor(r * 4294967296);
    case 'int64': {
      const choices = [0, -1, 1, 2 ** 40 + 12345, -(2 ** 45) - 7, Number.MAX_SAFE_INTEGER, Number.MIN_SAFE_INTEGER, 1_700_000_000_123];
      return choices[Math.floor(r * choices.length)];
    }
    case 'float64': return r * 1e6 - 5e5;
    case 'bool': return r < 0.5;
    case 'string': return words[Math.floor(r * words.length)]! + (r < 0.2 ? '' : String(Math.floor(r * 1000)));
    case 'bytes': return Buffer.from(Array.from({ length: Math.floor(r * 9) }, (_, i) => (i * 37 + Math.floor(r * 255)) & 0xff));
    case 'uuid': return Buffer.from(Array.from({ length: 16 }, () => Math.floor(rand() * 256))).toString('base64url');
    case 'records':
      return buildBatch(
        [{ key: 'k', value: `value-${Math.floor(r * 100)}`, headers: { h: 'v' } }, { key: null, value: 'second' }],
        { baseTimestamp: 1_700_000_000_000, producerId: 42, producerEpoch: 1, baseSequence: 0 },
      );
    case 'array': {
      const n = opts.arrayLength ?? 2;
      return Array.from({ length: n }, () => sampleValue(f.item!, v, flexible, rand, opts, false));
    }
    case 'struct':
      return sampleStruct(f.fields!, v, flexible, rand, opts);
  }
}

/** Leaves of a value in wire order for `m` at `version` (non-tagged present fields only), normalised to strings. */
export function leavesOurs(m: Message<any>, version: number, value: Record<string, unknown>): unknown[] {
  const out: unknown[] = [];
  const flexible = version >= m.flexibleFrom;
  walkStruct(m.fields, version, flexible, value, out);
  return out;
}
function walkStruct(fields: Fields, v: number, flexible: boolean, o: Record<string, unknown>, out: unknown[]) {
  for (const [name, f] of Object.entries(fields)) {
    if (!present(f, v) || (f.opts.tag !== undefined && taggedAt(f, v, flexible))) continue;
    walkValue(f, v, flexible, o[name], out);
  }
}
function walkValue(f: Field<unknown>, v: number, flexible: boolean, x: unknown, out: unknown[]) {
  if (x === null || x === undefined) return void out.push(null);
  if (f.kind === 'array') for (const e of x as unknown[]) walkValue(f.item!, v, flexible, e, out);
  else if (f.kind === 'struct') walkStruct(f.fields!, v, flexible, x as Record<string, unknown>, out);
  else out.push(norm(x));
}
export function norm(x: unknown): unknown {
  if (x === null || x === undefined) return null;
  if (Buffer.isBuffer(x)) return 'hex:' + x.toString('hex');
  if (typeof x === 'number' || typeof x === 'bigint') return String(x);
  if (typeof x === 'object' && typeof (x as { toString: unknown }).toString === 'function' && 'high' in (x as object) && 'low' in (x as object)) {
    return (x as { toString(): string }).toString(); // kafkajs Long
  }
  return x;
}
/** Leaves of a foreign decoded object (kafkajs), in property order. */
export function leavesTheirs(x: unknown, out: unknown[] = []): unknown[] {
  if (x === null || x === undefined) out.push(null);
  else if (Buffer.isBuffer(x)) out.push(norm(x));
  else if (Array.isArray(x)) for (const e of x) leavesTheirs(e, out);
  else if (typeof x === 'object' && 'high' in (x as object) && 'low' in (x as object)) out.push(norm(x));
  else if (typeof x === 'object') for (const v of Object.values(x as object)) leavesTheirs(v, out);
  else out.push(norm(x));
  return out;
}

/** Like leavesOurs, but [fieldName, value] pairs. */
export function namedLeavesOurs(m: Message<any>, version: number, value: Record<string, unknown>): [string, unknown][] {
  const out: [string, unknown][] = [];
  const flexible = version >= m.flexibleFrom;
  const walkS = (fields: Fields, o: Record<string, unknown>) => {
    for (const [name, f] of Object.entries(fields)) {
      if (!present(f, version) || (f.opts.tag !== undefined && taggedAt(f, version, flexible))) continue;
      walkV(name, f, o[name]);
    }
  };
  const walkV = (name: string, f: Field<unknown>, x: unknown) => {
    if (x === null || x === undefined) return void out.push([name, null]);
    if (f.kind === 'array') for (const e of x as unknown[]) walkV(name, f.item!, e);
    else if (f.kind === 'struct') walkS(f.fields!, x as Record<string, unknown>);
    else out.push([name, norm(x)]);
  };
  walkS(m.fields, value);
  return out;
}
/** Like leavesTheirs, but [key, value] pairs (array elements carry the array's key). */
export function namedLeavesTheirs(x: unknown, key = '', out: [string, unknown][] = []): [string, unknown][] {
  if (x === null || x === undefined) out.push([key, null]);
  else if (Buffer.isBuffer(x)) out.push([key, norm(x)]);
  else if (Array.isArray(x)) for (const e of x) namedLeavesTheirs(e, key, out);
  else if (typeof x === 'object' && 'high' in (x as object) && 'low' in (x as object)) out.push([key, norm(x)]);
  else if (typeof x === 'object') for (const [k, v] of Object.entries(x as object)) namedLeavesTheirs(v, k, out);
  else out.push([key, norm(x)]);
  return out;
}
