import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { ErrorCode } from '../../src/broker/protocol/errors.js';
import { GroupCoordinator, coordinatorPartition, javaStringHashCode } from '../../src/broker/group/index.js';
import type { JoinGroupRequest, JoinGroupResponse } from '../../src/broker/group/index.js';

const coordinators: GroupCoordinator[] = [];
const dirs: string[] = [];

function tempDir(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'group-test-'));
  dirs.push(dir);
  return dir;
}

function coordinator(dir = tempDir(), initialRebalanceDelayMs = 0): GroupCoordinator {
  const c = new GroupCoordinator({ dataDir: dir, initialRebalanceDelayMs, minSessionTimeoutMs: 10 });
  coordinators.push(c);
  return c;
}

afterEach(() => {
  for (const c of coordinators.splice(0)) c.close();
  for (const d of dirs.splice(0)) fs.rmSync(d, { recursive: true, force: true });
});

const client = (clientId = 'app', version = 5) => ({ version, clientId, clientHost: '/127.0.0.1' });

function joinReq(groupId: string, memberId = '', opts: Partial<JoinGroupRequest> = {}): JoinGroupRequest {
  return {
    groupId,
    sessionTimeoutMs: 10_000,
    rebalanceTimeoutMs: 10_000,
    memberId,
    groupInstanceId: null,
    protocolType: 'consumer',
    protocols: [{ name: 'RoundRobinAssigner', metadata: Buffer.from(`meta-${memberId || 'new'}`) }],
    ...opts,
  };
}

/** The two-step v4+ join: MEMBER_ID_REQUIRED, then the real join (which resolves when the join phase ends). */
async function join(c: GroupCoordinator, groupId: string, opts: Partial<JoinGroupRequest> = {}): Promise<JoinGroupResponse> {
  const first = await c.joinGroup(joinReq(groupId, '', opts), client());
  expect(first.errorCode).toBe(ErrorCode.MEMBER_ID_REQUIRED);
  expect(first.memberId).toMatch(/^app-[0-9a-f-]{36}$/);
  return c.joinGroup(joinReq(groupId, first.memberId, opts), client());
}

/** Step one for n members, then all second steps concurrently, so they land in one generation. */
async function joinMany(c: GroupCoordinator, groupId: string, n: number, opts: Partial<JoinGroupRequest> = {}) {
  const ids: string[] = [];
  for (let i = 0; i < n; i++) {
    const r = await c.joinGroup(joinReq(groupId, '', opts), client());
    ids.push(r.memberId);
  }
  return Promise.all(ids.map((id) => c.joinGroup(joinReq(groupId, id, opts), client())));
}

async function syncAll(c: GroupCoordinator, groupId: string, joins: JoinGroupResponse[]) {
  const leader = joins.find((j) => j.memberId === j.leader)!;
  const assignments = leader.members.map((m) => ({ memberId: m.memberId, assignment: Buffer.from(`assign-${m.memberId}`) }));
  return Promise.all(
    joins.map((j) =>
      c.syncGroup({
        groupId,
        generationId: j.generationId,
        memberId: j.memberId,
        assignments: j.memberId === j.leader ? assignments : [],
      }),
    ),
  );
}

const waitFor = async (cond: () => boolean, what: string, ms = 10_000) => {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
};

describe('coordinatorPartition', () => {
  it('matches Java String.hashCode and Utils.abs', () => {
    expect(javaStringHashCode('')).toBe(0);
    expect(javaStringHashCode('hello')).toBe(99162322);
    // "polygenelubricants".hashCode() == Integer.MIN_VALUE; Utils.abs maps it to 0.
    expect(javaStringHashCode('polygenelubricants')).toBe(-2147483648);
    expect(coordinatorPartition('polygenelubricants', 50)).toBe(0);
    // "Aa" and "BB" collide in Java.
    expect(javaStringHashCode('Aa')).toBe(javaStringHashCode('BB'));
    for (let i = 0; i < 100; i++) {
      const p = coordinatorPartition(`g-${i}`, 7);
      expect(p).toBeGreaterThanOrEqual(0);
      expect(p).toBeLessThan(7);
    }
  });
});

describe('GroupCoordinator join/sync', () => {
  it('single member: join, sync, stable, heartbeat', async () => {
    const c = coordinator();
    const j = await join(c, 'g1');
    expect(j.errorCode).toBe(0);
    expect(j.generationId).toBe(1);
    expect(j.leader).toBe(j.memberId);
    expect(j.protocolName).toBe('RoundRobinAssigner');
    expect(j.members.map((m) => m.memberId)).toEqual([j.memberId]);
    expect(c.groupState('g1')).toBe('CompletingRebalance');
    expect(c.heartbeat({ groupId: 'g1', generationId: 1, memberId: j.memberId }).errorCode).toBe(0);
    const [s] = await syncAll(c, 'g1', [j]);
    expect(s!.errorCode).toBe(0);
    expect(s!.assignment.toString()).toBe(`assign-${j.memberId}`);
    expect(c.groupState('g1')).toBe('Stable');
    const d = c.describeGroups(['g1']).groups[0]!;
    expect(d.groupState).toBe('Stable');
    expect(d.protocolType).toBe('consumer');
    expect(d.protocolData).toBe('RoundRobinAssigner');
    expect(d.members[0]!.memberAssignment.toString()).toBe(`assign-${j.memberId}`);
    expect(d.members[0]!.clientId).toBe('app');
  });

  it('v0-3 joins get a member id at once', async () => {
    const c = coordinator();
    const j = await c.joinGroup(joinReq('g'), client('old', 2));
    expect(j.errorCode).toBe(0);
    expect(j.memberId).toMatch(/^old-/);
  });

  it('three members: one generation, only the leader gets members, followers get the relayed assignment', async () => {
    const c = coordinator();
    const joins = await joinMany(c, 'g3', 3);
    const gens = new Set(joins.map((j) => j.generationId));
    expect(gens.size).toBe(1);
    const leaders = new Set(joins.map((j) => j.leader));
    expect(leaders.size).toBe(1);
    for (const j of joins) {
      if (j.memberId === j.leader) expect(j.members).toHaveLength(3);
      else expect(j.members).toHaveLength(0);
    }
    // Followers sync first and wait for the leader.
    const leader = joins.find((j) => j.memberId === j.leader)!;
    const followers = joins.filter((j) => j !== leader);
    const followerSyncs = followers.map((f) => c.syncGroup({ groupId: 'g3', generationId: f.generationId, memberId: f.memberId, assignments: [] }));
    await new Promise((r) => setTimeout(r, 20));
    expect(c.groupState('g3')).toBe('CompletingRebalance');
    const leaderSync = await c.syncGroup({
      groupId: 'g3',
      generationId: leader.generationId,
      memberId: leader.memberId,
      assignments: joins.map((j) => ({ memberId: j.memberId, assignment: Buffer.from(`a-${j.memberId}`) })),
    });
    expect(leaderSync.assignment.toString()).toBe(`a-${leader.memberId}`);
    const results = await Promise.all(followerSyncs);
    results.forEach((r, i) => {
      expect(r.errorCode).toBe(0);
      expect(r.assignment.toString()).toBe(`a-${followers[i]!.memberId}`);
    });
    expect(c.groupState('g3')).toBe('Stable');
  });

  it('rejects a join whose protocols no member shares', async () => {
    const c = coordinator();
    await join(c, 'gp');
    const bad = await c.joinGroup(joinReq('gp', '', { protocols: [{ name: 'Other', metadata: Buffer.alloc(0) }] }), client('x', 3));
    expect(bad.errorCode).toBe(ErrorCode.INCONSISTENT_GROUP_PROTOCOL);
    const badType = await c.joinGroup(joinReq('gp', '', { protocolType: 'connect' }), client('x', 3));
    expect(badType.errorCode).toBe(ErrorCode.INCONSISTENT_GROUP_PROTOCOL);
  });

  it('rejects session timeouts outside the configured bounds and unknown members', async () => {
    const c = new GroupCoordinator({ dataDir: tempDir() });
    coordinators.push(c);
    const r = await c.joinGroup(joinReq('g', '', { sessionTimeoutMs: 100 }), client());
    expect(r.errorCode).toBe(ErrorCode.INVALID_SESSION_TIMEOUT);
    const u = await c.joinGroup(joinReq('nope', 'app-unknown'), client());
    expect(u.errorCode).toBe(ErrorCode.UNKNOWN_MEMBER_ID);
  });

  it('the leader rejoining a Stable group starts a new generation; a follower with unchanged metadata does not', async () => {
    const c = coordinator();
    const joins = await joinMany(c, 'gr', 2);
    await syncAll(c, 'gr', joins);
    const leader = joins.find((j) => j.memberId === j.leader)!;
    const follower = joins.find((j) => j.memberId !== j.leader)!;

    const again = await c.joinGroup(joinReq('gr', follower.memberId), client());
    expect(again.generationId).toBe(follower.generationId);
    expect(c.groupState('gr')).toBe('Stable');

    const leaderRejoin = c.joinGroup(joinReq('gr', leader.memberId), client());
    await waitFor(() => c.groupState('gr') === 'PreparingRebalance', 'rebalance');
    // The follower learns about the rebalance from its heartbeat and rejoins.
    expect(c.heartbeat({ groupId: 'gr', generationId: follower.generationId, memberId: follower.memberId }).errorCode).toBe(
      ErrorCode.REBALANCE_IN_PROGRESS,
    );
    const followerRejoin = c.joinGroup(joinReq('gr', follower.memberId), client());
    const [l2, f2] = await Promise.all([leaderRejoin, followerRejoin]);
    expect(l2.generationId).toBe(leader.generationId + 1);
    expect(f2.generationId).toBe(l2.generationId);
  });

  it('a member leaving triggers a rebalance and the rest form a new generation', async () => {
    const c = coordinator();
    const joins = await joinMany(c, 'gl', 2);
    await syncAll(c, 'gl', joins);
    const [a, b] = joins as [JoinGroupResponse, JoinGroupResponse];
    const leave = c.leaveGroup({ groupId: 'gl', members: [{ memberId: a.memberId, groupInstanceId: null }] }, 3);
    expect(leave.errorCode).toBe(0);
    expect(leave.members[0]!.errorCode).toBe(0);
    expect(c.groupState('gl')).toBe('PreparingRebalance');
    expect(c.heartbeat({ groupId: 'gl', generationId: b.generationId, memberId: b.memberId }).errorCode).toBe(ErrorCode.REBALANCE_IN_PROGRESS);
    const b2 = await c.joinGroup(joinReq('gl', b.memberId), client());
    expect(b2.generationId).toBe(b.generationId + 1);
    expect(b2.leader).toBe(b.memberId);
    expect(b2.members.map((m) => m.memberId)).toEqual([b.memberId]);
    // v0-2 single-member leave; the last member leaving empties the group.
    await syncAll(c, 'gl', [b2]);
    expect(c.leaveGroup({ groupId: 'gl', memberId: b.memberId }, 1).errorCode).toBe(0);
    expect(c.groupState('gl')).toBe('Empty');
    expect(c.leaveGroup({ groupId: 'gl', memberId: b.memberId }, 1).errorCode).toBe(ErrorCode.UNKNOWN_MEMBER_ID);
  });

  it('a member that stops heartbeating is evicted after its session timeout', async () => {
    const c = coordinator();
    const joins = await joinMany(c, 'gs', 2, { sessionTimeoutMs: 300 });
    await syncAll(c, 'gs', joins);
    const [alive, dead] = joins as [JoinGroupResponse, JoinGroupResponse];
    // Only `alive` heartbeats; `dead` goes silent.
    let rebalancing = false;
    await waitFor(() => {
      const r = c.heartbeat({ groupId: 'gs', generationId: alive.generationId, memberId: alive.memberId });
      rebalancing = r.errorCode === ErrorCode.REBALANCE_IN_PROGRESS;
      return rebalancing;
    }, 'the dead member to expire');
    const again = await c.joinGroup(joinReq('gs', alive.memberId, { sessionTimeoutMs: 300 }), client());
    expect(again.errorCode).toBe(0);
    expect(again.members.map((m) => m.memberId)).toEqual([alive.memberId]);
    expect(c.heartbeat({ groupId: 'gs', generationId: dead.generationId, memberId: dead.memberId }).errorCode).toBe(ErrorCode.UNKNOWN_MEMBER_ID);
  });

  it('a member that does not rejoin within the rebalance timeout is dropped from the generation', async () => {
    const c = coordinator();
    const opts = { sessionTimeoutMs: 10_000, rebalanceTimeoutMs: 300 };
    const joins = await joinMany(c, 'gt', 2, opts);
    await syncAll(c, 'gt', joins);
    const [a, b] = joins as [JoinGroupResponse, JoinGroupResponse];
    const leaderOrNot = a.memberId === a.leader ? a : b;
    const other = leaderOrNot === a ? b : a;
    // The leader rejoins (forces a rebalance); the other never does, though its session is still alive.
    const r = await c.joinGroup(joinReq('gt', leaderOrNot.memberId, opts), client());
    expect(r.errorCode).toBe(0);
    expect(r.generationId).toBe(leaderOrNot.generationId + 1);
    expect(r.members.map((m) => m.memberId)).toEqual([leaderOrNot.memberId]);
    expect(c.heartbeat({ groupId: 'gt', generationId: r.generationId, memberId: other.memberId }).errorCode).toBe(ErrorCode.UNKNOWN_MEMBER_ID);
  });

  it('a pending member (MEMBER_ID_REQUIRED) that never comes back expires, and the join phase completes', async () => {
    const c = coordinator();
    const j = await join(c, 'gpm', { sessionTimeoutMs: 200 });
    await syncAll(c, 'gpm', [j]);
    const pending = await c.joinGroup(joinReq('gpm', '', { sessionTimeoutMs: 200 }), client());
    expect(pending.errorCode).toBe(ErrorCode.MEMBER_ID_REQUIRED);
    // The leader rejoins; the join phase waits for the pending member until it expires.
    const r = await c.joinGroup(joinReq('gpm', j.memberId, { sessionTimeoutMs: 200 }), client());
    expect(r.errorCode).toBe(0);
    expect(r.members.map((m) => m.memberId)).toEqual([j.memberId]);
  });

  it('a rebalance during CompletingRebalance answers parked syncs with REBALANCE_IN_PROGRESS', async () => {
    const c = coordinator();
    const joins = await joinMany(c, 'gc', 2);
    const follower = joins.find((j) => j.memberId !== j.leader)!;
    const parked = c.syncGroup({ groupId: 'gc', generationId: follower.generationId, memberId: follower.memberId, assignments: [] });
    // A third member joins before the leader syncs.
    const third = c.joinGroup(joinReq('gc', ''), client('third', 3));
    expect((await parked).errorCode).toBe(ErrorCode.REBALANCE_IN_PROGRESS);
    expect(c.groupState('gc')).toBe('PreparingRebalance');
    const rejoins = joins.map((j) => c.joinGroup(joinReq('gc', j.memberId), client()));
    const all = await Promise.all([third, ...rejoins]);
    expect(new Set(all.map((r) => r.generationId)).size).toBe(1);
    expect(all.every((r) => r.errorCode === 0)).toBe(true);
  });

  it('heartbeat and sync errors per state', async () => {
    const c = coordinator();
    expect(c.heartbeat({ groupId: 'gh', generationId: 1, memberId: 'x' }).errorCode).toBe(ErrorCode.UNKNOWN_MEMBER_ID);
    const j = await join(c, 'gh');
    expect(c.heartbeat({ groupId: 'gh', generationId: j.generationId, memberId: 'x' }).errorCode).toBe(ErrorCode.UNKNOWN_MEMBER_ID);
    expect(c.heartbeat({ groupId: 'gh', generationId: j.generationId + 5, memberId: j.memberId }).errorCode).toBe(
      ErrorCode.ILLEGAL_GENERATION,
    );
    // CompletingRebalance: heartbeats are fine.
    expect(c.heartbeat({ groupId: 'gh', generationId: j.generationId, memberId: j.memberId }).errorCode).toBe(0);
    expect((await c.syncGroup({ groupId: 'gh', generationId: j.generationId + 1, memberId: j.memberId, assignments: [] })).errorCode).toBe(
      ErrorCode.ILLEGAL_GENERATION,
    );
    expect((await c.syncGroup({ groupId: 'gh', generationId: j.generationId, memberId: 'x', assignments: [] })).errorCode).toBe(
      ErrorCode.UNKNOWN_MEMBER_ID,
    );
    expect((await c.syncGroup({ groupId: 'nope', generationId: 1, memberId: 'x', assignments: [] })).errorCode).toBe(ErrorCode.UNKNOWN_MEMBER_ID);
    await syncAll(c, 'gh', [j]);
    expect(c.heartbeat({ groupId: 'gh', generationId: j.generationId, memberId: j.memberId }).errorCode).toBe(0);
    // A second member arrives: PreparingRebalance, heartbeat and sync say 27.
    const newcomer = join(c, 'gh');
    await waitFor(() => c.groupState('gh') === 'PreparingRebalance', 'rebalance');
    expect(c.heartbeat({ groupId: 'gh', generationId: j.generationId, memberId: j.memberId }).errorCode).toBe(ErrorCode.REBALANCE_IN_PROGRESS);
    expect((await c.syncGroup({ groupId: 'gh', generationId: j.generationId, memberId: j.memberId, assignments: [] })).errorCode).toBe(
      ErrorCode.REBALANCE_IN_PROGRESS,
    );
    await c.joinGroup(joinReq('gh', j.memberId), client());
    await newcomer;
    // After everyone leaves the group is Empty: heartbeats get UNKNOWN_MEMBER_ID.
    const d = c.describeGroups(['gh']).groups[0]!;
    c.leaveGroup({ groupId: 'gh', members: d.members.map((m) => ({ memberId: m.memberId })) }, 3);
    expect(c.groupState('gh')).toBe('Empty');
    expect(c.heartbeat({ groupId: 'gh', generationId: j.generationId + 1, memberId: j.memberId }).errorCode).toBe(ErrorCode.UNKNOWN_MEMBER_ID);
  });

  it('initial rebalance delay gathers members that join close together into one generation', async () => {
    const c = coordinator(tempDir(), 200);
    const a = c.joinGroup(joinReq('gd', ''), client('a', 3));
    const b = c.joinGroup(joinReq('gd', ''), client('b', 3));
    const [ra, rb] = await Promise.all([a, b]);
    expect(ra.generationId).toBe(1);
    expect(rb.generationId).toBe(1);
    expect(ra.leader).toBe(rb.leader);
  });

  it('static members: a known instance id replaces the old member id without crashing', async () => {
    const c = coordinator();
    const opts = { groupInstanceId: 'instance-1' };
    const first = await c.joinGroup(joinReq('gst', '', opts), client());
    expect(first.errorCode).toBe(0);
    await syncAll(c, 'gst', [first]);
    const second = await c.joinGroup(joinReq('gst', '', opts), client());
    expect(second.errorCode).toBe(0);
    expect(second.memberId).not.toBe(first.memberId);
    expect(c.heartbeat({ groupId: 'gst', generationId: second.generationId, memberId: first.memberId, groupInstanceId: 'instance-1' }).errorCode).toBe(
      ErrorCode.FENCED_INSTANCE_ID,
    );
    const leave = c.leaveGroup({ groupId: 'gst', members: [{ memberId: '', groupInstanceId: 'instance-1' }] }, 3);
    expect(leave.members[0]!.errorCode).toBe(0);
    expect(c.groupState('gst')).toBe('Empty');
  });
});

/**
 * Static membership (KIP-345), cases ported from Kafka's GroupMetadataManagerTest (staticMemberRejoinWith...,
 * staticMemberFenceDuplicateRejoined..., staticMemberRejoinInCompletingRebalance...): a group of two static members,
 * the leader `leader-1` and the follower `follower-1`.
 */
describe('GroupCoordinator static members (KIP-345)', () => {
  const staticJoin = (c: GroupCoordinator, groupId: string, instance: string, opts: Partial<JoinGroupRequest> = {}, memberId = '') =>
    c.joinGroup(joinReq(groupId, memberId, { groupInstanceId: instance, protocols: [{ name: 'range', metadata: Buffer.from(instance) }], ...opts }), client());

  async function stableGroup(c: GroupCoordinator, groupId: string, others: string[] = []) {
    const joins = await Promise.all(['leader-1', 'follower-1', ...others].map((instance) => staticJoin(c, groupId, instance)));
    const [leader, follower] = joins as [JoinGroupResponse, JoinGroupResponse];
    expect(leader.memberId).toBe(leader.leader);
    await syncAll(c, groupId, joins);
    expect(c.groupState(groupId)).toBe('Stable');
    return { leader, follower, joins };
  }

  it('a follower rejoining with an unknown member id and the same protocols: new id, same generation, no rebalance', async () => {
    const c = coordinator(tempDir(), 100); // both first joins land in one generation
    const { leader, follower } = await stableGroup(c, 'st1');
    const rejoined = await staticJoin(c, 'st1', 'follower-1');
    expect(rejoined).toMatchObject({ errorCode: 0, generationId: leader.generationId, leader: leader.memberId, members: [] });
    expect(rejoined.memberId).not.toBe(follower.memberId);
    expect(c.groupState('st1')).toBe('Stable');
    const sync = await c.syncGroup({ groupId: 'st1', generationId: rejoined.generationId, memberId: rejoined.memberId, groupInstanceId: 'follower-1', assignments: [] });
    expect(sync.assignment.toString()).toBe(`assign-${follower.memberId}`);
    const beat = (memberId: string, instance: string) => c.heartbeat({ groupId: 'st1', generationId: leader.generationId, memberId, groupInstanceId: instance }).errorCode;
    expect(beat(follower.memberId, 'follower-1')).toBe(ErrorCode.FENCED_INSTANCE_ID);
    expect(beat(rejoined.memberId, 'follower-1')).toBe(ErrorCode.NONE);
    expect(beat(leader.memberId, 'leader-1')).toBe(ErrorCode.NONE);
  });

  it('the leader rejoining with an unknown member id: no rebalance, and the answer names the old leader id', async () => {
    const c = coordinator(tempDir(), 100); // both first joins land in one generation
    const { leader } = await stableGroup(c, 'st2');
    const rejoined = await staticJoin(c, 'st2', 'leader-1');
    expect(rejoined).toMatchObject({ errorCode: 0, generationId: leader.generationId, leader: leader.memberId, members: [] });
    expect(c.groupState('st2')).toBe('Stable');
    expect(c.describeGroup('st2').members.map((m) => m.memberId)).toContain(rejoined.memberId);
  });

  it('a rejoin listing another protocol first keeps the generation while the group\'s choice stays the same', async () => {
    const c = coordinator(tempDir(), 100); // both first joins land in one generation
    const { leader, follower } = await stableGroup(c, 'st3');
    const both = [
      { name: 'range', metadata: Buffer.from('follower-1') },
      { name: 'roundrobin', metadata: Buffer.from('follower-1') },
    ];
    // 'range' stays the choice (the leader votes for it, ties go to the first candidate): no rebalance.
    const reordered = await staticJoin(c, 'st3', 'follower-1', { protocols: [both[1]!, both[0]!] });
    expect(reordered).toMatchObject({ errorCode: 0, generationId: leader.generationId });
    expect(c.groupState('st3')).toBe('Stable');
    expect(reordered.memberId).not.toBe(follower.memberId);
  });

  it('a rejoin while CompletingRebalance starts a new generation and fences the old id\'s pending SyncGroup', async () => {
    const c = coordinator(tempDir(), 100); // both first joins land in one generation
    const [leader, follower] = await Promise.all([staticJoin(c, 'st4', 'leader-1'), staticJoin(c, 'st4', 'follower-1')]);
    expect(c.groupState('st4')).toBe('CompletingRebalance');
    const parkedSync = c.syncGroup({ groupId: 'st4', generationId: follower!.generationId, memberId: follower!.memberId, groupInstanceId: 'follower-1', assignments: [] });
    const rejoin = staticJoin(c, 'st4', 'follower-1');
    expect((await parkedSync).errorCode).toBe(ErrorCode.FENCED_INSTANCE_ID);
    expect(c.groupState('st4')).toBe('PreparingRebalance');
    const leaderAgain = c.joinGroup(joinReq('st4', leader!.memberId, { groupInstanceId: 'leader-1', protocols: [{ name: 'range', metadata: Buffer.from('leader-1') }] }), client());
    const [r, l] = await Promise.all([rejoin, leaderAgain]);
    expect(r.generationId).toBe(leader!.generationId + 1);
    expect(l.generationId).toBe(leader!.generationId + 1);
  });

  it('a duplicate rejoin while PreparingRebalance fences the join the old id has parked', async () => {
    const c = coordinator(tempDir(), 100); // both first joins land in one generation
    const { leader, follower, joins } = await stableGroup(c, 'st5', ['other-1']);
    const rejoin = (memberId: string, instance: string) =>
      c.joinGroup(joinReq('st5', memberId, { groupInstanceId: instance, protocols: [{ name: 'range', metadata: Buffer.from(instance) }] }), client());
    // The leader rejoining with its id starts a rebalance; the follower's join (old id) parks, waiting for other-1.
    const leaderJoin = rejoin(leader.memberId, 'leader-1');
    const oldJoin = rejoin(follower.memberId, 'follower-1');
    const duplicate = staticJoin(c, 'st5', 'follower-1');
    expect((await oldJoin).errorCode).toBe(ErrorCode.FENCED_INSTANCE_ID);
    expect(c.groupState('st5')).toBe('PreparingRebalance');
    const otherJoin = rejoin(joins[2]!.memberId, 'other-1');
    const [dup, lead, other] = await Promise.all([duplicate, leaderJoin, otherJoin]);
    expect(dup).toMatchObject({ errorCode: 0, generationId: leader.generationId + 1 });
    expect(dup.memberId).not.toBe(follower.memberId);
    expect(lead.generationId).toBe(leader.generationId + 1);
    expect(other.generationId).toBe(leader.generationId + 1);
  });
});

describe('GroupCoordinator offsets', () => {
  const commit = (groupId: string, generationId: number, memberId: string, offset: number) => ({
    groupId,
    generationId,
    memberId,
    topics: [{ name: 't', partitions: [{ partitionIndex: 0, committedOffset: offset, committedMetadata: 'm' }] }],
  });
  const errorOf = (r: { topics: { partitions: { errorCode: number }[] }[] }) => r.topics[0]!.partitions[0]!.errorCode;
  const fetched = (c: GroupCoordinator, groupId: string) => c.offsetFetch({ groupId, topics: [{ name: 't', partitionIndexes: [0, 1] }] }).topics[0]!.partitions;

  it('commit and fetch; -1 and empty metadata for partitions without a commit; null topics = all', async () => {
    const c = coordinator();
    const j = await join(c, 'go');
    await syncAll(c, 'go', [j]);
    expect(errorOf(c.offsetCommit(commit('go', j.generationId, j.memberId, 42), 5))).toBe(0);
    const [p0, p1] = fetched(c, 'go');
    expect(p0).toMatchObject({ partitionIndex: 0, committedOffset: 42, metadata: 'm', errorCode: 0 });
    expect(p1).toMatchObject({ partitionIndex: 1, committedOffset: -1, metadata: '', errorCode: 0 });
    const all = c.offsetFetch({ groupId: 'go', topics: null });
    expect(all.topics).toEqual([{ name: 't', partitions: [expect.objectContaining({ partitionIndex: 0, committedOffset: 42 })] }]);
    expect(c.offsetFetch({ groupId: 'unknown', topics: null }).topics).toEqual([]);
  });

  it('accepts commits of the current generation while PreparingRebalance; rejects them while CompletingRebalance', async () => {
    const c = coordinator();
    const joins = await joinMany(c, 'gpr', 2);
    await syncAll(c, 'gpr', joins);
    const leader = joins.find((j) => j.memberId === j.leader)!;
    const follower = joins.find((j) => j.memberId !== j.leader)!;
    const leaderRejoin = c.joinGroup(joinReq('gpr', leader.memberId), client());
    await waitFor(() => c.groupState('gpr') === 'PreparingRebalance', 'rebalance');
    expect(errorOf(c.offsetCommit(commit('gpr', follower.generationId, follower.memberId, 7), 5))).toBe(0);
    expect(fetched(c, 'gpr')[0]!.committedOffset).toBe(7);
    const followerRejoin = c.joinGroup(joinReq('gpr', follower.memberId), client());
    const [l2] = await Promise.all([leaderRejoin, followerRejoin]);
    expect(c.groupState('gpr')).toBe('CompletingRebalance');
    expect(errorOf(c.offsetCommit(commit('gpr', l2.generationId, follower.memberId, 8), 5))).toBe(ErrorCode.REBALANCE_IN_PROGRESS);
  });

  it('rejects an illegal generation and unknown members; simple commits only into Empty groups', async () => {
    const c = coordinator();
    const j = await join(c, 'gi');
    await syncAll(c, 'gi', [j]);
    expect(errorOf(c.offsetCommit(commit('gi', j.generationId - 1, j.memberId, 1), 5))).toBe(ErrorCode.ILLEGAL_GENERATION);
    expect(errorOf(c.offsetCommit(commit('gi', j.generationId, 'someone', 1), 5))).toBe(ErrorCode.UNKNOWN_MEMBER_ID);
    expect(errorOf(c.offsetCommit(commit('gi', -1, '', 1), 5))).toBe(ErrorCode.UNKNOWN_MEMBER_ID);
    // Unknown group: generation >= 0 is illegal, -1 creates an Empty group (admin.setOffsets / simple consumers).
    expect(errorOf(c.offsetCommit(commit('fresh', 3, 'm', 1), 5))).toBe(ErrorCode.ILLEGAL_GENERATION);
    expect(c.describeGroups(['fresh']).groups[0]!.groupState).toBe('Dead');
    expect(errorOf(c.offsetCommit(commit('fresh', -1, '', 11), 2))).toBe(0);
    expect(c.describeGroups(['fresh']).groups[0]!.groupState).toBe('Empty');
    expect(fetched(c, 'fresh')[0]!.committedOffset).toBe(11);
    // An Empty group after its members left also takes an admin reset.
    c.leaveGroup({ groupId: 'gi', memberId: j.memberId }, 0);
    expect(errorOf(c.offsetCommit(commit('gi', -1, '', 99), 3))).toBe(0);
    expect(fetched(c, 'gi')[0]!.committedOffset).toBe(99);
  });

  it('offsets survive closing and reopening the store; group deletes and topic deletes are durable', async () => {
    const dir = tempDir();
    const c1 = coordinator(dir);
    c1.offsetCommit(commit('keep', -1, '', 5), 2);
    c1.offsetCommit(commit('keep', -1, '', 6), 2);
    c1.offsetCommit(commit('gone', -1, '', 1), 2);
    c1.offsetCommit(
      { groupId: 'keep', generationId: -1, memberId: '', topics: [{ name: 'deleted-topic', partitions: [{ partitionIndex: 0, committedOffset: 3, committedMetadata: null }] }] },
      2,
    );
    expect(c1.deleteGroups(['gone']).results[0]!.errorCode).toBe(0);
    c1.deleteTopicOffsets('deleted-topic');
    c1.close();

    const c2 = coordinator(dir);
    expect(fetched(c2, 'keep')[0]!.committedOffset).toBe(6);
    expect(fetched(c2, 'gone')[0]!.committedOffset).toBe(-1);
    expect(c2.offsetFetch({ groupId: 'keep', topics: null }).topics.map((t) => t.name)).toEqual(['t']);
    expect(c2.listGroups().groups).toEqual([{ groupId: 'keep', protocolType: '', groupState: 'Empty' }]);
  });

  it('a torn last line (a kill mid-write) is ignored on open', () => {
    const dir = tempDir();
    const c1 = coordinator(dir);
    c1.offsetCommit(commit('g', -1, '', 5), 2);
    c1.close();
    fs.appendFileSync(path.join(dir, 'offsets.jsonl'), '{"k":"o","g":"g","t":"t","p":0,"o":9');
    const c2 = coordinator(dir);
    expect(fetched(c2, 'g')[0]!.committedOffset).toBe(5);
    c2.offsetCommit(commit('g', -1, '', 6), 2);
    c2.close();
    expect(fetched(coordinator(dir), 'g')[0]!.committedOffset).toBe(6);
  });

  it('a coordinator move drops membership (parked joins get NOT_COORDINATOR) but keeps offsets and generation', async () => {
    const c = coordinator();
    const joins = await joinMany(c, 'gm', 2);
    await syncAll(c, 'gm', joins);
    c.offsetCommit(commit('gm', joins[0]!.generationId, joins[0]!.memberId, 17), 5);
    const leader = joins.find((j) => j.memberId === j.leader)!;
    const parked = c.joinGroup(joinReq('gm', leader.memberId), client());
    await waitFor(() => c.groupState('gm') === 'PreparingRebalance', 'rebalance');
    expect(c.onCoordinatorMoved(['gm'])).toEqual(['gm']);
    expect((await parked).errorCode).toBe(ErrorCode.NOT_COORDINATOR);
    expect(fetched(c, 'gm')[0]!.committedOffset).toBe(17);
    expect(c.heartbeat({ groupId: 'gm', generationId: leader.generationId, memberId: leader.memberId }).errorCode).toBe(ErrorCode.UNKNOWN_MEMBER_ID);
    const again = await join(c, 'gm');
    expect(again.generationId).toBeGreaterThan(leader.generationId);
    expect(c.unloadGroups(() => false)).toEqual([]);
  });

  it('onCoordinatorPartitionLeader unloads only when the leader of the group partition changes', async () => {
    const c = coordinator();
    const p = coordinatorPartition('gl2', 10);
    c.onCoordinatorPartitionLeader(p, 1, 10);
    const j = await join(c, 'gl2');
    await syncAll(c, 'gl2', [j]);
    expect(c.onCoordinatorPartitionLeader(p, 1, 10)).toEqual([]); // an ISR change: same leader
    expect(c.onCoordinatorPartitionLeader((p + 1) % 10, 2, 10)).toEqual([]);
    expect(c.groupState('gl2')).toBe('Stable');
    expect(c.onCoordinatorPartitionLeader(p, 2, 10)).toEqual(['gl2']);
    expect(c.heartbeat({ groupId: 'gl2', generationId: j.generationId, memberId: j.memberId }).errorCode).toBe(ErrorCode.UNKNOWN_MEMBER_ID);
  });

  it('close answers parked requests and leaves no timers behind', async () => {
    const c = coordinator();
    const j = await join(c, 'gx', { sessionTimeoutMs: 100_000, rebalanceTimeoutMs: 100_000 });
    await syncAll(c, 'gx', [j]);
    const parked = c.joinGroup(joinReq('gx', '', {}), client('x', 3));
    c.close();
    expect((await parked).errorCode).toBe(ErrorCode.NOT_COORDINATOR);
    expect(c.heartbeat({ groupId: 'gx', generationId: j.generationId, memberId: j.memberId }).errorCode).toBe(ErrorCode.NOT_COORDINATOR);
  });
});

describe('GroupCoordinator admin', () => {
  it('describe, list and delete groups', async () => {
    const c = coordinator();
    expect(c.describeGroups(['none']).groups[0]).toMatchObject({ errorCode: 0, groupId: 'none', groupState: 'Dead', members: [] });
    const j = await join(c, 'busy');
    await syncAll(c, 'busy', [j]);
    c.offsetCommit({ groupId: 'idle', generationId: -1, memberId: '', topics: [{ name: 't', partitions: [{ partitionIndex: 0, committedOffset: 1, committedMetadata: '' }] }] }, 2);
    expect(c.listGroups().groups).toEqual([
      { groupId: 'busy', protocolType: 'consumer', groupState: 'Stable' },
      { groupId: 'idle', protocolType: '', groupState: 'Empty' },
    ]);
    expect(c.listGroups({ statesFilter: ['stable'] }).groups.map((g) => g.groupId)).toEqual(['busy']);
    expect(c.listGroups({ owned: (id) => id === 'idle' }).groups.map((g) => g.groupId)).toEqual(['idle']);
    const r = c.deleteGroups(['busy', 'idle', 'missing']).results;
    expect(r).toEqual([
      { groupId: 'busy', errorCode: ErrorCode.NON_EMPTY_GROUP },
      { groupId: 'idle', errorCode: 0 },
      { groupId: 'missing', errorCode: ErrorCode.GROUP_ID_NOT_FOUND },
    ]);
    expect(c.offsetFetch({ groupId: 'idle', topics: null }).topics).toEqual([]);
    expect(c.describeGroups(['idle']).groups[0]!.groupState).toBe('Dead');
    expect(c.deleteGroups(['idle']).results[0]!.errorCode).toBe(ErrorCode.GROUP_ID_NOT_FOUND);
  });
});
