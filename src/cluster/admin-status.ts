/**
 * ClusterStatus from the Kafka protocol (topics, partitions, ISR, min.insync.replicas, groups, lag), with broker
 * liveness supplied by the caller (the embedded daemon's control port, the jvm pid files and the containers know which
 * brokers are up even when metadata cannot say yet).
 *
 * Built to survive the moments a class watches: a broker (or the controller) just died and metadata still names it.
 * kafkajs' admin sends a request to any broker it knows, dead ones included, and one refused connection fails the
 * whole call; so metadata and the group list are asked of the live brokers directly, one after another until one
 * answers, and every other part (offsets, configs, each group) is read on its own: what cannot be read this time is
 * named in `unread`, the rest is current.
 */
import { AssignerProtocol, Kafka, logLevel } from 'kafkajs';
import { firstAnswer, requestOnce } from './kafka-requests.js';
import type { BackendName, BrokerState, ClusterStatus, GroupStatus, Profile, TopicStatus, TransactionStatus } from './types.js';
import type {} from './status.js'; // the fields this file fills beyond types.ts (minInsyncReplicas, belowMinIsr, unread)

export interface StatusInput {
  backend: BackendName;
  profile: Profile;
  bootstrapServers: string[];
  brokers: BrokerState[];
  controller: number | null;
}

const REQUEST_TIMEOUT_MS = 5_000;
const TOPIC_RESOURCE = 2;

interface MetadataAnswer {
  clusterId: string | null;
  controllerId: number;
  topics: Array<{
    errorCode: number;
    name: string;
    isInternal: boolean;
    partitions: Array<{ partitionIndex: number; leaderId: number; replicaNodes: number[]; isrNodes: number[]; offlineReplicas: number[] }>;
  }>;
}

const askAny = <T>(addresses: string[], ask: (address: string) => Promise<T>) => firstAnswer(addresses, ask, 'no live broker to ask');

const oneLine = (error: unknown) => (error instanceof Error ? error.message : String(error)).split('\n')[0]!;

export async function buildClusterStatus(input: StatusInput): Promise<ClusterStatus> {
  const status: ClusterStatus = {
    backend: input.backend,
    profile: input.profile,
    clusterId: null,
    controller: input.controller,
    brokers: input.brokers.map((b) => ({ ...b, controller: b.id === input.controller })),
    topics: [],
    groups: [],
  };
  const live = input.brokers.filter((b) => b.up).map((b) => `${b.host}:${b.port}`);
  if (live.length === 0) {
    status.error = 'every broker is down: start one with `yarn broker:start <id>`';
    return status;
  }
  const unread: Record<string, string> = {};

  let metadata: MetadataAnswer;
  try {
    metadata = await askAny(live, (address) => requestOnce(address, 3, 5, { topics: null, allowAutoTopicCreation: false }, REQUEST_TIMEOUT_MS));
  } catch (error) {
    status.error = `cannot read the cluster state: ${oneLine(error)}`;
    return status;
  }
  status.clusterId = metadata.clusterId;
  if (status.controller === null && metadata.controllerId >= 0) {
    status.controller = metadata.controllerId;
    for (const broker of status.brokers) broker.controller = broker.id === metadata.controllerId;
  }

  const kafka = new Kafka({
    clientId: 'kafka-lab-status',
    brokers: live,
    logLevel: logLevel.NOTHING,
    connectionTimeout: 3_000,
    requestTimeout: 10_000,
    retry: { retries: 1 },
  });
  const admin = kafka.admin();
  try {
    await admin.connect();
    const topicNames = metadata.topics.filter((t) => t.errorCode === 0).map((t) => t.name);

    let configs = new Map<string, TopicConfigs>();
    try {
      configs = await topicConfigs(live, topicNames);
    } catch (error) {
      unread['min.insync.replicas'] = oneLine(error);
    }

    const ends = new Map<string, Map<number, { high: string; low: string }>>();
    const noOffsets: string[] = [];
    for (const topic of [...metadata.topics].filter((t) => t.errorCode === 0).sort((a, b) => a.name.localeCompare(b.name))) {
      const offsets = new Map<number, { high: string; low: string }>();
      try {
        for (const o of await admin.fetchTopicOffsets(topic.name)) offsets.set(o.partition, { high: o.high, low: o.low });
      } catch {
        noOffsets.push(topic.name); // a leader that is down: metadata without offsets
      }
      ends.set(topic.name, offsets);
      const min = configs.get(topic.name)?.minInsyncReplicas;
      const policy = configs.get(topic.name)?.cleanupPolicy;
      const t: TopicStatus = {
        name: topic.name,
        internal: topic.isInternal || topic.name.startsWith('__'),
        ...(min !== undefined ? { minInsyncReplicas: min } : {}),
        ...(policy !== undefined ? { cleanupPolicy: policy } : {}),
        partitions: [...topic.partitions]
          .sort((a, b) => a.partitionIndex - b.partitionIndex)
          .map((p) => {
            const entry: TopicStatus['partitions'][number] = {
              partition: p.partitionIndex,
              leader: p.leaderId,
              replicas: p.replicaNodes,
              isr: p.isrNodes,
              offlineReplicas: p.offlineReplicas ?? [],
              underReplicated: p.isrNodes.length < p.replicaNodes.length,
              offline: p.leaderId < 0,
              ...(min !== undefined ? { belowMinIsr: p.isrNodes.length < min } : {}),
            };
            const o = offsets.get(p.partitionIndex);
            if (o) {
              entry.highWatermark = o.high;
              entry.logStartOffset = o.low;
            }
            return entry;
          }),
      };
      status.topics.push(t);
    }
    if (noOffsets.length) unread['end offsets'] = `a leader of ${noOffsets.join(', ')} does not answer`;

    let groupIds: string[] = [];
    try {
      groupIds = await listGroups(live);
    } catch (error) {
      unread.groups = oneLine(error);
    }
    const undescribed: string[] = [];
    for (const groupId of groupIds.sort()) {
      try {
        status.groups.push(await describeGroup(admin, groupId, ends));
      } catch {
        undescribed.push(groupId); // its coordinator is down, not yet moved
      }
    }
    if (undescribed.length) unread.groups = `the coordinator of ${undescribed.join(', ')} does not answer`;
    try {
      status.transactions = await openTransactions(input.brokers.filter((b) => b.up));
    } catch (error) {
      unread.transactions = oneLine(error);
    }
  } catch (error) {
    unread.admin = oneLine(error);
  } finally {
    await admin.disconnect().catch(() => undefined);
  }
  if (Object.keys(unread).length) status.unread = unread;
  return status;
}

interface TopicConfigs {
  minInsyncReplicas?: number;
  cleanupPolicy?: string;
}

/** Each topic's min.insync.replicas and cleanup.policy (its own or the default), from DescribeConfigs v1 to a live broker. */
async function topicConfigs(live: string[], topics: string[]): Promise<Map<string, TopicConfigs>> {
  const found = new Map<string, TopicConfigs>();
  if (topics.length === 0) return found;
  const body = {
    resources: topics.map((name) => ({ resourceType: TOPIC_RESOURCE, resourceName: name, configurationKeys: ['min.insync.replicas', 'cleanup.policy'] })),
    includeSynonyms: false,
  };
  const answer = (await askAny(live, (address) => requestOnce(address, 32, 1, body, REQUEST_TIMEOUT_MS))) as {
    results: Array<{ errorCode: number; resourceName: string; configs: Array<{ name: string; value: string | null }> }>;
  };
  for (const r of answer.results) {
    if (r.errorCode !== 0) continue;
    const value = Number(r.configs.find((c) => c.name === 'min.insync.replicas')?.value);
    const policy = r.configs.find((c) => c.name === 'cleanup.policy')?.value;
    found.set(r.resourceName, {
      ...(Number.isInteger(value) ? { minInsyncReplicas: value } : {}),
      ...(typeof policy === 'string' ? { cleanupPolicy: policy } : {}),
    });
  }
  return found;
}

/** Every group any live broker coordinates (ListGroups asks one broker about its own groups only). */
async function listGroups(live: string[]): Promise<string[]> {
  const ids = new Set<string>();
  let answered = 0;
  let last: unknown;
  for (const address of live) {
    try {
      const answer = (await requestOnce(address, 16, 2, {}, REQUEST_TIMEOUT_MS)) as { errorCode: number; groups: Array<{ groupId: string; protocolType: string }> };
      answered++;
      for (const g of answer.groups) ids.add(g.groupId);
    } catch (error) {
      last = error; // a broker that died after the liveness check
    }
  }
  if (answered === 0) throw last ?? new Error('no broker answered ListGroups');
  return [...ids];
}

const UNDECIDED = ['Ongoing', 'PrepareCommit', 'PrepareAbort'];

/**
 * The transactions every live broker coordinates that are open or being decided: ListTransactions (each broker
 * answers for its own ids), then DescribeTransactions at the same broker. A broker without these APIs adds nothing.
 */
async function openTransactions(live: BrokerState[]): Promise<TransactionStatus[]> {
  const found: TransactionStatus[] = [];
  const now = Date.now();
  for (const broker of live) {
    const address = `${broker.host}:${broker.port}`;
    let listed: { errorCode: number; transactionStates: Array<{ transactionalId: string }> };
    try {
      listed = await requestOnce(address, 66, 0, { stateFilters: UNDECIDED, producerIdFilters: [] }, REQUEST_TIMEOUT_MS);
    } catch {
      continue; // it died after the liveness check, or does not offer ListTransactions
    }
    const ids = listed.transactionStates.map((t) => t.transactionalId);
    if (listed.errorCode !== 0 || ids.length === 0) continue;
    const described = (await requestOnce(address, 65, 0, { transactionalIds: ids }, REQUEST_TIMEOUT_MS)) as {
      transactionStates: Array<{
        errorCode: number; transactionalId: string; transactionState: string; transactionTimeoutMs: number;
        transactionStartTimeMs: number; producerId: number; producerEpoch: number; topics: Array<{ topic: string; partitions: number[] }>;
      }>;
    };
    for (const t of described.transactionStates) {
      if (t.errorCode !== 0) continue;
      found.push({
        transactionalId: t.transactionalId,
        state: t.transactionState,
        producerId: Number(t.producerId),
        producerEpoch: t.producerEpoch,
        coordinator: broker.id,
        openForMs: t.transactionStartTimeMs >= 0 ? now - Number(t.transactionStartTimeMs) : -1,
        timeoutMs: t.transactionTimeoutMs,
        partitions: t.topics.map((p) => ({ topic: p.topic, partitions: [...p.partitions].sort((a, b) => a - b) })),
      });
    }
  }
  return found.sort((a, b) => a.transactionalId.localeCompare(b.transactionalId));
}

async function describeGroup(
  admin: ReturnType<Kafka['admin']>,
  groupId: string,
  ends: Map<string, Map<number, { high: string; low: string }>>,
): Promise<GroupStatus> {
  const described = await admin.describeGroups([groupId]);
  const group = described.groups[0]!;
  const g: GroupStatus = {
    groupId: group.groupId,
    state: group.state,
    protocol: group.protocol,
    members: group.members.map((m) => {
      let assignment: Array<{ topic: string; partitions: number[] }> = [];
      try {
        const decoded = m.memberAssignment.length ? AssignerProtocol.MemberAssignment.decode(m.memberAssignment) : null;
        if (decoded) assignment = Object.entries(decoded.assignment).map(([topic, partitions]) => ({ topic, partitions }));
      } catch {
        /* a non-consumer protocol: no assignment to show */
      }
      return { memberId: m.memberId, clientId: m.clientId, host: m.clientHost, assignment };
    }),
    lag: [],
    totalLag: '0',
  };
  let total = 0n;
  try {
    for (const t of await admin.fetchOffsets({ groupId })) {
      for (const p of t.partitions) {
        if (p.offset === '-1') continue;
        const end = ends.get(t.topic)?.get(p.partition)?.high;
        if (end === undefined) continue;
        const lag = BigInt(end) - BigInt(p.offset);
        const positive = lag > 0n ? lag : 0n;
        total += positive;
        g.lag.push({ topic: t.topic, partition: p.partition, committed: p.offset, end, lag: positive.toString() });
      }
    }
  } catch {
    /* offsets unavailable right now */
  }
  g.totalLag = total.toString();
  return g;
}
