import type { BrokerConfig } from '../config.js';
import { ErrorCode } from '../protocol/errors.js';
import { type ClusterMetadata, type PartitionState, type TopicState, newTopicId } from './metadata.js';
import { invalidTopicConfig, invalidTopicName, topicConfigValue } from './topic-configs.js';

export interface Endpoint {
  host: string;
  port: number;
}

export interface BrokerRegistration {
  id: number;
  /** Advertised address per listener name; the first one is the default. */
  endpoints: Record<string, Endpoint>;
  /** A fenced broker is out of the cluster: not in metadata, not in any ISR, leads nothing. */
  fenced: boolean;
}

export type ControllerEvent =
  | { kind: 'partition'; partition: PartitionState }
  | { kind: 'topic-created'; topic: TopicState }
  | { kind: 'topic-deleted'; topic: TopicState }
  | { kind: 'topic-configs'; topic: TopicState }
  | { kind: 'broker'; broker: BrokerRegistration };

/**
 * The most partitions one CreateTopics / CreatePartitions request may create (Kafka's KRaft controller bounds a
 * request the same way, MAX_PARTITIONS_PER_BATCH = 10 000). Without it one request asking for 2^31-1 partitions made
 * the broker build the assignment in a loop until the process ran out of memory (found by test/fuzz).
 */
export const MAX_PARTITIONS_PER_REQUEST = 10_000;
const TOO_MANY_PARTITIONS = `Excessively large number of partitions per request (at most ${MAX_PARTITIONS_PER_REQUEST}).`;

export class TopicError extends Error {
  constructor(
    readonly code: number,
    message: string,
  ) {
    super(message);
  }
}

/**
 * The controller's decisions: broker registration and fencing, leader election from the ISR, ISR changes,
 * topic creation and deletion. It only changes metadata and announces what changed; brokers act on the events.
 */
export class Controller {
  readonly registrations = new Map<number, BrokerRegistration>();
  activeControllerId: number | null = null;
  private readonly listeners: Array<(event: ControllerEvent) => void> = [];
  private topicsCreated = 0;

  constructor(
    readonly metadata: ClusterMetadata,
    readonly config: BrokerConfig,
  ) {
    this.topicsCreated = metadata.topics.size;
  }

  onChange(listener: (event: ControllerEvent) => void): void {
    this.listeners.push(listener);
  }

  private emit(event: ControllerEvent): void {
    for (const listener of this.listeners) listener(event);
  }

  liveBrokerIds(): number[] {
    return [...this.registrations.values()]
      .filter((b) => !b.fenced)
      .map((b) => b.id)
      .sort((a, b) => a - b);
  }

  /** Where a client that came in through `listenerName` reaches broker `id`. */
  endpointFor(id: number, listenerName: string): Endpoint | undefined {
    const endpoints = this.registrations.get(id)?.endpoints;
    if (!endpoints) return undefined;
    return endpoints[listenerName] ?? Object.values(endpoints)[0];
  }

  isLive(id: number): boolean {
    const registration = this.registrations.get(id);
    return registration !== undefined && !registration.fenced;
  }

  /** A broker (re)joins: a restart after a kill is fenced first, as KRaft fences the old incarnation. */
  registerBroker(id: number, endpoints: Record<string, Endpoint>): void {
    const previous = this.registrations.get(id);
    if (previous && !previous.fenced) this.fenceBroker(id);
    const registration = { id, endpoints, fenced: false };
    this.registrations.set(id, registration);
    this.electController();
    this.emit({ kind: 'broker', broker: registration });
    // Offline partitions whose last in-sync replica just came back get their leader again.
    for (const p of this.metadata.allPartitions()) {
      if (p.leader === -1 && p.replicas.includes(id)) this.electLeader(p);
    }
    this.metadata.save();
  }

  /** The broker is out: it leaves every ISR, and partitions it led elect a new leader from the ISR. */
  fenceBroker(id: number): void {
    const registration = this.registrations.get(id);
    if (!registration || registration.fenced) return;
    registration.fenced = true;
    for (const p of this.metadata.allPartitions()) {
      if (!p.replicas.includes(id)) continue;
      if (p.leader === id) {
        this.electLeader(p, id);
      } else if (p.inSyncReplicas.includes(id) && p.inSyncReplicas.length > 1) {
        this.changePartition(p, { inSyncReplicas: p.inSyncReplicas.filter((r) => r !== id) });
      }
    }
    this.electController();
    this.emit({ kind: 'broker', broker: registration });
    this.metadata.save();
  }

  private electController(): void {
    const live = this.liveBrokerIds();
    if (this.activeControllerId !== null && live.includes(this.activeControllerId)) return;
    this.activeControllerId = live[0] ?? null;
  }

  /**
   * Picks a leader from the live in-sync replicas, preferred order first. With none left, the partition goes offline
   * and keeps the last leader in its ISR (so that broker leads again when it returns), unless unclean election is on.
   */
  electLeader(p: PartitionState, leaving?: number): void {
    const candidates = p.replicas.filter((r) => r !== leaving && this.isLive(r));
    const inSync = candidates.filter((r) => p.inSyncReplicas.includes(r));
    const topic = this.metadata.topics.get(p.topic)!;
    const unclean = topicConfigValue(topic.configs, 'unclean.leader.election.enable', this.config) === 'true';
    let leader = -1;
    let isr = p.inSyncReplicas; // offline: the last in-sync replicas stay, to lead again when they return
    if (inSync.length > 0) {
      leader = inSync[0]!;
      isr = p.inSyncReplicas.filter((r) => r !== leaving);
    } else if (unclean && candidates.length > 0) {
      leader = candidates[0]!;
      isr = [leader];
    }
    if (leader === p.leader && sameMembers(isr, p.inSyncReplicas)) return;
    this.changePartition(p, { leader, inSyncReplicas: isr });
  }

  /** Moves leadership back to the preferred replica (the first one) where it is alive and in sync. */
  electPreferredLeaders(): number {
    let moved = 0;
    for (const p of this.metadata.allPartitions()) {
      const preferred = p.replicas[0]!;
      if (p.leader !== preferred && this.isLive(preferred) && p.inSyncReplicas.includes(preferred)) {
        this.changePartition(p, { leader: preferred });
        moved++;
      }
    }
    if (moved > 0) this.metadata.save();
    return moved;
  }

  /** The leader asks to shrink or expand the ISR (Kafka's AlterPartition). */
  alterInSyncReplicas(p: PartitionState, inSyncReplicas: number[]): void {
    // A fenced broker (dead, or in controlled shutdown) cannot join an ISR, as in Kafka's AlterPartition.
    const eligible = inSyncReplicas.filter((r) => p.replicas.includes(r) && (this.isLive(r) || p.inSyncReplicas.includes(r)));
    if (sameMembers(eligible, p.inSyncReplicas)) return;
    this.changePartition(p, { inSyncReplicas: eligible });
    this.metadata.save();
  }

  private changePartition(p: PartitionState, change: { leader?: number; inSyncReplicas?: number[] }): void {
    if (change.leader !== undefined && change.leader !== p.leader) {
      p.leader = change.leader;
      p.leaderEpoch++;
    }
    if (change.inSyncReplicas) p.inSyncReplicas = [...change.inSyncReplicas];
    p.partitionEpoch++;
    this.emit({ kind: 'partition', partition: p });
  }

  allocateProducerId(): number {
    const id = this.metadata.nextProducerId++;
    this.metadata.save();
    return id;
  }

  /** Validates like Kafka's CreateTopics; throws TopicError with Kafka's error code. */
  validateNewTopic(
    name: string,
    numPartitions: number,
    replicationFactor: number,
    assignments: Array<{ partitionIndex: number; brokerIds: number[] }>,
    configs: Array<{ name: string; value: string | null }>,
  ): { replicas: number[][]; configs: Record<string, string> } {
    const nameProblem = invalidTopicName(name);
    if (nameProblem) throw new TopicError(ErrorCode.INVALID_TOPIC_EXCEPTION, nameProblem);
    if (this.metadata.topics.has(name)) throw new TopicError(ErrorCode.TOPIC_ALREADY_EXISTS, `Topic '${name}' already exists.`);
    const collides = [...this.metadata.topics.keys()].find((t) => t !== name && t.replace(/\./g, '_') === name.replace(/\./g, '_'));
    if (collides) {
      throw new TopicError(ErrorCode.INVALID_TOPIC_EXCEPTION, `Topic '${name}' collides with existing topic: ${collides}`);
    }
    const topicConfigs: Record<string, string> = {};
    for (const { name: key, value } of configs) {
      const problem = invalidTopicConfig(key, value);
      if (problem) throw new TopicError(ErrorCode.INVALID_CONFIG, problem);
      if (value !== null) topicConfigs[key] = value;
    }
    const live = this.liveBrokerIds();
    if (assignments.length > 0) {
      if (assignments.length > MAX_PARTITIONS_PER_REQUEST) throw new TopicError(ErrorCode.INVALID_PARTITIONS, TOO_MANY_PARTITIONS);
      if (numPartitions !== -1 || replicationFactor !== -1) {
        throw new TopicError(ErrorCode.INVALID_REQUEST, 'Both numPartitions or replicationFactor and replicasAssignments were set.');
      }
      const replicas: number[][] = [];
      for (const a of [...assignments].sort((x, y) => x.partitionIndex - y.partitionIndex)) {
        if (a.partitionIndex !== replicas.length) {
          throw new TopicError(ErrorCode.INVALID_REPLICA_ASSIGNMENT, 'Partitions should be numbered 0 to N-1 without gaps.');
        }
        if (new Set(a.brokerIds).size !== a.brokerIds.length || a.brokerIds.length === 0) {
          throw new TopicError(ErrorCode.INVALID_REPLICA_ASSIGNMENT, `Duplicate or empty replica assignment for partition ${a.partitionIndex}.`);
        }
        const unknown = a.brokerIds.find((b) => !this.registrations.has(b));
        if (unknown !== undefined) throw new TopicError(ErrorCode.INVALID_REPLICA_ASSIGNMENT, `Unknown broker ${unknown} in assignment.`);
        replicas.push(a.brokerIds);
      }
      return { replicas, configs: topicConfigs };
    }
    const partitions = numPartitions === -1 ? this.config.numPartitions : numPartitions;
    const rf = replicationFactor === -1 ? this.config.defaultReplicationFactor : replicationFactor;
    if (partitions <= 0) throw new TopicError(ErrorCode.INVALID_PARTITIONS, 'Number of partitions must be larger than 0.');
    if (partitions > MAX_PARTITIONS_PER_REQUEST) throw new TopicError(ErrorCode.INVALID_PARTITIONS, TOO_MANY_PARTITIONS);
    if (rf <= 0) throw new TopicError(ErrorCode.INVALID_REPLICATION_FACTOR, 'Replication factor must be larger than 0.');
    if (rf > live.length) {
      throw new TopicError(
        ErrorCode.INVALID_REPLICATION_FACTOR,
        `Unable to replicate the partition ${rf} time(s): The target replication factor of ${rf} cannot be reached because only ${live.length} broker(s) are registered.`,
      );
    }
    const minIsr = Number(topicConfigValue(topicConfigs, 'min.insync.replicas', this.config));
    if (minIsr > rf && topicConfigs['min.insync.replicas'] !== undefined) {
      throw new TopicError(ErrorCode.INVALID_CONFIG, `min.insync.replicas (${minIsr}) is larger than the replication factor (${rf}).`);
    }
    return { replicas: this.assignReplicas(partitions, rf, 0), configs: topicConfigs };
  }

  /** Round-robin placement, like Kafka's: leaders spread over brokers, followers on the next brokers. */
  private assignReplicas(count: number, rf: number, firstPartition: number): number[][] {
    const live = this.liveBrokerIds();
    const start = this.topicsCreated % live.length;
    const replicas: number[][] = [];
    for (let p = firstPartition; p < firstPartition + count; p++) {
      const shift = Math.floor(p / live.length) % Math.max(1, live.length - 1);
      const leaderIndex = (start + p) % live.length;
      const set = [live[leaderIndex]!];
      for (let i = 1; i < rf; i++) set.push(live[(leaderIndex + i + shift) % live.length]!);
      // keep distinct even when shift wraps
      replicas.push(distinctFill(set, live, rf));
    }
    return replicas;
  }

  createTopic(name: string, replicas: number[][], configs: Record<string, string>, internal = false): TopicState {
    const topic: TopicState = {
      name,
      topicId: newTopicId(),
      internal,
      configs,
      partitions: replicas.map((set, partition) => this.newPartition(name, partition, set)),
    };
    this.metadata.topics.set(name, topic);
    this.topicsCreated++;
    this.metadata.save();
    this.emit({ kind: 'topic-created', topic });
    return topic;
  }

  private newPartition(topic: string, partition: number, replicas: number[]): PartitionState {
    const live = replicas.filter((r) => this.isLive(r));
    return {
      topic,
      partition,
      replicas,
      inSyncReplicas: live.length > 0 ? live : [...replicas],
      leader: live[0] ?? -1,
      leaderEpoch: 0,
      partitionEpoch: 0,
    };
  }

  deleteTopic(name: string): void {
    const topic = this.metadata.topics.get(name);
    if (!topic) return;
    this.metadata.topics.delete(name);
    this.metadata.save();
    this.emit({ kind: 'topic-deleted', topic });
  }

  /** CreatePartitions: grows a topic to `count` partitions. */
  addPartitions(name: string, count: number, assignments: number[][] | null, validateOnly: boolean): void {
    const topic = this.metadata.topics.get(name);
    if (!topic) throw new TopicError(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, `Topic '${name}' does not exist.`);
    const current = topic.partitions.length;
    if (count <= current) {
      throw new TopicError(
        ErrorCode.INVALID_PARTITIONS,
        `Topic currently has ${current} partitions, which is higher than the requested ${count}.`,
      );
    }
    if (count - current > MAX_PARTITIONS_PER_REQUEST) throw new TopicError(ErrorCode.INVALID_PARTITIONS, TOO_MANY_PARTITIONS);
    const rf = topic.partitions[0]!.replicas.length;
    const live = this.liveBrokerIds();
    if (rf > live.length) {
      throw new TopicError(ErrorCode.INVALID_REPLICATION_FACTOR, `Replication factor ${rf} is larger than the ${live.length} live brokers.`);
    }
    let sets = assignments ?? this.assignReplicas(count - current, rf, current);
    if (assignments && assignments.length !== count - current) {
      throw new TopicError(ErrorCode.INVALID_REPLICA_ASSIGNMENT, `Expected ${count - current} assignments, got ${assignments.length}.`);
    }
    for (const set of sets) {
      if (set.length !== rf || set.some((b) => !this.registrations.has(b))) {
        throw new TopicError(ErrorCode.INVALID_REPLICA_ASSIGNMENT, 'Invalid replica assignment.');
      }
    }
    if (validateOnly) return;
    sets = sets.map((s) => [...s]);
    for (const set of sets) {
      const partition = this.newPartition(name, topic.partitions.length, set);
      topic.partitions.push(partition);
    }
    this.metadata.save();
    this.emit({ kind: 'topic-created', topic });
  }

  setTopicConfigs(name: string, configs: Record<string, string>): void {
    const topic = this.metadata.topics.get(name);
    if (!topic) return;
    topic.configs = configs;
    this.metadata.save();
    this.emit({ kind: 'topic-configs', topic });
  }
}

function sameMembers(a: number[], b: number[]): boolean {
  return a.length === b.length && a.every((x) => b.includes(x));
}

function distinctFill(set: number[], live: number[], rf: number): number[] {
  const out: number[] = [];
  for (const b of set) if (!out.includes(b)) out.push(b);
  for (const b of live) if (out.length < rf && !out.includes(b)) out.push(b);
  return out;
}
