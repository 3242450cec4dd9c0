import { UNDEFINED_EPOCH_OFFSET, type EpochEndOffset } from '../log/index.js';

/** What epoch-based truncation needs to know of one replica's log. */
export interface EpochHistory {
  latestEpoch(): number | null;
  /** OffsetsForLeaderEpoch on this log (LeaderEpochFileCache.endOffsetFor). */
  endOffsetForEpoch(epoch: number): EpochEndOffset;
  readonly logEndOffset: number;
}

/**
 * Where a follower must cut its log before it copies from a new leader (KIP-101 / KIP-279, Kafka's
 * AbstractFetcherThread.getOffsetTruncationState), so that afterwards both logs hold the same batches at the same
 * offsets. The follower asks the leader where its latest epoch ends. The leader answers with the largest epoch it has
 * that is <= the one asked, and where that epoch ends in its log. Then:
 *  - if the follower has that very epoch, it cuts at the smaller of the two logs' ends for it: done;
 *  - if it does not (the leader's answer is an epoch the follower never saw), it first cuts where its own history
 *    for the epochs below ends, and asks again with its new latest epoch: the second step, without which replicas can
 *    keep different records at the same offsets after an unclean election.
 * A leader that knows no epoch at all (UNDEFINED_EPOCH_OFFSET) sends the follower back to its high watermark.
 * Returns the offset to truncate to (>= logEndOffset means nothing to cut).
 */
export function truncationOffset(follower: EpochHistory, leader: EpochHistory, followerHighWatermark: number): number {
  let end = follower.logEndOffset;
  let asked = follower.latestEpoch();
  // Each second step drops at least one epoch, so this ends; the bound only guards against a corrupt cache.
  for (let round = 0; round < 10_000; round++) {
    if (asked === null) return Math.min(end, leader.logEndOffset); // no epochs (nothing written by a leader yet)
    const answer = leader.endOffsetForEpoch(asked);
    if (answer.endOffset === UNDEFINED_EPOCH_OFFSET) return Math.min(end, followerHighWatermark);
    const own = endOffsetBelow(follower, answer.epoch, end);
    if (own.epoch === answer.epoch) return Math.min(end, own.endOffset, answer.endOffset);
    end = Math.min(end, own.endOffset);
    asked = own.epoch < 0 ? null : own.epoch;
  }
  return Math.min(end, followerHighWatermark);
}

/** The follower's own end offset for `epoch`, as if its log already ended at `end` (after an earlier cut). */
function endOffsetBelow(follower: EpochHistory, epoch: number, end: number): EpochEndOffset {
  const own = follower.endOffsetForEpoch(epoch);
  return { epoch: own.epoch, endOffset: Math.min(own.endOffset, end) };
}
