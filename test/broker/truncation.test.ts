/**
 * Epoch-based truncation (KIP-101 / KIP-279) as Kafka's AbstractFetcherThread does it, on leader-epoch caches: the
 * cases of Kafka's AbstractFetcherThreadTest (truncation to a shared epoch, through several round trips, without
 * epoch information) and the unclean-election divergence the second step exists for.
 */
import { describe, expect, it } from 'vitest';
import { truncationOffset, type EpochHistory } from '../../src/broker/cluster/truncation.js';
import { LeaderEpochCache } from '../../src/broker/log/index.js';

/** A log's epoch history: `[epoch, startOffset]` pairs and its end offset. */
function history(epochs: Array<[number, number]>, logEndOffset: number): EpochHistory {
  const cache = new LeaderEpochCache(null);
  for (const [epoch, start] of epochs) cache.assign(epoch, start);
  return { latestEpoch: () => cache.latestEpoch(), endOffsetForEpoch: (e) => cache.endOffsetFor(e, logEndOffset), logEndOffset };
}

describe('epoch-based truncation', () => {
  it('cuts where the leader\'s history for the follower\'s latest epoch ends', () => {
    // follower: epoch 1 at 0, 3 at 1, 5 at 2; leader: 1 at 0, 3 at 1, 4 at 2, and its current epoch 6 from 3 — the
    // follower's epoch 5 never reached it, nor its epoch 4 the follower
    expect(truncationOffset(history([[1, 0], [3, 1], [5, 2]], 3), history([[1, 0], [3, 1], [4, 2], [6, 3]], 3), 0)).toBe(2);
  });

  it('keeps everything when the follower is only behind in the same epoch', () => {
    expect(truncationOffset(history([[1, 0], [3, 5]], 7), history([[1, 0], [3, 5]], 12), 7)).toBeGreaterThanOrEqual(7);
  });

  it('cuts a follower ahead in the same epoch back to the leader\'s end', () => {
    expect(truncationOffset(history([[1, 0], [3, 5]], 9), history([[1, 0], [3, 5]], 6), 5)).toBe(6);
  });

  it('takes a second round trip when the leader answers with an epoch the follower never had', () => {
    // follower: 1 at 0, 2 at 1, 4 at 2 (LEO 3); leader: 1 at 0, 3 at 1, 5 at 2 (LEO 3). Asked for epoch 4, the leader
    // says epoch 3 ends at 2; the follower has no epoch 3, so it cuts where its epoch 2 ends (2) and asks for 2: the
    // leader has epoch 1 ending at 1, and the follower's epoch-2 record at offset 1 goes too.
    const follower = history([[1, 0], [2, 1], [4, 2]], 3);
    const leader = history([[1, 0], [3, 1], [5, 2]], 3);
    expect(truncationOffset(follower, leader, 0)).toBe(1);
  });

  it('after an unclean election, leaves no offset where the two logs hold batches of different epochs', () => {
    // The old leader (now follower) wrote epochs 0 and 2 alone; the new leader (elected uncleanly) had epoch 0 up to
    // 3, then led epoch 1 from 3 and epoch 3 from 6.
    const follower = history([[0, 0], [2, 5]], 8);
    const leader = history([[0, 0], [1, 3], [3, 6]], 9);
    const cut = truncationOffset(follower, leader, 0);
    expect(cut).toBe(3); // one step would have cut at 6, keeping epoch-0 and epoch-2 batches at 3-5 that the leader has as epoch 1
    const epochAt = (epochs: Array<[number, number]>, offset: number) => epochs.filter(([, start]) => start <= offset).pop()![0];
    for (let offset = 0; offset < cut; offset++) expect(epochAt([[0, 0], [2, 5]], offset)).toBe(epochAt([[0, 0], [1, 3], [3, 6]], offset));
  });

  it('without epoch information on the leader, goes back to the follower\'s high watermark', () => {
    expect(truncationOffset(history([[2, 0]], 10), history([], 10), 4)).toBe(4);
  });

  it('a follower without epochs only cuts what the leader does not have', () => {
    expect(truncationOffset(history([], 10), history([[1, 0]], 6), 0)).toBe(6);
    expect(truncationOffset(history([], 4), history([[1, 0]], 6), 0)).toBe(4);
  });
});
