/**
 * A declarative schema language for Kafka messages and ONE generic codec.
 *
 * Schemas mirror Kafka's JSON message specs (apache/kafka clients/src/main/resources/common/message/*.json):
 * field names are the JSON names with the first letter lower-cased, `versions` / `nullableVersions` /
 * `taggedVersions` use the same range syntax ('3+', '0-4', '2', 'none').
 *
 *   const Req = message({ name: 'HeartbeatRequest', apiKey: 12, validVersions: '0-4', flexibleVersions: '4+', fields: {
 *     groupId: string(), generationId: int32(), memberId: string(),
 *     groupInstanceId: nullableString({ versions: '3+', nullableVersions: '3+', default: null }),
 *   }});
 *   type HeartbeatRequest = Infer<typeof Req>;
 *
 * Decoding: fields absent in a version get their default; objects always carry every field, in schema order.
 * Encoding: fields absent in a version are skipped; `undefined` means "the default" (so encoders accept partial
 * objects, see `Input<T>`); `null` in a version where the field is not nullable is a ProtocolError.
 * Flexible versions use compact strings/bytes/arrays and a tagged-field section after every struct.
 * Per-version field lists are compiled once per (schema, version) and cached.
 */
import { ProtocolError, Reader, Writer, ZERO_UUID } from './primitives.js';

export type Kind =
  | 'int8' | 'int16' | 'int32' | 'int64' | 'uint16' | 'uint32' | 'float64' | 'bool'
  | 'string' | 'bytes' | 'uuid' | 'records' | 'array' | 'struct';

export interface FieldOpts {
  /** Versions where the field exists (default '0+'). */
  versions?: string;
  /** Versions where null is allowed (nullable* builders only; default '0+'). */
  nullableVersions?: string;
  /** Default value when absent (decode) or undefined (encode). */
  default?: unknown;
  /** Tag number for tagged fields (with taggedVersions). */
  tag?: number;
  taggedVersions?: string;
}

declare const phantom: unique symbol;
export interface Field<T> {
  readonly kind: Kind;
  readonly opts: FieldOpts;
  /** Element type for arrays. */
  readonly item?: Field<unknown>;
  /** Member fields for structs. */
  readonly fields?: Fields;
  readonly [phantom]?: T;
}
export type Fields = { readonly [name: string]: Field<any> };

export type InferFields<F extends Fields> = { [K in keyof F]: F[K] extends Field<infer T> ? T : never };
/** Deep-partial input accepted by encoders (missing = default). */
export type Input<T> = T extends Buffer
  ? T
  : T extends readonly (infer E)[]
    ? Input<E>[]
    : T extends object
      ? { [K in keyof T]?: Input<T[K]> }
      : T;

const f = <T>(kind: Kind, opts: FieldOpts = {}, extra: { item?: Field<unknown>; fields?: Fields } = {}): Field<T> =>
  ({ kind, opts, ...extra }) as Field<T>;

export const int8 = (o?: FieldOpts) => f<number>('int8', o);
export const int16 = (o?: FieldOpts) => f<number>('int16', o);
export const int32 = (o?: FieldOpts) => f<number>('int32', o);
/** int64 as a JS number (exact up to 2^53). */
export const int64 = (o?: FieldOpts) => f<number>('int64', o);
export const uint16 = (o?: FieldOpts) => f<number>('uint16', o);
export const uint32 = (o?: FieldOpts) => f<number>('uint32', o);
export const float64 = (o?: FieldOpts) => f<number>('float64', o);
export const bool = (o?: FieldOpts) => f<boolean>('bool', o);
export const string = (o?: FieldOpts) => f<string>('string', o);
export const nullableString = (o?: FieldOpts) => f<string | null>('string', { nullableVersions: '0+', ...o });
export const bytes = (o?: FieldOpts) => f<Buffer>('bytes', o);
export const nullableBytes = (o?: FieldOpts) => f<Buffer | null>('bytes', { nullableVersions: '0+', ...o });
/** uuid as a 22-char base64url string. */
export const uuid = (o?: FieldOpts) => f<string>('uuid', o);
/** Record batches: raw bytes, always nullable. */
export const records = (o?: FieldOpts) => f<Buffer | null>('records', { nullableVersions: '0+', ...o });
export const array = <T>(item: Field<T>, o?: FieldOpts) => f<T[]>('array', o, { item: item as Field<unknown> });
export const nullableArray = <T>(item: Field<T>, o?: FieldOpts) =>
  f<T[] | null>('array', { nullableVersions: '0+', ...o }, { item: item as Field<unknown> });
export const struct = <F extends Fields>(fields: F, o?: FieldOpts) => f<InferFields<F>>('struct', o, { fields });

// ---------------------------------------------------------------------------------------------------------------
// Version ranges

export interface VersionRange {
  min: number;
  max: number;
}
export function parseVersions(s: string | undefined): VersionRange {
  if (s === undefined) return { min: 0, max: Infinity };
  if (s === 'none') return { min: 1, max: 0 };
  let m = /^(\d+)\+$/.exec(s);
  if (m) return { min: Number(m[1]), max: Infinity };
  m = /^(\d+)-(\d+)$/.exec(s);
  if (m) return { min: Number(m[1]), max: Number(m[2]) };
  m = /^(\d+)$/.exec(s);
  if (m) return { min: Number(m[1]), max: Number(m[1]) };
  throw new Error(`bad version range ${JSON.stringify(s)}`);
}
export const inRange = (r: VersionRange, v: number) => v >= r.min && v <= r.max;

// ---------------------------------------------------------------------------------------------------------------
// Messages

export interface MessageDef<F extends Fields> {
  name: string;
  apiKey: number;
  validVersions: string;
  flexibleVersions?: string;
  fields: F;
}
export interface Message<F extends Fields = Fields> {
  readonly name: string;
  readonly apiKey: number;
  readonly minVersion: number;
  readonly maxVersion: number;
  /** First flexible version (Infinity if never flexible within what we model). */
  readonly flexibleFrom: number;
  readonly fields: F;
  /** Compiled plans per version (lazy). */
  readonly plans: Map<number, Plan>;
}
export type Infer<M> = M extends Message<infer F> ? InferFields<F> : M extends Field<infer T> ? T : never;

export function message<F extends Fields>(def: MessageDef<F>): Message<F> {
  const v = parseVersions(def.validVersions);
  const fl = parseVersions(def.flexibleVersions ?? 'none');
  return {
    name: def.name,
    apiKey: def.apiKey,
    minVersion: v.min,
    maxVersion: v.max,
    flexibleFrom: fl.min <= fl.max ? fl.min : Infinity,
    fields: def.fields,
    plans: new Map(),
  };
}

export const isFlexible = (m: Message<any>, version: number) => version >= m.flexibleFrom;

// ---------------------------------------------------------------------------------------------------------------
// Compilation

const enum Op {
  Int8, Int16, Int32, Int64, Uint16, Uint32, Float64, Bool, Uuid,
  Str, NStr, CStr, CNStr,
  Bytes, NBytes, CBytes, CNBytes,
  Array, CArray, Struct,
}

interface CField {
  name: string;
  kind: Kind;
  present: boolean;
  tag: number; // -1 = not tagged
  nullable: boolean;
  op: Op;
  /** Constant default (null for arrays/structs, which build fresh defaults). */
  def: unknown;
  item: CField | null;
  plan: Plan | null;
  /** Minimum encoded size (for array length sanity checks). */
  minSize: number;
}
export interface Plan {
  all: CField[];
  regular: CField[];
  tagged: CField[];
  flexible: boolean;
  minSize: number;
}

const EMPTY = Buffer.alloc(0);

function kindDefault(field: Field<unknown>): unknown {
  if ('default' in field.opts) return field.opts.default;
  switch (field.kind) {
    case 'bool': return false;
    case 'string': return '';
    case 'bytes': return EMPTY;
    case 'uuid': return ZERO_UUID;
    case 'records': return null;
    case 'array': case 'struct': return undefined;
    default: return 0;
  }
}

function compileField(name: string, field: Field<unknown>, version: number, flexible: boolean, present: boolean): CField {
  const o = field.opts;
  const nullable = o.nullableVersions !== undefined && inRange(parseVersions(o.nullableVersions), version);
  const tagged = o.tag !== undefined && o.taggedVersions !== undefined && inRange(parseVersions(o.taggedVersions), version);
  let op: Op;
  let item: CField | null = null;
  let plan: Plan | null = null;
  let minSize: number;
  switch (field.kind) {
    case 'int8': op = Op.Int8; minSize = 1; break;
    case 'bool': op = Op.Bool; minSize = 1; break;
    case 'int16': op = Op.Int16; minSize = 2; break;
    case 'uint16': op = Op.Uint16; minSize = 2; break;
    case 'int32': op = Op.Int32; minSize = 4; break;
    case 'uint32': op = Op.Uint32; minSize = 4; break;
    case 'int64': op = Op.Int64; minSize = 8; break;
    case 'float64': op = Op.Float64; minSize = 8; break;
    case 'uuid': op = Op.Uuid; minSize = 16; break;
    case 'string':
      op = flexible ? (nullable ? Op.CNStr : Op.CStr) : nullable ? Op.NStr : Op.Str;
      minSize = flexible ? 1 : 2;
      break;
    case 'bytes':
    case 'records':
      op = flexible ? (nullable ? Op.CNBytes : Op.CBytes) : nullable ? Op.NBytes : Op.Bytes;
      minSize = flexible ? 1 : 4;
      break;
    case 'array':
      op = flexible ? Op.CArray : Op.Array;
      item = compileField(name, field.item!, version, flexible, true);
      item.nullable = false;
      minSize = flexible ? 1 : 4;
      break;
    case 'struct':
      op = Op.Struct;
      plan = compilePlan(field.fields!, version, flexible);
      minSize = plan.minSize;
      break;
  }
  return { name, kind: field.kind, present, tag: tagged ? o.tag! : -1, nullable, op, def: kindDefault(field), item, plan, minSize };
}

export function compilePlan(fields: Fields, version: number, flexible: boolean): Plan {
  const all: CField[] = [];
  const regular: CField[] = [];
  const tagged: CField[] = [];
  let minSize = flexible ? 1 : 0;
  for (const name of Object.keys(fields)) {
    const field = fields[name]!;
    const present = inRange(parseVersions(field.opts.versions), version);
    const c = compileField(name, field, version, flexible, present);
    all.push(c);
    if (!present) continue;
    if (c.tag >= 0) {
      if (!flexible) c.present = false; // tagged fields only exist in flexible versions
      else tagged.push(c);
    } else {
      regular.push(c);
      minSize += c.minSize;
    }
  }
  tagged.sort((a, b) => a.tag - b.tag);
  return { all, regular, tagged, flexible, minSize: Math.max(1, minSize) };
}

export function planFor(m: Message<any>, version: number): Plan {
  let p = m.plans.get(version);
  if (p) return p;
  if (!Number.isInteger(version) || version < m.minVersion || version > m.maxVersion) {
    throw new ProtocolError(`${m.name} v${version} is not supported (${m.minVersion}-${m.maxVersion})`);
  }
  p = compilePlan(m.fields, version, isFlexible(m, version));
  m.plans.set(version, p);
  return p;
}

// ---------------------------------------------------------------------------------------------------------------
// Defaults

function defaultValue(c: CField): unknown {
  if (c.op === Op.Struct) return defaultStruct(c.plan!);
  if (c.op === Op.Array || c.op === Op.CArray) return c.def === undefined ? [] : c.def;
  return c.def;
}
function defaultStruct(p: Plan): Record<string, unknown> {
  const o: Record<string, unknown> = {};
  for (const c of p.all) o[c.name] = defaultValue(c);
  return o;
}

// ---------------------------------------------------------------------------------------------------------------
// Decoding

function readValue(r: Reader, c: CField): unknown {
  switch (c.op) {
    case Op.Int8: return r.int8();
    case Op.Int16: return r.int16();
    case Op.Int32: return r.int32();
    case Op.Int64: return r.int64();
    case Op.Uint16: return r.uint16();
    case Op.Uint32: return r.uint32();
    case Op.Float64: return r.float64();
    case Op.Bool: return r.bool();
    case Op.Uuid: return r.uuid();
    case Op.Str: return r.string();
    case Op.NStr: return r.nullableString();
    case Op.CStr: return r.compactString();
    case Op.CNStr: return r.compactNullableString();
    case Op.Bytes: return r.bytes();
    case Op.NBytes: return r.nullableBytes();
    case Op.CBytes: return r.compactBytes();
    case Op.CNBytes: return r.compactNullableBytes();
    case Op.Array:
    case Op.CArray: {
      const item = c.item!;
      const n = r.arrayLength(c.op === Op.CArray, item.minSize);
      if (n < 0) {
        if (!c.nullable) throw new ProtocolError('null array in a non-nullable field', r.offset);
        return null;
      }
      const out: unknown[] = new Array(n);
      let i = 0;
      try {
        for (; i < n; i++) out[i] = readValue(r, item);
      } catch (e) {
        throw withPath(e, `[${i}]`);
      }
      return out;
    }
    case Op.Struct:
      return readStruct(r, c.plan!);
  }
}

function withPath(e: unknown, segment: string): ProtocolError {
  if (e instanceof ProtocolError) return segment ? e.prependPath(segment) : e;
  return new ProtocolError(e instanceof Error ? e.message : String(e), -1, segment);
}

export function readStruct(r: Reader, p: Plan): Record<string, unknown> {
  const o: Record<string, unknown> = {};
  const all = p.all;
  let c: CField | undefined;
  try {
    for (let i = 0; i < all.length; i++) {
      c = all[i]!;
      o[c.name] = c.present && c.tag < 0 ? readValue(r, c) : defaultValue(c);
    }
    c = undefined;
    if (p.flexible) readTags(r, p, o);
  } catch (e) {
    throw c ? withPath(e, c.name) : withPath(e, '');
  }
  return o;
}

function readTags(r: Reader, p: Plan, o: Record<string, unknown>): void {
  const tagged = p.tagged;
  r.taggedFields(
    tagged.length === 0
      ? undefined
      : (tag, rr) => {
          for (const c of tagged) {
            if (c.tag === tag) {
              try {
                o[c.name] = readValue(rr, c);
              } catch (e) {
                throw withPath(e, c.name);
              }
              return true;
            }
          }
          return false;
        },
  );
}

// ---------------------------------------------------------------------------------------------------------------
// Encoding

function writeValue(w: Writer, c: CField, v: unknown): void {
  if (v === undefined) v = defaultValue(c);
  if (v === null) {
    if (!c.nullable) throw new ProtocolError(`null in a non-nullable field (${c.kind})`);
    switch (c.op) {
      case Op.NStr: w.int16(-1); return;
      case Op.CNStr: w.uvarint(0); return;
      case Op.NBytes: w.int32(-1); return;
      case Op.CNBytes: w.uvarint(0); return;
      case Op.Array: w.int32(-1); return;
      case Op.CArray: w.uvarint(0); return;
      default: throw new ProtocolError(`null in a ${c.kind} field`);
    }
  }
  switch (c.op) {
    case Op.Int8: w.int8(v as number); return;
    case Op.Int16: w.int16(v as number); return;
    case Op.Int32: w.int32(v as number); return;
    case Op.Int64: w.int64(v as number); return;
    case Op.Uint16: w.uint16(v as number); return;
    case Op.Uint32: w.uint32(v as number); return;
    case Op.Float64: w.float64(v as number); return;
    case Op.Bool: w.bool(v as boolean); return;
    case Op.Uuid: w.uuid(v as string); return;
    case Op.Str: case Op.NStr: w.string(v as string); return;
    case Op.CStr: case Op.CNStr: w.compactString(v as string); return;
    case Op.Bytes: case Op.NBytes:
      if (!(v instanceof Uint8Array)) throw new ProtocolError(`expected a Buffer, got ${typeof v}`);
      w.bytes(v);
      return;
    case Op.CBytes: case Op.CNBytes:
      if (!(v instanceof Uint8Array)) throw new ProtocolError(`expected a Buffer, got ${typeof v}`);
      w.compactBytes(v);
      return;
    case Op.Array:
    case Op.CArray: {
      const a = v as unknown[];
      if (!Array.isArray(a)) throw new ProtocolError(`expected an array, got ${typeof v}`);
      w.arrayLength(a.length, c.op === Op.CArray);
      const item = c.item!;
      let i = 0;
      try {
        for (; i < a.length; i++) writeValue(w, item, a[i]);
      } catch (e) {
        throw withPath(e, `[${i}]`);
      }
      return;
    }
    case Op.Struct:
      writeStruct(w, c.plan!, v as Record<string, unknown>);
      return;
  }
}

function isDefaultTagged(c: CField, v: unknown): boolean {
  if (v === undefined) return true;
  if (c.op === Op.Struct) return v === null;
  if (c.op === Op.Array || c.op === Op.CArray) return c.def === undefined ? Array.isArray(v) && v.length === 0 : v === c.def;
  return v === c.def;
}

export function writeStruct(w: Writer, p: Plan, o: Record<string, unknown>): void {
  if (o === null || typeof o !== 'object') throw new ProtocolError(`expected an object, got ${o === null ? 'null' : typeof o}`);
  const regular = p.regular;
  let c: CField | undefined;
  try {
    for (let i = 0; i < regular.length; i++) {
      c = regular[i]!;
      writeValue(w, c, o[c.name]);
    }
    c = undefined;
    if (p.flexible) {
      const tagged = p.tagged;
      let count = 0;
      for (const t of tagged) if (!isDefaultTagged(t, o[t.name])) count++;
      w.uvarint(count);
      if (count > 0) {
        for (const t of tagged) {
          const v = o[t.name];
          if (isDefaultTagged(t, v)) continue;
          c = t;
          const tmp = new Writer(64);
          writeValue(tmp, t, v);
          const body = tmp.finish();
          w.uvarint(t.tag).uvarint(body.length).raw(body);
        }
      }
    }
  } catch (e) {
    if (e instanceof RangeError || e instanceof TypeError) {
      throw new ProtocolError(`cannot encode value: ${e.message}`, -1, c ? c.name : '');
    }
    throw c ? withPath(e, c.name) : withPath(e, '');
  }
}

/** Decode a message body of `version` (must be in the schema's range). */
export function decodeMessage<F extends Fields>(m: Message<F>, version: number, r: Reader): InferFields<F> {
  return readStruct(r, planFor(m, version)) as InferFields<F>;
}
/** Encode a message body of `version` into `w` (a new Writer if omitted); returns the writer. */
export function encodeMessage<F extends Fields>(
  m: Message<F>,
  version: number,
  value: Input<InferFields<F>>,
  w: Writer = new Writer(),
): Writer {
  writeStruct(w, planFor(m, version), value as Record<string, unknown>);
  return w;
}
