/**
 * Kafka wire primitives: a bounds-checked Reader and a growable Writer.
 *
 * Representation choices (shared by the whole protocol layer):
 * - int64 / varlong are JS `number`. Values are exact for |n| <= 2^53 (offsets, timestamps, producer ids in a broker
 *   stay far below); larger values lose precision silently. Encoded/decoded with two 32-bit halves (no BigInt).
 * - uuid is a 22-char base64url string (Kafka's `Uuid.toString()` form); the zero uuid is `ZERO_UUID`.
 * - bytes/records decode to `Buffer` views (`subarray`) that alias the input frame: zero-copy. Copy if you keep them
 *   beyond the frame's lifetime and the framing layer reuses its buffer.
 * Every read is bounds-checked and throws `ProtocolError`; a length prefix larger than the remaining bytes is an error
 * before anything is allocated.
 */

export class ProtocolError extends Error {
  /** Field path where decoding failed, e.g. `topicData[0].partitionData[1].records` ('' if top level / unknown). */
  path: string;
  /** Byte offset in the buffer where the failing read started (-1 if unknown). */
  offset: number;
  readonly detail: string;
  constructor(detail: string, offset = -1, path = '') {
    super(detail);
    this.name = 'ProtocolError';
    this.detail = detail;
    this.offset = offset;
    this.path = path;
    this.refreshMessage();
  }
  /** Prefix a path segment (used while unwinding nested structs). */
  prependPath(segment: string): this {
    if (!this.path) this.path = segment;
    else if (this.path.startsWith('[')) this.path = segment + this.path;
    else this.path = segment + '.' + this.path;
    this.refreshMessage();
    return this;
  }
  private refreshMessage(): void {
    this.message =
      (this.path ? `${this.path}: ` : '') + this.detail + (this.offset >= 0 ? ` (at byte ${this.offset})` : '');
  }
}

const TWO_32 = 4294967296;
export const ZERO_UUID = 'AAAAAAAAAAAAAAAAAAAAAA';
const EMPTY = Buffer.alloc(0);

export class Reader {
  readonly buf: Buffer;
  offset: number;
  /** Exclusive end of the readable region. */
  readonly end: number;

  constructor(buf: Buffer, offset = 0, end = buf.length) {
    if (offset < 0 || end > buf.length || offset > end) throw new ProtocolError('invalid reader bounds', offset);
    this.buf = buf;
    this.offset = offset;
    this.end = end;
  }

  get remaining(): number {
    return this.end - this.offset;
  }

  /** Throws unless `n` more bytes are available. */
  need(n: number): void {
    if (n > this.end - this.offset || n < 0) {
      throw new ProtocolError(`need ${n} byte(s), only ${this.end - this.offset} left`, this.offset);
    }
  }

  skip(n: number): void {
    this.need(n);
    this.offset += n;
  }

  int8(): number {
    this.need(1);
    return this.buf.readInt8(this.offset++);
  }
  uint8(): number {
    this.need(1);
    return this.buf[this.offset++]!;
  }
  bool(): boolean {
    this.need(1);
    return this.buf[this.offset++] !== 0;
  }
  int16(): number {
    const o = this.offset;
    if (o + 2 > this.end) this.need(2);
    const b = this.buf;
    this.offset = o + 2;
    return ((b[o]! << 24) | (b[o + 1]! << 16)) >> 16;
  }
  uint16(): number {
    this.need(2);
    const v = this.buf.readUInt16BE(this.offset);
    this.offset += 2;
    return v;
  }
  int32(): number {
    const o = this.offset;
    if (o + 4 > this.end) this.need(4);
    const b = this.buf;
    this.offset = o + 4;
    return (b[o]! << 24) | (b[o + 1]! << 16) | (b[o + 2]! << 8) | b[o + 3]!;
  }
  uint32(): number {
    this.need(4);
    const v = this.buf.readUInt32BE(this.offset);
    this.offset += 4;
    return v;
  }
  /** int64 as a JS number (exact up to 2^53). */
  int64(): number {
    const o = this.offset;
    if (o + 8 > this.end) this.need(8);
    const b = this.buf;
    this.offset = o + 8;
    const hi = (b[o]! << 24) | (b[o + 1]! << 16) | (b[o + 2]! << 8) | b[o + 3]!;
    const lo = ((b[o + 4]! << 24) | (b[o + 5]! << 16) | (b[o + 6]! << 8) | b[o + 7]!) >>> 0;
    return hi * TWO_32 + lo;
  }
  /** int64 as a bigint (exact). */
  int64n(): bigint {
    this.need(8);
    const v = this.buf.readBigInt64BE(this.offset);
    this.offset += 8;
    return v;
  }
  float64(): number {
    this.need(8);
    const v = this.buf.readDoubleBE(this.offset);
    this.offset += 8;
    return v;
  }

  /** Unsigned LEB128 varint, at most 5 bytes (32 bits). */
  uvarint(): number {
    const start = this.offset;
    let result = 0;
    let shift = 0;
    for (let i = 0; i < 5; i++) {
      if (this.offset >= this.end) throw new ProtocolError('truncated varint', start);
      const b = this.buf[this.offset++]!;
      result += (b & 0x7f) * 2 ** shift;
      if ((b & 0x80) === 0) {
        if (result > 0xffffffff) throw new ProtocolError('varint overflows 32 bits', start);
        return result;
      }
      shift += 7;
    }
    throw new ProtocolError('varint longer than 5 bytes', start);
  }
  /** Zigzag varint (int32). */
  varint(): number {
    const u = this.uvarint();
    // zigzag decode without losing the top bit: (u >>> 1) ^ -(u & 1)
    return (u >>> 1) ^ -(u & 1);
  }
  /** Unsigned varlong (up to 10 bytes) as a number (exact up to 2^53). */
  uvarlong(): number {
    const start = this.offset;
    let result = 0;
    let mul = 1;
    for (let i = 0; i < 10; i++) {
      if (this.offset >= this.end) throw new ProtocolError('truncated varlong', start);
      const b = this.buf[this.offset++]!;
      result += (b & 0x7f) * mul;
      if ((b & 0x80) === 0) return result;
      mul *= 128;
    }
    throw new ProtocolError('varlong longer than 10 bytes', start);
  }
  /** Zigzag varlong as a number (exact for |n| <= 2^52). */
  varlong(): number {
    const u = this.uvarlong();
    // u even -> u/2, odd -> -(u+1)/2
    return u % 2 === 0 ? u / 2 : -(u + 1) / 2;
  }

  uuid(): string {
    this.need(16);
    const s = this.buf.toString('base64url', this.offset, this.offset + 16);
    this.offset += 16;
    return s;
  }

  private utf8(len: number): string {
    this.need(len);
    const o = this.offset;
    this.offset = o + len;
    if (len <= 32) {
      // short strings (names, ids): ASCII fast path, utf8 decoder otherwise
      const b = this.buf;
      let s = '';
      for (let i = o; i < o + len; i++) {
        const c = b[i]!;
        if (c >= 0x80) return b.toString('utf8', o, o + len);
        s += String.fromCharCode(c);
      }
      return s;
    }
    return this.buf.toString('utf8', o, o + len);
  }
  private slice(len: number): Buffer {
    this.need(len);
    const b = this.buf.subarray(this.offset, this.offset + len);
    this.offset += len;
    return b;
  }

  /** int16-length string; -1 is an error here (use nullableString). */
  string(): string {
    const at = this.offset;
    const len = this.int16();
    if (len < 0) throw new ProtocolError('null string in a non-nullable field', at);
    return this.utf8(len);
  }
  nullableString(): string | null {
    const at = this.offset;
    const len = this.int16();
    if (len === -1) return null;
    if (len < -1) throw new ProtocolError(`invalid string length ${len}`, at);
    return this.utf8(len);
  }
  compactString(): string {
    const at = this.offset;
    const n = this.uvarint();
    if (n === 0) throw new ProtocolError('null compact string in a non-nullable field', at);
    return this.utf8(n - 1);
  }
  compactNullableString(): string | null {
    const n = this.uvarint();
    return n === 0 ? null : this.utf8(n - 1);
  }
  bytes(): Buffer {
    const at = this.offset;
    const len = this.int32();
    if (len < 0) throw new ProtocolError('null bytes in a non-nullable field', at);
    return this.slice(len);
  }
  nullableBytes(): Buffer | null {
    const at = this.offset;
    const len = this.int32();
    if (len === -1) return null;
    if (len < -1) throw new ProtocolError(`invalid bytes length ${len}`, at);
    return this.slice(len);
  }
  compactBytes(): Buffer {
    const at = this.offset;
    const n = this.uvarint();
    if (n === 0) throw new ProtocolError('null compact bytes in a non-nullable field', at);
    return this.slice(n - 1);
  }
  compactNullableBytes(): Buffer | null {
    const n = this.uvarint();
    return n === 0 ? null : this.slice(n - 1);
  }
  /** Varint-length bytes as used inside records (-1 = null). */
  varintBytes(): Buffer | null {
    const at = this.offset;
    const len = this.varint();
    if (len === -1) return null;
    if (len < -1) throw new ProtocolError(`invalid varint bytes length ${len}`, at);
    return this.slice(len);
  }

  /**
   * Array length: int32 (classic) or uvarint-1 (compact). Returns -1 for null. `minElemSize` is the smallest possible
   * encoded element size, used to reject lengths that cannot fit in the remaining bytes before allocating.
   */
  arrayLength(compact: boolean, minElemSize = 1): number {
    const at = this.offset;
    let n: number;
    if (compact) {
      n = this.uvarint() - 1;
    } else {
      n = this.int32();
      if (n < -1) throw new ProtocolError(`invalid array length ${n}`, at);
    }
    if (n > 0 && n * minElemSize > this.end - this.offset) {
      throw new ProtocolError(`array length ${n} exceeds remaining ${this.end - this.offset} byte(s)`, at);
    }
    return n;
  }

  /** Read a classic/compact array with an element reader; null -> null. */
  array<T>(compact: boolean, read: (r: Reader) => T, minElemSize = 1): T[] | null {
    const n = this.arrayLength(compact, minElemSize);
    if (n < 0) return null;
    const out: T[] = new Array(n);
    for (let i = 0; i < n; i++) out[i] = read(this);
    return out;
  }

  /**
   * Tagged-field section: calls `onTag(tag, reader, size)` per tag; the callback must consume exactly `size` bytes or
   * return false to have them skipped. Unknown tags are skipped.
   */
  taggedFields(onTag?: (tag: number, r: Reader, size: number) => boolean): void {
    const count = this.uvarint();
    if (count > this.end - this.offset) throw new ProtocolError(`tag count ${count} exceeds remaining bytes`, this.offset);
    let lastTag = -1;
    for (let i = 0; i < count; i++) {
      const at = this.offset;
      const tag = this.uvarint();
      if (tag <= lastTag) throw new ProtocolError(`tagged fields out of order (${tag} after ${lastTag})`, at);
      lastTag = tag;
      const size = this.uvarint();
      this.need(size);
      const stop = this.offset + size;
      if (onTag && onTag(tag, this, size)) {
        if (this.offset !== stop) throw new ProtocolError(`tag ${tag}: consumed ${this.offset - (stop - size)} of ${size} bytes`, at);
      } else {
        this.offset = stop;
      }
    }
  }

  /** The rest of the readable region as a view. */
  rest(): Buffer {
    const b = this.offset === this.end ? EMPTY : this.buf.subarray(this.offset, this.end);
    this.offset = this.end;
    return b;
  }
}

/** Growable writer over an amortised doubling Buffer. */
export class Writer {
  buf: Buffer;
  offset = 0;

  constructor(initialSize = 256) {
    this.buf = Buffer.allocUnsafe(Math.max(16, initialSize));
  }

  ensure(n: number): void {
    const need = this.offset + n;
    if (need <= this.buf.length) return;
    let size = this.buf.length * 2;
    while (size < need) size *= 2;
    const next = Buffer.allocUnsafe(size);
    this.buf.copy(next, 0, 0, this.offset);
    this.buf = next;
  }

  int8(v: number): this {
    this.ensure(1);
    this.buf.writeInt8(v, this.offset++);
    return this;
  }
  uint8(v: number): this {
    this.ensure(1);
    this.buf[this.offset++] = v & 0xff;
    return this;
  }
  bool(v: boolean): this {
    this.ensure(1);
    this.buf[this.offset++] = v ? 1 : 0;
    return this;
  }
  int16(v: number): this {
    if (v !== ((v << 16) >> 16)) throw new RangeError(`int16 out of range: ${v}`);
    if (this.offset + 2 > this.buf.length) this.ensure(2);
    const b = this.buf;
    const o = this.offset;
    b[o] = v >>> 8;
    b[o + 1] = v;
    this.offset = o + 2;
    return this;
  }
  uint16(v: number): this {
    this.ensure(2);
    this.buf.writeUInt16BE(v, this.offset);
    this.offset += 2;
    return this;
  }
  int32(v: number): this {
    if (v !== (v | 0)) throw new RangeError(`int32 out of range: ${v}`);
    if (this.offset + 4 > this.buf.length) this.ensure(4);
    const b = this.buf;
    const o = this.offset;
    b[o] = v >>> 24;
    b[o + 1] = v >>> 16;
    b[o + 2] = v >>> 8;
    b[o + 3] = v;
    this.offset = o + 4;
    return this;
  }
  uint32(v: number): this {
    this.ensure(4);
    this.buf.writeUInt32BE(v >>> 0, this.offset);
    this.offset += 4;
    return this;
  }
  /** int64 from a JS number (integral, |v| <= 2^53 for exactness). */
  int64(v: number): this {
    if (!Number.isInteger(v)) throw new RangeError(`int64 must be an integer: ${v}`);
    if (this.offset + 8 > this.buf.length) this.ensure(8);
    const hi = Math.floor(v / TWO_32) | 0;
    const lo = (v - Math.floor(v / TWO_32) * TWO_32) >>> 0;
    const b = this.buf;
    const o = this.offset;
    b[o] = hi >>> 24;
    b[o + 1] = hi >>> 16;
    b[o + 2] = hi >>> 8;
    b[o + 3] = hi;
    b[o + 4] = lo >>> 24;
    b[o + 5] = lo >>> 16;
    b[o + 6] = lo >>> 8;
    b[o + 7] = lo;
    this.offset = o + 8;
    return this;
  }
  int64n(v: bigint): this {
    this.ensure(8);
    this.buf.writeBigInt64BE(v, this.offset);
    this.offset += 8;
    return this;
  }
  float64(v: number): this {
    this.ensure(8);
    this.buf.writeDoubleBE(v, this.offset);
    this.offset += 8;
    return this;
  }
  uvarint(v: number): this {
    this.ensure(5);
    v = v >>> 0;
    while (v >= 0x80) {
      this.buf[this.offset++] = (v & 0x7f) | 0x80;
      v >>>= 7;
    }
    this.buf[this.offset++] = v;
    return this;
  }
  varint(v: number): this {
    return this.uvarint(((v << 1) ^ (v >> 31)) >>> 0);
  }
  uvarlong(v: number): this {
    this.ensure(10);
    while (v >= 0x80) {
      this.buf[this.offset++] = (v % 128) | 0x80;
      v = Math.floor(v / 128);
    }
    this.buf[this.offset++] = v;
    return this;
  }
  varlong(v: number): this {
    return this.uvarlong(v >= 0 ? v * 2 : -v * 2 - 1);
  }
  uuid(v: string): this {
    const b = Buffer.from(v, 'base64url');
    if (b.length !== 16) throw new ProtocolError(`invalid uuid ${JSON.stringify(v)}`);
    return this.raw(b);
  }
  raw(b: Uint8Array): this {
    this.ensure(b.length);
    this.buf.set(b, this.offset);
    this.offset += b.length;
    return this;
  }
  private utf8(s: string, len: number): void {
    this.ensure(len);
    this.buf.write(s, this.offset, len, "utf8");
    this.offset += len;
  }
  string(s: string): this {
    if (typeof s !== 'string') throw new ProtocolError(`expected a string, got ${typeof s}`);
    const n = s.length;
    if (n <= 64) {
      // ASCII fast path: write the length and the chars directly
      if (this.offset + 2 + n > this.buf.length) this.ensure(2 + n);
      const b = this.buf;
      const o = this.offset;
      let i = 0;
      for (; i < n; i++) {
        const c = s.charCodeAt(i);
        if (c >= 0x80) break;
        b[o + 2 + i] = c;
      }
      if (i === n) {
        b[o] = n >>> 8;
        b[o + 1] = n;
        this.offset = o + 2 + n;
        return this;
      }
    }
    const len = Buffer.byteLength(s);
    if (len > 0x7fff) throw new ProtocolError(`string too long (${len} bytes)`);
    this.int16(len);
    this.utf8(s, len);
    return this;
  }
  nullableString(s: string | null): this {
    if (s === null) return this.int16(-1);
    return this.string(s);
  }
  compactString(s: string): this {
    const len = Buffer.byteLength(s);
    this.uvarint(len + 1);
    this.utf8(s, len);
    return this;
  }
  compactNullableString(s: string | null): this {
    if (s === null) return this.uvarint(0);
    return this.compactString(s);
  }
  bytes(b: Uint8Array): this {
    this.int32(b.length);
    return this.raw(b);
  }
  nullableBytes(b: Uint8Array | null): this {
    if (b === null) return this.int32(-1);
    return this.bytes(b);
  }
  compactBytes(b: Uint8Array): this {
    this.uvarint(b.length + 1);
    return this.raw(b);
  }
  compactNullableBytes(b: Uint8Array | null): this {
    if (b === null) return this.uvarint(0);
    return this.compactBytes(b);
  }
  varintBytes(b: Uint8Array | null): this {
    if (b === null) return this.varint(-1);
    this.varint(b.length);
    return this.raw(b);
  }
  arrayLength(n: number | null, compact: boolean): this {
    if (compact) return this.uvarint(n === null ? 0 : n + 1);
    return this.int32(n === null ? -1 : n);
  }
  array<T>(items: readonly T[] | null, compact: boolean, write: (w: Writer, item: T) => void): this {
    this.arrayLength(items === null ? null : items.length, compact);
    if (items !== null) for (let i = 0; i < items.length; i++) write(this, items[i]!);
    return this;
  }
  /** An empty tagged-field section. */
  emptyTags(): this {
    return this.uint8(0);
  }

  /** Bytes written so far, as a view of the internal buffer (do not keep writing after taking it). */
  finish(): Buffer {
    return this.buf.subarray(0, this.offset);
  }
}

/** Size in bytes of the unsigned varint encoding of v (v < 2^32). */
export function uvarintSize(v: number): number {
  v = v >>> 0;
  let n = 1;
  while (v >= 0x80) {
    v >>>= 7;
    n++;
  }
  return n;
}
