import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { LeaderEpochCache, PartitionLog } from '../../src/broker/log/index.js';
import { batchOf, tempDir } from './helpers.js';

let dir: string;
let cleanup: () => void;
beforeEach(() => {
  ({ dir, cleanup } = tempDir());
});
afterEach(() => cleanup());

describe('LeaderEpochCache', () => {
  it('endOffsetFor follows OffsetsForLeaderEpoch semantics', () => {
    const c = new LeaderEpochCache(null);
    expect(c.endOffsetFor(0, 0)).toEqual({ epoch: -1, endOffset: -1 }); // empty
    c.assign(1, 0);
    c.assign(2, 10);
    c.assign(5, 30);
    const leo = 42;
    expect(c.endOffsetFor(5, leo)).toEqual({ epoch: 5, endOffset: 42 }); // latest: LEO
    expect(c.endOffsetFor(1, leo)).toEqual({ epoch: 1, endOffset: 10 });
    expect(c.endOffsetFor(2, leo)).toEqual({ epoch: 2, endOffset: 30 });
    expect(c.endOffsetFor(3, leo)).toEqual({ epoch: 2, endOffset: 30 }); // unknown epoch between: floor epoch, next start
    expect(c.endOffsetFor(4, leo)).toEqual({ epoch: 2, endOffset: 30 });
    expect(c.endOffsetFor(0, leo)).toEqual({ epoch: 0, endOffset: 0 }); // older than all: the first start offset
    expect(c.endOffsetFor(6, leo)).toEqual({ epoch: -1, endOffset: -1 }); // newer than all
    expect(c.endOffsetFor(-1, leo)).toEqual({ epoch: -1, endOffset: -1 });
  });

  it('ignores stale epochs, truncates from both ends and persists in Kafka text format', () => {
    const file = join(dir, 'leader-epoch-checkpoint');
    const c = new LeaderEpochCache(file);
    expect(c.assign(3, 0)).toBe(true);
    expect(c.assign(3, 5)).toBe(false);
    expect(c.assign(2, 7)).toBe(false);
    c.assign(4, 10);
    c.assign(6, 20);
    c.truncateFromEnd(20);
    expect(c.all).toEqual([
      { epoch: 3, startOffset: 0 },
      { epoch: 4, startOffset: 10 },
    ]);
    c.assign(7, 20);
    c.truncateFromStart(12);
    expect(c.all).toEqual([
      { epoch: 4, startOffset: 12 },
      { epoch: 7, startOffset: 20 },
    ]);
    expect(new LeaderEpochCache(file).all).toEqual(c.all);
    c.clear();
    expect(new LeaderEpochCache(file).all).toEqual([]);
  });

  it('a new epoch starting at or before existing entries replaces them', () => {
    const c = new LeaderEpochCache(null);
    c.assign(1, 0);
    c.assign(2, 10);
    c.assign(3, 10);
    expect(c.all).toEqual([
      { epoch: 1, startOffset: 0 },
      { epoch: 3, startOffset: 10 },
    ]);
  });
});

describe('epoch cache inside the log', () => {
  it('is updated on append (leader and follower), truncated with the log and restored on reopen', () => {
    const leader = PartitionLog.open(join(dir, 'a'));
    leader.appendAsLeader(batchOf(3), 1);
    leader.appendAsLeader(batchOf(3), 1);
    leader.appendAsLeader(batchOf(2), 4);
    expect(leader.epochCache.all).toEqual([
      { epoch: 1, startOffset: 0 },
      { epoch: 4, startOffset: 6 },
    ]);
    expect(leader.endOffsetForEpoch(1)).toEqual({ epoch: 1, endOffset: 6 });
    expect(leader.endOffsetForEpoch(4)).toEqual({ epoch: 4, endOffset: 8 });
    const follower = PartitionLog.open(join(dir, 'b'));
    follower.appendAsFollower(leader.read(0, 1 << 20, 6).records);
    expect(follower.logEndOffset).toBe(6);
    // the follower led epoch 2 for a while and wrote records the new leader (epoch 4) never got
    follower.appendAsLeader(batchOf(5), 2);
    expect(leader.endOffsetForEpoch(2)).toEqual({ epoch: 1, endOffset: 6 });
    follower.truncateTo(leader.endOffsetForEpoch(follower.latestEpoch()!).endOffset);
    expect(follower.logEndOffset).toBe(6);
    expect(follower.latestEpoch()).toBe(1);
    follower.appendAsFollower(leader.read(6, 1 << 20).records);
    expect(follower.epochCache.all).toEqual(leader.epochCache.all);
    follower.close();
    const again = PartitionLog.open(join(dir, 'b'));
    expect(again.epochCache.all).toEqual(leader.epochCache.all);
    again.close();
    leader.close();
  });
});
