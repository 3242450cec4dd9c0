/**
 * Static membership (KIP-345, `group.instance.id`) on the wire, checked on whatever test/helpers/target.ts gives (the
 * embedded cluster, or real Kafka through the jvm backend). kafkajs has no group.instance.id, so these are raw
 * JoinGroup v5 / SyncGroup v3 / Heartbeat v3 requests with the kit's codec, to the group's coordinator.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ErrorCode } from '../../src/broker/protocol/errors.js';
import { requestOnce } from '../../src/cluster/kafka-requests.js';
import { eventually } from '../helpers/embedded.js';
import { type KafkaTarget, on, startTarget, targetSkip } from '../helpers/target.js';

const skip = targetSkip('test/group/static-membership.test.ts');
let t: KafkaTarget;
beforeAll(async () => {
  if (!skip) t = await startTarget({ brokers: 1 });
}, 180_000);
afterAll(async () => {
  await t?.destroy();
}, 120_000);

const ask = (apiKey: number, version: number, body: unknown) => requestOnce(t.bootstrapServers[0]!, apiKey, version, body, 30_000);

/** Kafka creates __consumer_offsets on the first FindCoordinator: ask until the coordinator is there. */
const coordinatorReady = (groupId: string) =>
  eventually(async () => (await ask(10, 2, { key: groupId, keyType: 0 })).errorCode === ErrorCode.NONE, 60_000, 250);

const SESSION_MS = 10_000;
const COORDINATOR_ERRORS: number[] = [ErrorCode.NOT_COORDINATOR, ErrorCode.COORDINATOR_NOT_AVAILABLE, ErrorCode.COORDINATOR_LOAD_IN_PROGRESS];
const join = (groupId: string, instance: string, protocols: string[] = ['range'], memberId = '') =>
  ask(11, 5, {
    groupId,
    sessionTimeoutMs: SESSION_MS,
    rebalanceTimeoutMs: SESSION_MS,
    memberId,
    groupInstanceId: instance,
    protocolType: 'consumer',
    protocols: protocols.map((name) => ({ name, metadata: Buffer.from(`subscription of ${instance}`) })),
  });
/** A group's first join, asked again while Kafka is still loading the group's __consumer_offsets partition. */
const firstJoin = (groupId: string, instance: string) =>
  eventually(async () => {
    const answer = await join(groupId, instance);
    return COORDINATOR_ERRORS.includes(answer.errorCode) ? undefined : answer;
  }, 60_000, 250);
const sync = (groupId: string, generationId: number, memberId: string, instance: string, assignments: Array<{ memberId: string; assignment: Buffer }> = []) =>
  ask(14, 3, { groupId, generationId, memberId, groupInstanceId: instance, assignments });
const heartbeat = async (groupId: string, generationId: number, memberId: string, instance: string) =>
  (await ask(12, 3, { groupId, generationId, memberId, groupInstanceId: instance })).errorCode as number;
const describeGroup = async (groupId: string) => (await ask(15, 2, { groups: [groupId] })).groups[0];

describe.skipIf(skip)(on('static membership (group.instance.id)'), () => {
  it('a restarted static member with unchanged protocols takes over without a rebalance; the old member id is fenced', async () => {
    const group = 'static-restart';
    await coordinatorReady(group);
    const first = await firstJoin(group, 'instance-a');
    // No MEMBER_ID_REQUIRED round for a static member: it joins at once, with an id made from its instance id.
    expect(first).toMatchObject({ errorCode: ErrorCode.NONE, generationId: 1, protocolName: 'range' });
    expect(first.memberId).toMatch(/^instance-a-/);
    expect(first.leader).toBe(first.memberId);
    const assignment = Buffer.from('partitions 0-2');
    expect((await sync(group, 1, first.memberId, 'instance-a', [{ memberId: first.memberId, assignment }])).assignment).toEqual(assignment);

    // The member restarts: it lost its member id, not its instance id.
    const second = await join(group, 'instance-a');
    expect(second).toMatchObject({ errorCode: ErrorCode.NONE, generationId: 1, protocolName: 'range', members: [] });
    expect(second.memberId).not.toBe(first.memberId);
    // Before JoinGroup v9 Kafka names the leader as it was before the swap: the old member id, so the new one does not
    // think itself the leader and keeps the assignment it had.
    expect(second.leader).toBe(first.memberId);
    const resumed = await sync(group, 1, second.memberId, 'instance-a');
    expect(resumed.errorCode).toBe(ErrorCode.NONE);
    expect(resumed.assignment).toEqual(assignment);

    expect(await heartbeat(group, 1, first.memberId, 'instance-a')).toBe(ErrorCode.FENCED_INSTANCE_ID);
    expect(await heartbeat(group, 1, second.memberId, 'instance-a')).toBe(ErrorCode.NONE);
    const described = await describeGroup(group);
    expect(described.groupState).toBe('Stable');
    expect(described.members.map((m: { memberId: string }) => m.memberId)).toEqual([second.memberId]);
  });

  it('a static rejoin that changes the selected protocol rebalances; one the group cannot support is refused', async () => {
    const group = 'static-new-protocol';
    await coordinatorReady(group);
    const first = await firstJoin(group, 'instance-b');
    expect(first.generationId).toBe(1);
    await sync(group, 1, first.memberId, 'instance-b', [{ memberId: first.memberId, assignment: Buffer.from('x') }]);
    // Every current member (the old id included) must support one of the protocols asked for.
    expect((await join(group, 'instance-b', ['roundrobin'])).errorCode).toBe(ErrorCode.INCONSISTENT_GROUP_PROTOCOL);
    const second = await join(group, 'instance-b', ['roundrobin', 'range']);
    expect(second).toMatchObject({ errorCode: ErrorCode.NONE, generationId: 2, protocolName: 'roundrobin' });
    expect(second.leader).toBe(second.memberId);
    expect(await heartbeat(group, 2, first.memberId, 'instance-b')).toBe(ErrorCode.FENCED_INSTANCE_ID);
  });
});
