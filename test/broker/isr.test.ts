import { afterEach, describe, expect, it } from 'vitest';
import { ErrorCode } from '../../src/broker/protocol/errors.js';
import { eventually, startTestCluster, type TestCluster } from '../helpers/embedded.js';
import { ask } from './kraft.js';

let t: TestCluster | undefined;
afterEach(async () => {
  await t?.destroy();
  t = undefined;
});

const partition = (topic: string) => t!.cluster.context.metadata.partition(topic, 0)!;

async function topic(name: string, replicationFactor: number, configs: Record<string, string> = {}) {
  const admin = t!.kafka().admin();
  await admin.connect();
  await admin.createTopics({
    topics: [{ topic: name, replicationFactor, configEntries: Object.entries(configs).map(([n, value]) => ({ name: n, value })) }],
  });
  await admin.disconnect();
}

async function send(name: string, count: number, acks = 1) {
  const producer = t!.kafka().producer();
  await producer.connect();
  for (let i = 0; i < count; i++) await producer.send({ topic: name, acks, messages: [{ value: `m${i}` }] });
  await producer.disconnect();
}

describe('ISR and leader election', () => {
  it('drops a lagging follower from the ISR after replica.lag.time.max.ms and takes it back once caught up', async () => {
    t = await startTestCluster({ brokers: 3, config: { replicaLagTimeMaxMs: 300 } });
    await topic('lag', 3);
    const { leader, replicas } = partition('lag');
    const slow = replicas.find((r) => r !== leader)!;
    t.cluster.pauseReplication(slow);
    await send('lag', 5);
    await eventually(() => !partition('lag').inSyncReplicas.includes(slow));
    expect(partition('lag').inSyncReplicas.sort()).toEqual(replicas.filter((r) => r !== slow).sort());
    t.cluster.pauseReplication(slow, false);
    await eventually(() => partition('lag').inSyncReplicas.includes(slow));
    const leaderEnd = t.cluster.context.brokers.get(leader)!.replicas.get('lag', 0)!.logEndOffset;
    expect(t.cluster.context.brokers.get(slow)!.replicas.get('lag', 0)!.logEndOffset).toBe(leaderEnd);
  });

  it('keeps a partition offline rather than elect an out-of-sync replica, unless unclean election is on', async () => {
    // Three brokers for two-replica topics: one of them dying leaves 2 of 3 controller voters, a quorum, so the
    // controller can act (with two brokers, losing one would lose the quorum and nothing would change at all).
    t = await startTestCluster({ brokers: 3, config: { replicaLagTimeMaxMs: 200, brokerSessionTimeoutMs: 300, controllerQuorumFetchTimeoutMs: 200 } });
    await topic('clean', 2);
    await topic('unclean', 2, { 'unclean.leader.election.enable': 'true' });
    // Both topics get the same leader only by chance; handle each on its own.
    for (const name of ['clean', 'unclean']) {
      const { leader, replicas } = partition(name);
      const follower = replicas.find((r) => r !== leader)!;
      t.cluster.pauseReplication(follower);
      await send(name, 3);
      await eventually(() => partition(name).inSyncReplicas.join() === String(leader));
      t.cluster.pauseReplication(follower, false);
      await t.cluster.killBroker(leader);
      if (name === 'clean') {
        await eventually(() => partition(name).leader === -1);
        expect(partition(name).inSyncReplicas).toEqual([leader]);
        await t.cluster.startBroker(leader);
        await eventually(() => partition(name).leader === leader);
      } else {
        await eventually(() => partition(name).leader === follower);
        expect(partition(name).inSyncReplicas).toEqual([follower]);
        await t.cluster.startBroker(leader);
      }
    }
  });

  it('elects another active controller when the active one dies; Metadata names a random live broker, never the dead one once fenced', async () => {
    t = await startTestCluster({ brokers: 3, config: { brokerSessionTimeoutMs: 300, controllerQuorumFetchTimeoutMs: 200 } });
    const before = t.cluster.controllerId()!;
    const epoch = t.cluster.context.controller.quorum.epoch;
    await t.cluster.killBroker(before);
    // no active controller until the others' fetch timeout, then one of them
    expect(t.cluster.controllerId()).toBeNull();
    const after = await eventually(() => t!.cluster.controllerId());
    expect(after).not.toBe(before);
    expect(t.cluster.context.controller.quorum.epoch).toBeGreaterThan(epoch);
    const admin = t.kafka().admin();
    await admin.connect();
    await eventually(async () => !(await admin.describeCluster()).brokers.some((b) => b.nodeId === before));
    for (let i = 0; i < 10; i++) {
      const described = await admin.describeCluster();
      expect(described.brokers.map((b) => b.nodeId)).toContain(described.controller);
    }
    await admin.disconnect();
  });

  it('bumps the leader epoch on every leader change, and a returning broker truncates what the new leader never had', async () => {
    t = await startTestCluster({ brokers: 3, config: { brokerSessionTimeoutMs: 300, replicaLagTimeMaxMs: 200 } });
    await topic('epochs', 3);
    const first = partition('epochs');
    const epoch = first.leaderEpoch;
    const oldLeader = first.leader;
    // The old leader takes writes its followers never copy (acks=1), then dies.
    for (const r of first.replicas) if (r !== oldLeader) t.cluster.pauseReplication(r);
    await send('epochs', 4);
    await eventually(() => partition('epochs').inSyncReplicas.join() === String(oldLeader));
    // With clean election the partition would wait offline for the old leader; unclean election lets a follower
    // that never copied those records take over, so the old leader's history diverges from the new one.
    const admin = t.kafka().admin();
    await admin.connect();
    await admin.alterConfigs({
      validateOnly: false,
      resources: [{ type: 2, name: 'epochs', configEntries: [{ name: 'unclean.leader.election.enable', value: 'true' }] }],
    });
    for (const r of first.replicas) if (r !== oldLeader) t.cluster.pauseReplication(r, false);
    await t.cluster.killBroker(oldLeader);
    await eventually(() => partition('epochs').leader !== oldLeader && partition('epochs').leader !== -1);
    expect(partition('epochs').leaderEpoch).toBeGreaterThan(epoch);
    const newLeader = partition('epochs').leader;
    await send('epochs', 2);
    await t.cluster.startBroker(oldLeader);
    await eventually(() => partition('epochs').inSyncReplicas.includes(oldLeader));
    const logEnd = (id: number) => t!.cluster.context.brokers.get(id)!.replicas.get('epochs', 0)!.logEndOffset;
    // the returning broker dropped its 4 unreplicated records and now mirrors the new leader exactly
    expect(logEnd(oldLeader)).toBe(logEnd(newLeader));
    expect(logEnd(newLeader)).toBe(2);
    await admin.disconnect();
  });

  it('ElectLeaders UNCLEAN brings an offline partition back on an out-of-sync replica; with no replica alive, ELIGIBLE_LEADERS_NOT_AVAILABLE', async () => {
    // Five brokers, so that two of them dying still leaves a quorum of controller voters.
    t = await startTestCluster({ brokers: 5, config: { replicaLagTimeMaxMs: 200, brokerSessionTimeoutMs: 300, controllerQuorumFetchTimeoutMs: 200 } });
    await topic('offline', 2);
    const { leader, replicas } = partition('offline');
    const follower = replicas.find((r) => r !== leader)!;
    t.cluster.pauseReplication(follower);
    await send('offline', 3);
    await eventually(() => partition('offline').inSyncReplicas.join() === String(leader));
    t.cluster.pauseReplication(follower, false);
    await t.cluster.killBroker(leader);
    await eventually(() => partition('offline').leader === -1);
    const other = t.cluster.brokers().find((b) => !replicas.includes(b.id))!;
    const address = `${other.host}:${other.port}`;
    const elect = () => ask(address, 43, 2, { electionType: 1, topicPartitions: [{ topic: 'offline', partitions: [0] }], timeoutMs: 5000 });
    expect((await elect()).replicaElectionResults[0].partitionResult[0]).toEqual({ partitionId: 0, errorCode: ErrorCode.NONE, errorMessage: null });
    expect(partition('offline')).toMatchObject({ leader: follower, inSyncReplicas: [follower] });
    await t.cluster.killBroker(follower);
    await eventually(() => partition('offline').leader === -1);
    expect((await elect()).replicaElectionResults[0].partitionResult[0]).toMatchObject({ errorCode: ErrorCode.ELIGIBLE_LEADERS_NOT_AVAILABLE });
  });
});
