import fs from 'node:fs';
import path from 'node:path';

/** One committed offset, as OffsetFetch returns it. */
export interface CommittedOffset {
  offset: number;
  /** -1 when the client sent none. */
  leaderEpoch: number;
  metadata: string;
  commitTimestamp: number;
}

/** What the coordinator remembers of a group across restarts and coordinator moves (Kafka's GroupMetadata record, minus members). */
export interface StoredGroupMeta {
  protocolType: string | null;
  generationId: number;
}

type Line =
  | { k: 'o'; g: string; t: string; p: number; o: number; e: number; m: string; ts: number }
  | { k: 'g'; g: string; pt: string | null; gen: number }
  | { k: 'dg'; g: string }
  | { k: 'dt'; t: string };

const FILE = 'offsets.jsonl';

/**
 * Committed offsets of every group of a cluster, in one append-only JSON-lines file under `dir`.
 * Each change is written with a synchronous `write(2)` before the caller answers, so it survives a process kill
 * (the kernel holds it); a torn last line from a crash is ignored. The file is compacted when opened and when dead
 * lines outnumber live ones.
 */
export class OffsetStore {
  private readonly groups = new Map<string, Map<string, Map<number, CommittedOffset>>>();
  private readonly metas = new Map<string, StoredGroupMeta>();
  private fd: number | null = null;
  private lines = 0;
  private readonly file: string;

  private constructor(readonly dir: string) {
    this.file = path.join(dir, FILE);
  }

  static open(dir: string): OffsetStore {
    const store = new OffsetStore(dir);
    fs.mkdirSync(dir, { recursive: true });
    if (fs.existsSync(store.file)) {
      const text = fs.readFileSync(store.file, 'utf8');
      for (const raw of text.split('\n')) {
        if (!raw) continue;
        let line: Line;
        try {
          line = JSON.parse(raw) as Line;
        } catch {
          continue; // a torn write at the end of the file
        }
        store.apply(line);
      }
    }
    store.compact();
    return store;
  }

  // ---- reads ----

  /** True if the store knows the group (it has offsets or group metadata). */
  hasGroup(groupId: string): boolean {
    return this.groups.has(groupId) || this.metas.has(groupId);
  }

  groupIds(): string[] {
    return [...new Set([...this.groups.keys(), ...this.metas.keys()])];
  }

  groupMeta(groupId: string): StoredGroupMeta | undefined {
    return this.metas.get(groupId);
  }

  get(groupId: string, topic: string, partition: number): CommittedOffset | undefined {
    return this.groups.get(groupId)?.get(topic)?.get(partition);
  }

  /** Every committed offset of a group: topic → partition → offset. */
  offsets(groupId: string): Map<string, Map<number, CommittedOffset>> {
    return this.groups.get(groupId) ?? new Map();
  }

  // ---- writes ----

  commit(groupId: string, topic: string, partition: number, c: CommittedOffset): void {
    this.write({ k: 'o', g: groupId, t: topic, p: partition, o: c.offset, e: c.leaderEpoch, m: c.metadata, ts: c.commitTimestamp });
  }

  /** Several commits in one write, so a kill cannot leave half a request applied. */
  commitMany(groupId: string, entries: { topic: string; partition: number; committed: CommittedOffset }[]): void {
    const lines: Line[] = entries.map(({ topic, partition, committed: c }) => ({
      k: 'o', g: groupId, t: topic, p: partition, o: c.offset, e: c.leaderEpoch, m: c.metadata, ts: c.commitTimestamp,
    }));
    this.writeLines(lines);
  }

  setGroupMeta(groupId: string, meta: StoredGroupMeta): void {
    const old = this.metas.get(groupId);
    if (old && old.protocolType === meta.protocolType && old.generationId === meta.generationId) return;
    this.write({ k: 'g', g: groupId, pt: meta.protocolType, gen: meta.generationId });
  }

  deleteGroup(groupId: string): void {
    if (!this.hasGroup(groupId)) return;
    this.write({ k: 'dg', g: groupId });
  }

  /** Drops a deleted topic's offsets from every group. */
  deleteTopic(topic: string): void {
    let any = false;
    for (const topics of this.groups.values()) if (topics.has(topic)) any = true;
    if (any) this.write({ k: 'dt', t: topic });
  }

  close(): void {
    if (this.fd !== null) fs.closeSync(this.fd);
    this.fd = null;
  }

  // ---- internals ----

  private write(line: Line): void {
    this.writeLines([line]);
  }

  private writeLines(lines: Line[]): void {
    if (lines.length === 0) return;
    if (this.fd === null) throw new Error(`offset store ${this.dir} is closed`);
    const text = lines.map((l) => JSON.stringify(l) + '\n').join('');
    fs.writeSync(this.fd, text);
    for (const l of lines) this.apply(l);
    this.lines += lines.length;
    if (this.lines > 1000 && this.lines > 4 * this.liveLines()) this.compact();
  }

  private apply(line: Line): void {
    switch (line.k) {
      case 'o': {
        let topics = this.groups.get(line.g);
        if (!topics) this.groups.set(line.g, (topics = new Map()));
        let partitions = topics.get(line.t);
        if (!partitions) topics.set(line.t, (partitions = new Map()));
        partitions.set(line.p, { offset: line.o, leaderEpoch: line.e, metadata: line.m, commitTimestamp: line.ts });
        break;
      }
      case 'g':
        this.metas.set(line.g, { protocolType: line.pt, generationId: line.gen });
        break;
      case 'dg':
        this.groups.delete(line.g);
        this.metas.delete(line.g);
        break;
      case 'dt':
        for (const [g, topics] of this.groups) {
          topics.delete(line.t);
          if (topics.size === 0) this.groups.delete(g);
        }
        break;
    }
  }

  private liveLines(): number {
    let n = this.metas.size;
    for (const topics of this.groups.values()) for (const partitions of topics.values()) n += partitions.size;
    return n;
  }

  /** Rewrites the file with only live state: write a temp file, fsync, rename over, fsync the directory. */
  private compact(): void {
    if (this.fd !== null) fs.closeSync(this.fd);
    this.fd = null;
    const out: string[] = [];
    for (const [g, m] of this.metas) out.push(JSON.stringify({ k: 'g', g, pt: m.protocolType, gen: m.generationId } satisfies Line));
    for (const [g, topics] of this.groups) {
      for (const [t, partitions] of topics) {
        for (const [p, c] of partitions) {
          out.push(JSON.stringify({ k: 'o', g, t, p, o: c.offset, e: c.leaderEpoch, m: c.metadata, ts: c.commitTimestamp } satisfies Line));
        }
      }
    }
    const tmp = `${this.file}.tmp`;
    const fd = fs.openSync(tmp, 'w');
    try {
      if (out.length > 0) fs.writeSync(fd, out.join('\n') + '\n');
      fs.fsyncSync(fd);
    } finally {
      fs.closeSync(fd);
    }
    fs.renameSync(tmp, this.file);
    try {
      const dfd = fs.openSync(this.dir, 'r');
      try {
        fs.fsyncSync(dfd);
      } finally {
        fs.closeSync(dfd);
      }
    } catch {
      // fsync of a directory is not supported everywhere; the rename is still atomic
    }
    this.lines = out.length;
    this.fd = fs.openSync(this.file, 'a');
  }
}
