import { closeSync, openSync, readSync } from 'node:fs';
import { join } from 'node:path';
import { type BatchHeader, HEADER_SIZE, invalidHeader, LOG_OVERHEAD, readBatchHeader } from './batch-header.js';

export function segmentFileName(baseOffset: number): string {
  return `${String(baseOffset).padStart(20, '0')}.log`;
}

export const SEGMENT_FILE = /^(\d{20})\.log$/;

/**
 * One segment file: batches back to back, plus what we keep in memory about it: a sparse offset index (an entry every
 * `indexIntervalBytes`: the batch's baseOffset, its file position, and the max timestamp of all batches before it, which
 * doubles as a sparse time index) and the segment's max timestamp. No batch bytes are held.
 */
export class Segment {
  readonly file: string;
  size = 0;
  /** Offset after the last batch; baseOffset while empty. */
  nextOffset: number;
  maxTimestamp = -1;
  /** Wall-clock time of the last append (file mtime after a reopen); retention falls back to it. */
  lastModified: number;
  /** Open descriptor while this is the active segment. */
  fd: number | null = null;
  /** Max timestamp of the first batch (-1 while empty): segment.ms counts from it, as Kafka's roll check does. */
  rollingBasedTimestamp = -1;
  /** Wall-clock time the segment was created here: segment.ms counts from it when batches carry no timestamp. */
  readonly created: number;
  private idxOffsets: number[] = [];
  private idxPositions: number[] = [];
  private idxMaxTsBefore: number[] = [];
  private bytesSinceIndex = 0;

  constructor(
    dir: string,
    readonly baseOffset: number,
    private readonly indexIntervalBytes: number,
    lastModified: number,
  ) {
    this.file = join(dir, segmentFileName(baseOffset));
    this.nextOffset = baseOffset;
    this.lastModified = lastModified;
    this.created = lastModified;
  }

  get indexEntries(): number {
    return this.idxOffsets.length;
  }

  /** Called for each batch appended (or found at open) at `pos`. */
  track(h: BatchHeader, pos: number, size: number): void {
    if (pos === 0) this.rollingBasedTimestamp = h.maxTimestamp;
    if (this.idxOffsets.length === 0 || this.bytesSinceIndex >= this.indexIntervalBytes) {
      this.idxOffsets.push(h.baseOffset);
      this.idxPositions.push(pos);
      this.idxMaxTsBefore.push(this.maxTimestamp);
      this.bytesSinceIndex = 0;
    }
    this.bytesSinceIndex += size;
    if (h.maxTimestamp > this.maxTimestamp) this.maxTimestamp = h.maxTimestamp;
    this.nextOffset = h.baseOffset + h.lastOffsetDelta + 1;
  }

  /** File position of the last indexed batch whose baseOffset <= offset (0 when none). */
  positionFor(offset: number): number {
    let lo = 0;
    let hi = this.idxOffsets.length - 1;
    let found = 0;
    while (lo <= hi) {
      const mid = (lo + hi) >>> 1;
      if (this.idxOffsets[mid]! <= offset) {
        found = this.idxPositions[mid]!;
        lo = mid + 1;
      } else hi = mid - 1;
    }
    return found;
  }

  /**
   * File position from which to scan for the first batch with maxTimestamp >= ts: the last index entry before which
   * every batch is older than ts. (The running max before an entry is non-decreasing, so binary search works.)
   */
  positionForTimestamp(ts: number): number {
    let lo = 0;
    let hi = this.idxMaxTsBefore.length - 1;
    let found = 0;
    while (lo <= hi) {
      const mid = (lo + hi) >>> 1;
      if (this.idxMaxTsBefore[mid]! < ts) {
        found = this.idxPositions[mid]!;
        lo = mid + 1;
      } else hi = mid - 1;
    }
    return found;
  }

  /** Forget everything at or after file position `pos` (a batch boundary); re-derives stats from the file. */
  truncateTo(pos: number, readFd: number): void {
    let k = this.idxPositions.length - 1;
    while (k >= 0 && this.idxPositions[k]! >= pos) k--;
    let from = 0;
    if (k >= 0) {
      from = this.idxPositions[k]!;
      this.maxTimestamp = this.idxMaxTsBefore[k]!;
      this.idxOffsets.length = this.idxPositions.length = this.idxMaxTsBefore.length = k;
      this.bytesSinceIndex = Number.POSITIVE_INFINITY;
      // the rescan from `from` (< pos) re-adds entry k and re-derives nextOffset
    } else {
      this.idxOffsets.length = this.idxPositions.length = this.idxMaxTsBefore.length = 0;
      this.maxTimestamp = -1;
      this.rollingBasedTimestamp = -1;
      this.bytesSinceIndex = 0;
      this.nextOffset = this.baseOffset;
    }
    this.size = pos;
    if (pos === 0) {
      this.nextOffset = this.baseOffset;
      return;
    }
    scanBatches(readFd, from, pos, 64 * 1024, false, (h, p, size) => this.track(h, p, size));
  }
}

export interface ScanEnd {
  /** Position after the last batch visited (or of the batch the visitor refused, or of the first bad byte). */
  end: number;
  /** Why scanning stopped early on bad data, else null. */
  error: string | null;
  /** The visitor returned false. */
  stopped: boolean;
}

/**
 * Walks the batches of a file between positions [from, to), reading headers through a buffer of `chunk` bytes (and
 * whole batches when `whole`). The visitor may return false to stop before consuming a batch.
 */
export function scanBatches(
  fd: number,
  from: number,
  to: number,
  chunk: number,
  whole: boolean,
  visit: (h: BatchHeader, pos: number, size: number, bytes: Buffer | null) => boolean | void,
): ScanEnd {
  let buf = Buffer.allocUnsafe(Math.min(chunk, Math.max(HEADER_SIZE, to - from)));
  let bufStart = 0;
  let bufLen = 0;
  const fill = (at: number, need: number) => {
    if (need > buf.length) buf = Buffer.allocUnsafe(need);
    bufStart = at;
    bufLen = readFully(fd, buf, Math.min(buf.length, to - at), at);
  };
  let pos = from;
  while (pos < to) {
    if (to - pos < HEADER_SIZE) return { end: pos, error: `partial batch header (${to - pos} bytes)`, stopped: false };
    if (pos < bufStart || pos + HEADER_SIZE > bufStart + bufLen) fill(pos, HEADER_SIZE);
    if (pos + HEADER_SIZE > bufStart + bufLen) return { end: pos, error: 'short read', stopped: false };
    const h = readBatchHeader(buf, pos - bufStart);
    const bad = invalidHeader(h);
    if (bad) return { end: pos, error: bad, stopped: false };
    const size = h.batchLength + LOG_OVERHEAD;
    if (pos + size > to) return { end: pos, error: `partial batch (${to - pos} of ${size} bytes)`, stopped: false };
    let bytes: Buffer | null = null;
    if (whole) {
      if (pos + size > bufStart + bufLen) fill(pos, size);
      if (pos + size > bufStart + bufLen) return { end: pos, error: 'short read', stopped: false };
      bytes = buf.subarray(pos - bufStart, pos - bufStart + size);
    }
    if (visit(h, pos, size, bytes) === false) return { end: pos, error: null, stopped: true };
    pos += size;
  }
  return { end: pos, error: null, stopped: false };
}

export function readFully(fd: number, buf: Buffer, length: number, position: number): number {
  let done = 0;
  while (done < length) {
    const n = readSync(fd, buf, done, length - done, position + done);
    if (n === 0) break;
    done += n;
  }
  return done;
}

/** Runs `fn` with a readable descriptor for the segment: the active one's, or a temporary one. */
export function withReadFd<T>(seg: Segment, fn: (fd: number) => T): T {
  if (seg.fd !== null) return fn(seg.fd);
  const fd = openSync(seg.file, 'r');
  try {
    return fn(fd);
  } finally {
    closeSync(fd);
  }
}
