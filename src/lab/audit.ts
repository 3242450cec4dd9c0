/**
 * The message audit. Producers stamp every message (producer id, sequence, key); the audit records what the
 * broker acknowledged and what consumers received, and reports lost, duplicated and out-of-order messages.
 *
 * - lost: acknowledged but never consumed (the one thing `acks=all` + min ISR promises never happens)
 * - duplicate: the same (producer, seq) consumed more than once (redelivery after a rebalance or a crash before commit)
 * - out of order: for one (producer, key), a message consumed for the first time after a later one of the same key
 * - unacknowledged but consumed: the send failed (or timed out) yet the write landed; normal for non-idempotent retries
 */
export const HEADER_PRODUCER = 'x-lab-producer';
export const HEADER_SEQ = 'x-lab-seq';

export interface Stamp {
  producer: string;
  seq: number;
  key: string;
}

export interface StampedMessage {
  key: string;
  value: string;
  headers: Record<string, string>;
}

export interface ConsumedRecord extends Stamp {
  partition: number;
  offset: string;
}

export interface AuditReport {
  sent: number;
  acked: number;
  failed: number;
  consumed: number;
  uniqueConsumed: number;
  lost: Stamp[];
  duplicates: Array<Stamp & { times: number }>;
  duplicateCount: number;
  outOfOrder: Array<Stamp & { after: number }>;
  consumedNotAcked: Stamp[];
  keys: number;
  ok: boolean;
}

const id = (producer: string, seq: number) => `${producer}#${seq}`;

export class MessageAudit {
  private readonly nextSeq = new Map<string, number>();
  private readonly sentStamps = new Map<string, Stamp>();
  private readonly ackedStamps = new Map<string, Stamp & { partition?: number; offset?: string }>();
  private readonly failedStamps = new Map<string, Stamp>();
  private readonly consumedLog: ConsumedRecord[] = [];
  private readonly consumedCount = new Map<string, number>();
  private readonly listeners: Array<(r: ConsumedRecord) => void> = [];

  /** Stamps a new message of `producer` with the next sequence number. */
  stamp(producer: string, key: string, payload: Record<string, unknown> = {}): StampedMessage & { stamp: Stamp } {
    const seq = this.nextSeq.get(producer) ?? 0;
    this.nextSeq.set(producer, seq + 1);
    const stamp: Stamp = { producer, seq, key };
    this.sentStamps.set(id(producer, seq), stamp);
    return {
      stamp,
      key,
      value: JSON.stringify({ producer, seq, key, ...payload }),
      headers: { [HEADER_PRODUCER]: producer, [HEADER_SEQ]: String(seq) },
    };
  }

  /** Records a stamp sent by someone else (e.g. a child process), so it counts as sent. */
  recordSent(stamp: Stamp): void {
    this.sentStamps.set(id(stamp.producer, stamp.seq), stamp);
  }

  acked(stamp: Stamp, where: { partition?: number; offset?: string } = {}): void {
    this.sentStamps.set(id(stamp.producer, stamp.seq), stamp);
    this.ackedStamps.set(id(stamp.producer, stamp.seq), { ...stamp, ...where });
    this.failedStamps.delete(id(stamp.producer, stamp.seq));
  }

  failed(stamp: Stamp): void {
    if (!this.ackedStamps.has(id(stamp.producer, stamp.seq))) this.failedStamps.set(id(stamp.producer, stamp.seq), stamp);
  }

  /** Records a consumed record; returns false when the message carries no stamp (not ours). */
  consumed(record: ConsumedRecord): void {
    this.consumedLog.push(record);
    const k = id(record.producer, record.seq);
    this.consumedCount.set(k, (this.consumedCount.get(k) ?? 0) + 1);
    for (const l of this.listeners) l(record);
  }

  /** Records a kafkajs message if it carries a stamp. */
  consumedMessage(partition: number, message: { offset: string; key?: Buffer | null; value?: Buffer | null; headers?: Record<string, unknown> }): boolean {
    const stamp = readStamp(message);
    if (!stamp) return false;
    this.consumed({ ...stamp, partition, offset: message.offset });
    return true;
  }

  onConsumed(listener: (r: ConsumedRecord) => void): void {
    this.listeners.push(listener);
  }

  get ackedCount(): number {
    return this.ackedStamps.size;
  }

  get uniqueConsumedCount(): number {
    return this.consumedCount.size;
  }

  /** Unique acknowledged messages not consumed yet (for "wait until the consumers caught up"). */
  missingCount(): number {
    let missing = 0;
    for (const k of this.ackedStamps.keys()) if (!this.consumedCount.has(k)) missing++;
    return missing;
  }

  report(): AuditReport {
    const lost = [...this.ackedStamps.entries()].filter(([k]) => !this.consumedCount.has(k)).map(([, s]) => plain(s));
    const duplicates: Array<Stamp & { times: number }> = [];
    let duplicateCount = 0;
    const byId = new Map<string, Stamp>();
    for (const r of this.consumedLog) byId.set(id(r.producer, r.seq), r);
    for (const [k, times] of this.consumedCount) {
      if (times > 1) {
        duplicates.push({ ...plain(byId.get(k)!), times });
        duplicateCount += times - 1;
      }
    }
    // Order per (producer, key): the first delivery of each message must come in sequence order.
    const outOfOrder: Array<Stamp & { after: number }> = [];
    const maxSeq = new Map<string, number>();
    const seen = new Set<string>();
    for (const r of this.consumedLog) {
      const k = id(r.producer, r.seq);
      if (seen.has(k)) continue;
      seen.add(k);
      const lane = `${r.producer}\u0000${r.key}`;
      const max = maxSeq.get(lane);
      if (max !== undefined && r.seq < max) outOfOrder.push({ ...plain(r), after: max });
      else maxSeq.set(lane, r.seq);
    }
    const consumedNotAcked = [...this.consumedCount.keys()]
      .filter((k) => !this.ackedStamps.has(k))
      .map((k) => plain(byId.get(k)!));
    const keys = new Set([...this.sentStamps.values()].map((s) => `${s.producer}\u0000${s.key}`)).size;
    return {
      sent: this.sentStamps.size,
      acked: this.ackedStamps.size,
      failed: this.failedStamps.size,
      consumed: this.consumedLog.length,
      uniqueConsumed: this.consumedCount.size,
      lost,
      duplicates,
      duplicateCount,
      outOfOrder,
      consumedNotAcked,
      keys,
      ok: lost.length === 0 && outOfOrder.length === 0,
    };
  }
}

function plain(s: Stamp): Stamp {
  return { producer: s.producer, seq: s.seq, key: s.key };
}

function headerText(v: unknown): string | undefined {
  if (v === undefined || v === null) return undefined;
  if (Array.isArray(v)) return headerText(v[0]);
  return Buffer.isBuffer(v) ? v.toString('utf8') : String(v);
}

/** Reads the stamp from headers (preferred) or from the JSON value. */
export function readStamp(message: { key?: Buffer | null; value?: Buffer | null; headers?: Record<string, unknown> }): Stamp | null {
  const producer = headerText(message.headers?.[HEADER_PRODUCER]);
  const seqText = headerText(message.headers?.[HEADER_SEQ]);
  const key = message.key ? message.key.toString('utf8') : '';
  if (producer !== undefined && seqText !== undefined && /^\d+$/.test(seqText)) {
    return { producer, seq: Number(seqText), key };
  }
  if (!message.value) return null;
  try {
    const v = JSON.parse(message.value.toString('utf8')) as Partial<Stamp>;
    if (typeof v.producer === 'string' && typeof v.seq === 'number') return { producer: v.producer, seq: v.seq, key: v.key ?? key };
  } catch {
    /* not a stamped message */
  }
  return null;
}

/** "P1#3(order-1), P1#7(order-2), … 4 more" */
function sample(list: Stamp[]): string {
  return (
    list
      .slice(0, 5)
      .map((s) => `${s.producer}#${s.seq}(${s.key})`)
      .join(', ') + (list.length > 5 ? `, … ${list.length - 5} more` : '')
  );
}

/** A few lines that explain the report to a student. */
export function describeAudit(r: AuditReport): string[] {
  const lines = [
    `sent ${r.sent}, acknowledged ${r.acked}, failed ${r.failed}; consumed ${r.consumed} (${r.uniqueConsumed} distinct) over ${r.keys} producer/key lanes`,
    `lost (acknowledged, never consumed): ${r.lost.length}${r.lost.length ? ' → ' + sample(r.lost) : ''}`,
    `duplicates (consumed more than once): ${r.duplicateCount}${r.duplicates.length ? ' → ' + sample(r.duplicates) : ''}`,
    `out of order within a key: ${r.outOfOrder.length}${r.outOfOrder.length ? ' → ' + sample(r.outOfOrder) : ''}`,
  ];
  if (r.consumedNotAcked.length) lines.push(`consumed although the send was not acknowledged: ${r.consumedNotAcked.length}`);
  return lines;
}

/**
 * Exactly-once, the claim of a transactional pipeline (lab 10): every expected message (acknowledged, or registered
 * with `acked` as an effect that must happen) was consumed exactly once, and nothing else was: 0 lost, 0 duplicates,
 * 0 unexpected. Order is not part of it. The consumer must count each record (partition, offset) once, so that its own
 * re-reads after a rebalance are not taken for duplicates in the topic.
 */
export function exactlyOnce(r: AuditReport): boolean {
  return r.lost.length === 0 && r.duplicateCount === 0 && r.consumedNotAcked.length === 0;
}

/** The exactly-once lines of a report: expected, lost, duplicates, unexpected. */
export function describeExactlyOnce(r: AuditReport): string[] {
  return [
    `expected ${r.acked}; consumed ${r.consumed} (${r.uniqueConsumed} distinct)`,
    `lost (expected, never consumed): ${r.lost.length}${r.lost.length ? ' → ' + sample(r.lost) : ''}`,
    `duplicates (consumed more than once): ${r.duplicateCount}${r.duplicates.length ? ' → ' + sample(r.duplicates) : ''}`,
    `unexpected (consumed, never expected): ${r.consumedNotAcked.length}${r.consumedNotAcked.length ? ' → ' + sample(r.consumedNotAcked) : ''}`,
  ];
}
