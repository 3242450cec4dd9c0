import { existsSync, readFileSync, renameSync, writeFileSync } from 'node:fs';

export interface EpochEntry {
  epoch: number;
  startOffset: number;
}

/** Answer of OffsetsForLeaderEpoch: the epoch actually found and where it ends; both -1 when undefined. */
export interface EpochEndOffset {
  epoch: number;
  endOffset: number;
}

export const UNDEFINED_EPOCH = -1;
export const UNDEFINED_EPOCH_OFFSET = -1;

/**
 * Kafka's leader-epoch cache (LeaderEpochFileCache): (epoch, startOffset) pairs, epochs strictly increasing and start
 * offsets non-decreasing, persisted in Kafka's text format (version 0, count, then "epoch startOffset" lines) to a
 * checkpoint file that is rewritten (atomically, tmp + rename) whenever the cache changes.
 */
export class LeaderEpochCache {
  private entries: EpochEntry[] = [];

  /** `file` null: in memory only. */
  constructor(private readonly file: string | null) {
    if (file && existsSync(file)) this.entries = parseCheckpoint(readFileSync(file, 'utf8'));
  }

  get all(): readonly EpochEntry[] {
    return this.entries;
  }

  latestEpoch(): number | null {
    return this.entries.length ? this.entries[this.entries.length - 1]!.epoch : null;
  }

  /**
   * Records that `epoch` starts at `startOffset`. Ignored when the epoch is not newer than the latest one
   * (Kafka ignores stale epochs). Entries whose start offset is >= `startOffset` are dropped first (they conflict).
   */
  assign(epoch: number, startOffset: number): boolean {
    if (epoch < 0) return false;
    const latest = this.latestEpoch();
    if (latest !== null && epoch <= latest) return false;
    let n = this.entries.length;
    while (n > 0 && this.entries[n - 1]!.startOffset >= startOffset) n--;
    this.entries.length = n;
    this.entries.push({ epoch, startOffset });
    this.flush();
    return true;
  }

  /**
   * OffsetsForLeaderEpoch semantics (LeaderEpochFileCache.endOffsetFor):
   * - requested -1, or newer than every known epoch, or empty cache: { epoch: -1, endOffset: -1 };
   * - requested == latest epoch: { epoch, endOffset: logEndOffset };
   * - otherwise the start offset of the first epoch greater than the requested one, with the largest known epoch
   *   <= requested (or the requested epoch itself when it is older than every known epoch).
   */
  endOffsetFor(requestedEpoch: number, logEndOffset: number): EpochEndOffset {
    if (requestedEpoch === UNDEFINED_EPOCH) return { epoch: UNDEFINED_EPOCH, endOffset: UNDEFINED_EPOCH_OFFSET };
    if (this.latestEpoch() === requestedEpoch) return { epoch: requestedEpoch, endOffset: logEndOffset };
    const higher = this.entries.findIndex((e) => e.epoch > requestedEpoch);
    if (higher < 0) return { epoch: UNDEFINED_EPOCH, endOffset: UNDEFINED_EPOCH_OFFSET };
    const endOffset = this.entries[higher]!.startOffset;
    if (higher === 0) return { epoch: requestedEpoch, endOffset };
    return { epoch: this.entries[higher - 1]!.epoch, endOffset };
  }

  /** Drops entries starting at or after `endOffset` (log truncated to `endOffset`). */
  truncateFromEnd(endOffset: number): void {
    const n = this.entries.length;
    this.entries = this.entries.filter((e) => e.startOffset < endOffset);
    if (this.entries.length !== n) this.flush();
  }

  /**
   * The log now starts at `startOffset`: entries wholly below it go, and the entry covering it is moved up to start
   * there (LeaderEpochFileCache.truncateFromStart).
   */
  truncateFromStart(startOffset: number): void {
    let covering = -1;
    for (let i = 0; i < this.entries.length; i++) if (this.entries[i]!.startOffset <= startOffset) covering = i;
    if (covering < 0) return;
    const entry = this.entries[covering]!;
    if (covering === 0 && entry.startOffset === startOffset) return;
    this.entries = [{ epoch: entry.epoch, startOffset }, ...this.entries.slice(covering + 1)];
    this.flush();
  }

  clear(): void {
    if (this.entries.length === 0) return;
    this.entries = [];
    this.flush();
  }

  private flush(): void {
    if (!this.file) return;
    const text = `0\n${this.entries.length}\n${this.entries.map((e) => `${e.epoch} ${e.startOffset}\n`).join('')}`;
    writeAtomically(this.file, text);
  }
}

function parseCheckpoint(text: string): EpochEntry[] {
  const lines = text.split('\n').map((l) => l.trim());
  if (lines[0] !== '0') return [];
  const count = Number(lines[1]);
  const entries: EpochEntry[] = [];
  for (let i = 0; i < count; i++) {
    const m = /^(\d+) (\d+)$/.exec(lines[2 + i] ?? '');
    if (!m) return [];
    entries.push({ epoch: Number(m[1]), startOffset: Number(m[2]) });
  }
  return entries;
}

export function writeAtomically(file: string, text: string): void {
  const tmp = `${file}.tmp`;
  writeFileSync(tmp, text);
  renameSync(tmp, file);
}
