import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { GroupCoordinator } from '../../src/broker/group/index.js';
import { ErrorCode } from '../../src/broker/protocol/errors.js';
import { deleteGroups } from '../../src/broker/handlers/delete-groups.js';
import { describeGroups } from '../../src/broker/handlers/describe-groups.js';
import { findCoordinator } from '../../src/broker/handlers/find-coordinator.js';
import { heartbeat } from '../../src/broker/handlers/heartbeat.js';
import { joinGroup } from '../../src/broker/handlers/join-group.js';
import { leaveGroup } from '../../src/broker/handlers/leave-group.js';
import { listGroups } from '../../src/broker/handlers/list-groups.js';
import { offsetCommit } from '../../src/broker/handlers/offset-commit.js';
import { offsetFetch } from '../../src/broker/handlers/offset-fetch.js';
import { syncGroup } from '../../src/broker/handlers/sync-group.js';
import { type ApiHandler, type RequestContext, routed } from '../../src/broker/handlers/types.js';

const cleanup: Array<() => void> = [];
afterEach(() => {
  for (const fn of cleanup.splice(0)) fn();
});

/**
 * A stand-in for the cluster: broker 1 coordinates groups whose name starts with "mine", broker 2 the rest; topic "t"
 * has partitions 0-2.
 */
function setup() {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'group-handlers-'));
  const groups = new GroupCoordinator({ dataDir: dir, minSessionTimeoutMs: 10 });
  cleanup.push(() => {
    groups.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });
  const registrations = new Map([
    [1, { id: 1, endpoints: { PLAINTEXT: { host: '127.0.0.1', port: 9001 } }, fenced: false }],
    [2, { id: 2, endpoints: { PLAINTEXT: { host: '127.0.0.1', port: 9002 } }, fenced: false }],
  ]);
  const cluster = {
    groups,
    coordinatorFor: (groupId: string) => (groupId.startsWith('mine') ? 1 : groupId.startsWith('orphan') ? -1 : 2),
    metadata: { partition: (topic: string, p: number) => (topic === 't' && p >= 0 && p < 3 ? { topic, partition: p } : undefined) },
    controller: {
      registrations,
      endpointFor: (id: number) => registrations.get(id)?.endpoints.PLAINTEXT,
    },
    runningBroker: (id: number) => (id === 1 || id === 2 ? { id } : undefined),
    // Every in-sync replica of __consumer_offsets runs: writes are taken at once.
    awaitOffsetsWritable: async () => ErrorCode.NONE,
  };
  const call = <T = any>(typed: ApiHandler<any>, request: unknown, version: number, brokerId = 1): Promise<T> => {
    const handler = routed(typed);
    return Promise.resolve(
      handler.handle(request, {
        broker: { id: brokerId },
        cluster,
        apiKey: handler.apiKey,
        version,
        clientId: 'cli',
        clientHost: '/127.0.0.1',
        listenerName: 'PLAINTEXT',
      } as unknown as RequestContext) as T,
    );
  };
  return { groups, call };
}

const protocols = [{ name: 'RoundRobinAssigner', metadata: Buffer.from('m') }];

describe('group handlers', () => {
  it('FindCoordinator answers with the leader of the group partition, or COORDINATOR_NOT_AVAILABLE', async () => {
    const { call } = setup();
    expect(await call(findCoordinator, { key: 'mine-1', keyType: 0 }, 1)).toMatchObject({ errorCode: 0, nodeId: 1, port: 9001 });
    expect(await call(findCoordinator, { key: 'other', keyType: 0 }, 0, 1)).toMatchObject({ errorCode: 0, nodeId: 2, port: 9002 });
    expect(await call(findCoordinator, { key: 'orphan', keyType: 0 }, 2)).toMatchObject({
      errorCode: ErrorCode.COORDINATOR_NOT_AVAILABLE,
      nodeId: -1,
    });
  });

  it('group calls to a broker that does not coordinate the group get NOT_COORDINATOR', async () => {
    const { call } = setup();
    const join = { groupId: 'other', sessionTimeoutMs: 10_000, rebalanceTimeoutMs: 10_000, memberId: '', groupInstanceId: null, protocolType: 'consumer', protocols };
    expect((await call(joinGroup, join, 5)).errorCode).toBe(ErrorCode.NOT_COORDINATOR);
    expect((await call(joinGroup, join, 2)).protocolName).toBe('');
    expect((await call(syncGroup, { groupId: 'other', generationId: 1, memberId: 'x', assignments: [] }, 3)).errorCode).toBe(ErrorCode.NOT_COORDINATOR);
    expect((await call(heartbeat, { groupId: 'other', generationId: 1, memberId: 'x' }, 3)).errorCode).toBe(ErrorCode.NOT_COORDINATOR);
    expect((await call(leaveGroup, { groupId: 'other', memberId: 'x' }, 1)).errorCode).toBe(ErrorCode.NOT_COORDINATOR);
    const commit = await call(offsetCommit, {
      groupId: 'other', generationIdOrMemberEpoch: -1, memberId: '',
      topics: [{ name: 't', partitions: [{ partitionIndex: 0, committedOffset: 1, committedMetadata: null }] }],
    }, 5);
    expect(commit.topics[0].partitions[0].errorCode).toBe(ErrorCode.NOT_COORDINATOR);
    const fetch = await call(offsetFetch, { groupId: 'other', topics: [{ name: 't', partitionIndexes: [0] }] }, 1);
    expect(fetch.topics[0].partitions[0].errorCode).toBe(ErrorCode.NOT_COORDINATOR);
    expect((await call(offsetFetch, { groupId: 'other', topics: null }, 3)).errorCode).toBe(ErrorCode.NOT_COORDINATOR);
    const described = await call(describeGroups, { groups: ['other', 'mine-x'] }, 0);
    expect(described.groups.map((g: { errorCode: number }) => g.errorCode)).toEqual([ErrorCode.NOT_COORDINATOR, 0]);
    expect(described.groups[1].groupState).toBe('Dead');
    const deleted = await call(deleteGroups, { groupsNames: ['other', 'mine-x'] }, 1);
    expect(deleted.results).toEqual([
      { groupId: 'other', errorCode: ErrorCode.NOT_COORDINATOR },
      { groupId: 'mine-x', errorCode: ErrorCode.GROUP_ID_NOT_FOUND },
    ]);
  });

  it('join, sync, commit (unknown partitions flagged), fetch, list, leave and delete through the handlers', async () => {
    const { call } = setup();
    const base = { groupId: 'mine-g', sessionTimeoutMs: 10_000, rebalanceTimeoutMs: 10_000, groupInstanceId: null, protocolType: 'consumer', protocols };
    const first = await call(joinGroup, { ...base, memberId: '' }, 5);
    expect(first.errorCode).toBe(ErrorCode.MEMBER_ID_REQUIRED);
    const joined = await call(joinGroup, { ...base, memberId: first.memberId }, 5);
    expect(joined).toMatchObject({ errorCode: 0, generationId: 1, leader: first.memberId, protocolName: 'RoundRobinAssigner' });
    const synced = await call(
      syncGroup,
      { groupId: 'mine-g', generationId: 1, memberId: first.memberId, groupInstanceId: null, assignments: [{ memberId: first.memberId, assignment: Buffer.from('a') }] },
      3,
    );
    expect(synced.assignment.toString()).toBe('a');
    const commit = await call(offsetCommit, {
      groupId: 'mine-g', generationIdOrMemberEpoch: 1, memberId: first.memberId, groupInstanceId: null, retentionTimeMs: -1,
      topics: [
        { name: 't', partitions: [{ partitionIndex: 1, committedOffset: 10, committedMetadata: 'x' }, { partitionIndex: 9, committedOffset: 1, committedMetadata: null }] },
        { name: 'nope', partitions: [{ partitionIndex: 0, committedOffset: 1, committedMetadata: null }] },
      ],
    }, 5);
    expect(commit.topics).toEqual([
      { name: 't', partitions: [{ partitionIndex: 1, errorCode: 0 }, { partitionIndex: 9, errorCode: ErrorCode.UNKNOWN_TOPIC_OR_PARTITION }] },
      { name: 'nope', partitions: [{ partitionIndex: 0, errorCode: ErrorCode.UNKNOWN_TOPIC_OR_PARTITION }] },
    ]);
    const fetched = await call(offsetFetch, { groupId: 'mine-g', topics: [{ name: 't', partitionIndexes: [0, 1] }] }, 1);
    expect(fetched.topics[0].partitions.map((p: { committedOffset: number }) => p.committedOffset)).toEqual([-1, 10]);
    const listedHere = await call(listGroups, {}, 2, 1);
    expect(listedHere.groups).toEqual([{ groupId: 'mine-g', protocolType: 'consumer', groupState: 'Stable' }]);
    expect((await call(listGroups, {}, 2, 2)).groups).toEqual([]);
    expect((await call(deleteGroups, { groupsNames: ['mine-g'] }, 1)).results[0].errorCode).toBe(ErrorCode.NON_EMPTY_GROUP);
    expect((await call(leaveGroup, { groupId: 'mine-g', members: [{ memberId: first.memberId, groupInstanceId: null }] }, 3)).members[0].errorCode).toBe(0);
    expect((await call(deleteGroups, { groupsNames: ['mine-g'] }, 1)).results[0].errorCode).toBe(0);
    expect((await call(offsetFetch, { groupId: 'mine-g', topics: null }, 2)).topics).toEqual([]);
  });
});
