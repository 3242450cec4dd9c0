/** Exact protocol answers, sent with the kit's codec: a Fetch's wait, the controller as clients see it, ApiVersions. */
import { Kafka, logLevel } from 'kafkajs';
import { errorName, timedRequest } from '../drivers/raw.js';
import type { Scenario, ScenarioContext } from '../types.js';

const addressOf = (ctx: ScenarioContext, id: number) => ctx.bootstrap[id - 1]!;

async function fetchV4(ctx: ScenarioContext, broker: number, topic: string, offset: number, minBytes: number, maxWaitMs: number) {
  const answer = await timedRequest(addressOf(ctx, broker), 1, 4, {
    replicaId: -1, maxWaitMs, minBytes, maxBytes: 1 << 20, isolationLevel: 0,
    topics: [{ topic, partitions: [{ partition: 0, fetchOffset: offset, partitionMaxBytes: 1 << 20 }] }],
  }, maxWaitMs + 20_000);
  const p = answer.body?.responses?.[0]?.partitions?.[0];
  return { answer: answer.failure ?? { error: errorName(p.errorCode), highWatermark: Number(p.highWatermark), bytes: p.records?.length ?? 0 }, took: ctx.timing(answer.ms, Math.max(400, maxWaitMs / 3)) };
}

export const fetchWaits: Scenario = {
  name: 'fetch-wait',
  title: 'Fetch: minBytes=0 answers at once, minBytes=1 waits maxWaitMs, a follower answers NOT_LEADER_OR_FOLLOWER at once',
  level: 'must-match',
  quick: true,
  clients: ['raw'],
  needs: [],
  async run(ctx) {
    const topic = ctx.topic();
    await ctx.admin.createTopic(topic, { partitions: 1, replicationFactor: 3 });
    const { leader, replicas } = await ctx.admin.partition(topic);
    const follower = replicas.find((r) => r !== leader)!;
    ctx.observe('empty partition, minBytes=0, maxWaitMs=3000', await fetchV4(ctx, leader, topic, 0, 0, 3000));
    ctx.observe('empty partition, minBytes=1, maxWaitMs=3000', await fetchV4(ctx, leader, topic, 0, 1, 3000));
    ctx.observe('to a follower, minBytes=1, maxWaitMs=3000', await fetchV4(ctx, follower, topic, 0, 1, 3000));
    const kafka = new Kafka({ brokers: ctx.bootstrap, logLevel: logLevel.NOTHING });
    const producer = kafka.producer();
    await producer.connect();
    await producer.send({ topic, acks: -1, messages: [{ value: 'x', partition: 0 }] });
    await producer.disconnect();
    ctx.observe('a record there, minBytes=1, maxWaitMs=3000', await fetchV4(ctx, leader, topic, 0, 1, 3000));
    ctx.observe('offset past the end (2), minBytes=1', await fetchV4(ctx, leader, topic, 2, 1, 3000));
    // one partition the broker leads (empty: it would wait) and one it does not lead: the error ends the wait
    const two = ctx.topic('two');
    await ctx.admin.createTopic(two, { partitions: 3, replicationFactor: 3 });
    const states = await Promise.all([0, 1, 2].map((p) => ctx.admin.partition(two, p)));
    const broker = states[0]!.leader;
    const notLed = states.findIndex((s) => s.leader !== broker);
    if (notLed < 0) return ctx.observe('a led and a not-led partition in one Fetch', '(every partition has the same leader: not measured)');
    const answer = await timedRequest(addressOf(ctx, broker), 1, 4, {
      replicaId: -1, maxWaitMs: 3000, minBytes: 1, maxBytes: 1 << 20, isolationLevel: 0,
      topics: [{ topic: two, partitions: [0, notLed].map((partition) => ({ partition, fetchOffset: 0, partitionMaxBytes: 1 << 20 })) }],
    }, 30_000);
    const errors = answer.body?.responses?.[0]?.partitions?.map((p: { errorCode: number }) => errorName(p.errorCode));
    ctx.observe('a led (empty) and a not-led partition in one Fetch, minBytes=1, maxWaitMs=3000', { answer: answer.failure ?? errors, took: ctx.timing(answer.ms, 1000) });
  },
};

export const controllerAsSeen: Scenario = {
  name: 'controller-id',
  title: "Metadata controllerId and DescribeCluster: a random live broker in KRaft, not the active controller",
  level: 'must-match',
  quick: true,
  clients: ['raw'],
  needs: [],
  async run(ctx) {
    const seen: number[] = [];
    for (let i = 0; i < 12; i++) {
      const answer = await timedRequest(ctx.bootstrap[i % 3]!, 3, 4, { topics: [], allowAutoTopicCreation: false });
      seen.push(answer.body?.controllerId ?? -99);
    }
    ctx.observe('Metadata v4 ×12: every controllerId is a broker', seen.every((id) => id >= 1 && id <= 3));
    ctx.observe('Metadata v4 ×12: the controllerId varies', new Set(seen).size > 1);
    const cluster = await timedRequest(ctx.bootstrap[0]!, 60, 0, { includeClusterAuthorizedOperations: false });
    const body = cluster.body;
    ctx.observe('DescribeCluster v0', cluster.failure ?? { error: errorName(body.errorCode), brokers: body.brokers.map((b: { brokerId: number }) => b.brokerId).sort(), controllerIsBroker: body.controllerId >= 1 && body.controllerId <= 3 });
    const quorum = await timedRequest(ctx.bootstrap[0]!, 55, 0, { topics: [{ topicName: '__cluster_metadata', partitions: [{ partitionIndex: 0 }] }] });
    const q = quorum.body?.topics?.[0]?.partitions?.[0];
    ctx.observe('DescribeQuorum v0', quorum.failure ?? { error: errorName(q.errorCode), leaderIsVoter: [1, 2, 3].includes(q.leaderId), voters: q.currentVoters.map((v: { replicaId: number }) => v.replicaId).sort() });
  },
};

/** A few API names, for reading the table; the rest are shown by key. */
const API_NAMES: Record<number, string> = {
  0: 'Produce', 1: 'Fetch', 2: 'ListOffsets', 3: 'Metadata', 8: 'OffsetCommit', 9: 'OffsetFetch', 10: 'FindCoordinator', 11: 'JoinGroup',
  12: 'Heartbeat', 13: 'LeaveGroup', 14: 'SyncGroup', 15: 'DescribeGroups', 16: 'ListGroups', 17: 'SaslHandshake', 18: 'ApiVersions',
  19: 'CreateTopics', 20: 'DeleteTopics', 21: 'DeleteRecords', 22: 'InitProducerId', 23: 'OffsetForLeaderEpoch', 24: 'AddPartitionsToTxn',
  25: 'AddOffsetsToTxn', 26: 'EndTxn', 27: 'WriteTxnMarkers', 28: 'TxnOffsetCommit', 29: 'DescribeAcls', 30: 'CreateAcls', 31: 'DeleteAcls',
  32: 'DescribeConfigs', 33: 'AlterConfigs', 34: 'AlterReplicaLogDirs', 35: 'DescribeLogDirs', 36: 'SaslAuthenticate', 37: 'CreatePartitions',
  38: 'CreateDelegationToken', 39: 'RenewDelegationToken', 40: 'ExpireDelegationToken', 41: 'DescribeDelegationToken', 42: 'DeleteGroups',
  43: 'ElectLeaders', 44: 'IncrementalAlterConfigs', 45: 'AlterPartitionReassignments', 46: 'ListPartitionReassignments', 47: 'OffsetDelete',
  48: 'DescribeClientQuotas', 49: 'AlterClientQuotas', 50: 'DescribeUserScramCredentials', 51: 'AlterUserScramCredentials', 55: 'DescribeQuorum',
  57: 'UpdateFeatures', 60: 'DescribeCluster', 61: 'DescribeProducers', 64: 'UnregisterBroker', 65: 'DescribeTransactions',
  66: 'ListTransactions', 68: 'ConsumerGroupHeartbeat', 69: 'ConsumerGroupDescribe', 71: 'GetTelemetrySubscriptions', 72: 'PushTelemetry',
  74: 'ListConfigResources', 75: 'DescribeTopicPartitions', 76: 'ShareGroupHeartbeat', 77: 'ShareGroupDescribe', 78: 'ShareFetch',
  79: 'ShareAcknowledge', 80: 'AddRaftVoter', 81: 'RemoveRaftVoter', 83: 'InitializeShareGroupState', 84: 'ReadShareGroupState',
  85: 'WriteShareGroupState', 86: 'DeleteShareGroupState', 87: 'ReadShareGroupStateSummary', 90: 'DescribeShareGroupOffsets',
  91: 'AlterShareGroupOffsets', 92: 'DeleteShareGroupOffsets', 93: 'StreamsGroupHeartbeat', 94: 'StreamsGroupDescribe',
};

export const apiVersions: Scenario = {
  name: 'api-versions',
  title: 'ApiVersions: which APIs and version ranges each cluster offers (what clients can negotiate)',
  level: 'informational',
  quick: true,
  clients: ['raw'],
  needs: [],
  async run(ctx) {
    const answer = await timedRequest(ctx.bootstrap[0]!, 18, 0, {});
    if (answer.failure) return ctx.observe('ApiVersions v0', answer.failure);
    for (const k of answer.body.apiKeys as Array<{ apiKey: number; minVersion: number; maxVersion: number }>) {
      ctx.observe(`${k.apiKey} ${API_NAMES[k.apiKey] ?? ''}`.trim(), `${k.minVersion}–${k.maxVersion}`);
    }
  },
};
