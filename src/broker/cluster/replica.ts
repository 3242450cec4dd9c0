import type { PartitionLog } from '../log/index.js';
import type { PartitionState } from './metadata.js';

export interface FollowerProgress {
  logEndOffset: number;
  /** When the follower last had everything the leader had (Kafka's lastCaughtUpTimeMs). */
  lastCaughtUpMs: number;
}

/**
 * One broker's copy of one partition: its log, its high watermark, and, while it leads, what each follower has.
 * Waiters (acks=all produces, long-polling fetches) are woken whenever the log end or the high watermark moves.
 */
export class Replica {
  highWatermark: number;
  readonly followers = new Map<number, FollowerProgress>();
  /** Follower side: the leader epoch for which this replica last reconciled its log with the leader's. */
  reconciledEpoch = -1;
  private waiters = new Set<() => void>();

  constructor(
    readonly brokerId: number,
    readonly state: PartitionState,
    readonly log: PartitionLog,
  ) {
    this.highWatermark = Math.min(log.highWatermarkCheckpoint, log.logEndOffset);
  }

  get topic(): string {
    return this.state.topic;
  }
  get partition(): number {
    return this.state.partition;
  }
  get isLeader(): boolean {
    return this.state.leader === this.brokerId;
  }
  get logEndOffset(): number {
    return this.log.logEndOffset;
  }
  get logStartOffset(): number {
    return this.log.logStartOffset;
  }
  /** Below it every transaction is decided and replicated: what read_committed consumers may read. */
  get lastStableOffset(): number {
    return this.log.lastStableOffset(this.highWatermark);
  }

  setHighWatermark(offset: number): void {
    const hw = Math.min(offset, this.log.logEndOffset);
    if (hw === this.highWatermark) return;
    this.highWatermark = hw;
    this.log.highWatermarkCheckpoint = hw;
    this.wake();
  }

  /** A new leader starts tracking its followers from scratch: they report their progress on their next fetch. */
  becomeLeader(now: number): void {
    this.log.assignEpochStartOffset(this.state.leaderEpoch);
    this.followers.clear();
    for (const id of this.state.replicas) {
      if (id !== this.brokerId) this.followers.set(id, { logEndOffset: 0, lastCaughtUpMs: now });
    }
    this.wake();
  }

  /** Resolves on the next change (append, high watermark, leadership) or after `timeoutMs`. */
  changed(timeoutMs: number): { promise: Promise<void>; cancel: () => void } {
    let done!: () => void;
    const promise = new Promise<void>((resolve) => (done = resolve));
    const timer = setTimeout(finish, timeoutMs);
    const waiters = this.waiters;
    function finish() {
      clearTimeout(timer);
      waiters.delete(finish);
      done();
    }
    waiters.add(finish);
    return { promise, cancel: finish };
  }

  wake(): void {
    const waiters = [...this.waiters];
    this.waiters.clear();
    for (const wake of waiters) wake();
  }

  close(): void {
    this.wake();
    this.log.close();
  }

  /** The broker was killed: its log is left as a crash leaves it (see PartitionLog.abandon). */
  abandon(): void {
    this.wake();
    this.log.abandon();
  }
}
