import type { ClusterContext } from './context.js';
import type { Replica } from './replica.js';
import { truncationOffset } from './truncation.js';

/** How much a follower copies from its leader in one step (Kafka's replica.fetch.max.bytes). */
const FETCH_BYTES = 1024 * 1024;

/**
 * Followers copying from leaders. All brokers live in one process, so a follower reads the leader replica's log
 * directly instead of sending Fetch over TCP; everything else is Kafka's: truncation by leader epoch before copying,
 * the leader's high watermark as the minimum log end offset of the ISR, the ISR shrinking when a follower lags for
 * longer than replica.lag.time.max.ms and growing again when it has caught up.
 */
export class Replication {
  private pending = new Set<string>();
  private scheduled = false;

  constructor(private readonly ctx: ClusterContext) {}

  /** Called after a leader appended: replicate soon, batching all partitions touched in this turn of the loop. */
  schedule(leader: Replica): void {
    this.schedulePartition(leader.topic, leader.partition);
  }

  /** Replicate `topic`-`partition` soon (after a leader change, or an append). */
  schedulePartition(topic: string, partition: number): void {
    this.pending.add(`${topic}\u0000${partition}`);
    if (this.scheduled) return;
    this.scheduled = true;
    setImmediate(() => {
      this.scheduled = false;
      const keys = [...this.pending];
      this.pending.clear();
      for (const key of keys) {
        const [topic, partition] = key.split('\u0000') as [string, string];
        this.replicatePartition(topic, Number(partition));
      }
    });
  }

  /** One pass over every partition: catch followers up, update the ISR. Run periodically. */
  tick(now = Date.now()): void {
    for (const p of this.ctx.metadata.allPartitions()) this.replicatePartition(p.topic, p.partition, now);
  }

  replicatePartition(topic: string, partition: number, now = Date.now()): void {
    const leader = this.ctx.leaderReplica(topic, partition);
    if (!leader) return;
    for (const followerId of leader.state.replicas) {
      if (followerId === leader.brokerId) continue;
      const followerBroker = this.ctx.runningBroker(followerId);
      const follower = followerBroker?.replicas.get(topic, partition);
      if (!follower || followerBroker!.replicationPaused) continue;
      try {
        this.fetch(follower, leader, now);
      } catch (error) {
        // One broken replica must not take the cluster down; it retries on the next pass.
        this.ctx.log(`replication of ${topic}-${partition} to broker ${followerId} failed: ${(error as Error).message}`);
      }
    }
    this.maybeShrinkIsr(leader, now);
    this.advanceHighWatermark(leader);
  }

  private fetch(follower: Replica, leader: Replica, now: number): void {
    if (follower.reconciledEpoch !== leader.state.leaderEpoch) this.reconcile(follower, leader);
    // A follower that fell below the leader's log start (retention, DeleteRecords) starts over from there.
    if (follower.logEndOffset < leader.logStartOffset) follower.log.truncateFully(leader.logStartOffset);
    let copied = false;
    while (follower.logEndOffset < leader.logEndOffset) {
      const { records } = leader.log.read(follower.logEndOffset, FETCH_BYTES, leader.logEndOffset);
      if (records.length === 0) break;
      follower.log.appendAsFollower(records, follower.logEndOffset);
      copied = true;
    }
    // Followers keep the leader's log start offset, so retention and DeleteRecords reach every replica.
    if (follower.logStartOffset < leader.logStartOffset && leader.logStartOffset <= follower.logEndOffset) {
      follower.log.deleteRecordsBefore(leader.logStartOffset);
    }
    if (copied) follower.wake();
    follower.setHighWatermark(Math.min(leader.highWatermark, follower.logEndOffset));

    const progress = leader.followers.get(follower.brokerId) ?? { logEndOffset: 0, lastCaughtUpMs: now };
    progress.logEndOffset = follower.logEndOffset;
    if (follower.logEndOffset >= leader.logEndOffset) progress.lastCaughtUpMs = now;
    leader.followers.set(follower.brokerId, progress);

    const isr = leader.state.inSyncReplicas;
    if (!isr.includes(follower.brokerId) && follower.logEndOffset >= leader.highWatermark && follower.logEndOffset >= leader.logEndOffset) {
      this.ctx.controller.alterInSyncReplicas(leader.state, [...isr, follower.brokerId]);
    }
  }

  /**
   * Before copying under a new leader epoch, a follower drops whatever the leader does not have: the records it
   * appended as an old leader that never reached the ISR, or, after an unclean election, a history the new leader
   * never shared (epoch-based truncation, see truncation.ts).
   */
  private reconcile(follower: Replica, leader: Replica): void {
    const cut = truncationOffset(follower.log, leader.log, follower.highWatermark);
    if (cut < follower.logEndOffset) follower.log.truncateTo(cut);
    if (follower.logEndOffset > leader.logEndOffset) follower.log.truncateTo(leader.logEndOffset);
    if (follower.logEndOffset < leader.logStartOffset || follower.logStartOffset > leader.logEndOffset) {
      follower.log.truncateFully(leader.logStartOffset);
    }
    if (follower.highWatermark > follower.logEndOffset) follower.setHighWatermark(follower.logEndOffset);
    follower.reconciledEpoch = leader.state.leaderEpoch;
  }

  private maybeShrinkIsr(leader: Replica, now: number): void {
    const lagMax = this.ctx.config.replicaLagTimeMaxMs;
    const isr = leader.state.inSyncReplicas;
    const outOfSync = isr.filter((id) => {
      if (id === leader.brokerId) return false;
      const progress = leader.followers.get(id);
      if (!progress) return false;
      return progress.logEndOffset < leader.logEndOffset && now - progress.lastCaughtUpMs > lagMax;
    });
    if (outOfSync.length > 0) this.ctx.controller.alterInSyncReplicas(leader.state, isr.filter((id) => !outOfSync.includes(id)));
  }

  /**
   * The high watermark is the smallest log end offset in the ISR: what every in-sync replica has. While the ISR is
   * below min.insync.replicas it does not move (Kafka's Partition.maybeIncrementLeaderHW), so records written with
   * acks=1 then stay invisible to consumers until the ISR recovers.
   */
  advanceHighWatermark(leader: Replica): void {
    if (this.ctx.isUnderMinIsr(leader.state)) return;
    let hw = leader.logEndOffset;
    for (const id of leader.state.inSyncReplicas) {
      if (id === leader.brokerId) continue;
      hw = Math.min(hw, leader.followers.get(id)?.logEndOffset ?? 0);
    }
    if (hw > leader.highWatermark) leader.setHighWatermark(hw);
  }
}
