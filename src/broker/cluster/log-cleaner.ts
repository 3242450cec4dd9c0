import { cleanableRange, cleanLog, type CleanStats, shouldClean } from '../log/cleaner.js';
import type { Replica } from './replica.js';

/**
 * One broker's log cleaner (Kafka's CleanerThread): every backoff it cleans the filthiest compacted log among the
 * replicas this broker hosts, leaders and followers alike (each replica compacts its own copy, as in Kafka), and
 * goes on at once while another one is dirty enough.
 */
export class LogCleaner {
  constructor(
    private readonly replicas: () => Iterable<Replica>,
    private readonly log: (message: string) => void,
  ) {}

  /** Cleans until no log qualifies; returns how many cleanings ran. */
  run(now = Date.now()): number {
    const cleaned = new Set<Replica>();
    for (;;) {
      const filthiest = this.filthiest(now, cleaned);
      if (!filthiest) return cleaned.size;
      const { replica, range } = filthiest;
      cleaned.add(replica);
      try {
        this.report(replica, cleanLog(replica.log, range, now));
      } catch (error) {
        // Kafka marks such a partition uncleanable and goes on with the others
        this.log(`cleaning ${replica.topic}-${replica.partition} failed: ${(error as Error).message}`);
      }
    }
  }

  private filthiest(now: number, skip: Set<Replica>) {
    let best: { replica: Replica; range: ReturnType<typeof cleanableRange> } | null = null;
    for (const replica of this.replicas()) {
      if (skip.has(replica) || replica.log.isClosed || !replica.log.config.cleanupPolicy.includes('compact')) continue;
      const range = cleanableRange(replica.log, replica.highWatermark, now);
      if (!shouldClean(replica.log, range)) continue;
      if (!best || range.cleanableRatio > best.range.cleanableRatio) best = { replica, range };
    }
    return best;
  }

  private report(replica: Replica, s: CleanStats): void {
    this.log(
      `broker ${replica.brokerId}: cleaned ${replica.topic}-${replica.partition}: ${s.segmentsBefore} → ${s.segmentsAfter} segments, ` +
        `${s.bytesBefore} → ${s.bytesAfter} bytes, kept ${s.recordsKept} of ${s.recordsRead} records, next dirty offset ${s.nextDirtyOffset}`,
    );
  }
}
