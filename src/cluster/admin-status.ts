/**
 * ClusterStatus through a kafkajs admin (topics, partitions, ISR, groups, lag), with broker liveness supplied by the
 * caller (the embedded daemon's control port knows which brokers are up even when metadata cannot say yet).
 */
import { AssignerProtocol, Kafka, logLevel } from 'kafkajs';
import type { BackendName, BrokerState, ClusterStatus, GroupStatus, Profile, TopicStatus } from './types.js';

export interface StatusInput {
  backend: BackendName;
  profile: Profile;
  bootstrapServers: string[];
  brokers: BrokerState[];
  controller: number | null;
}

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
    const described = await admin.describeCluster();
    status.clusterId = described.clusterId;
    if (status.controller === null && described.controller !== null) {
      status.controller = described.controller;
      for (const broker of status.brokers) broker.controller = broker.id === described.controller;
    }

    const { topics } = await admin.fetchTopicMetadata();
    const ends = new Map<string, Map<number, { high: string; low: string }>>();
    for (const topic of [...topics].sort((a, b) => a.name.localeCompare(b.name))) {
      const offsets = new Map<number, { high: string; low: string }>();
      try {
        for (const o of await admin.fetchTopicOffsets(topic.name)) offsets.set(o.partition, { high: o.high, low: o.low });
      } catch {
        /* an offline partition: show metadata without offsets */
      }
      ends.set(topic.name, offsets);
      const t: TopicStatus = {
        name: topic.name,
        internal: topic.name.startsWith('__'),
        partitions: [...topic.partitions]
          .sort((a, b) => a.partitionId - b.partitionId)
          .map((p) => {
            const offline = p.leader < 0;
            const entry: TopicStatus['partitions'][number] = {
              partition: p.partitionId,
              leader: p.leader,
              replicas: p.replicas,
              isr: p.isr,
              offlineReplicas: p.offlineReplicas ?? [],
              underReplicated: p.isr.length < p.replicas.length,
              offline,
            };
            const o = offsets.get(p.partitionId);
            if (o) {
              entry.highWatermark = o.high;
              entry.logStartOffset = o.low;
            }
            return entry;
          }),
      };
      status.topics.push(t);
    }

    const { groups } = await admin.listGroups();
    if (groups.length > 0) {
      const described = await admin.describeGroups(groups.map((g) => g.groupId));
      for (const group of [...described.groups].sort((a, b) => a.groupId.localeCompare(b.groupId))) {
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
          for (const t of await admin.fetchOffsets({ groupId: group.groupId })) {
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
        status.groups.push(g);
      }
    }
  } catch (error) {
    status.error = `cannot read the cluster state: ${error instanceof Error ? error.message : String(error)}`;
  } finally {
    await admin.disconnect().catch(() => undefined);
  }
  return status;
}
