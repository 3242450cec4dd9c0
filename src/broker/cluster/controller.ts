import type { BrokerConfig } from '../config.js';
import { ErrorCode } from '../protocol/errors.js';
import { type ClusterMetadata, type PartitionState, type TopicState, newTopicId } from './metadata.js';
import { ControllerQuorum } from './quorum.js';
import { invalidTopicConfig, invalidTopicName, normalizeTopicConfig, topicConfigValue } from './topic-configs.js';

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
  | { kind: 'broker'; broker: BrokerRegistration }
  | { kind: 'controller'; leader: number; epoch: number }
  | { kind: 'producer-ids'; brokerId: number; first: number; size: number };

/** Kafka's election types (ElectLeaders): the preferred replica, or any live replica when no in-sync one is left. */
export const ElectionType = { PREFERRED: 0, UNCLEAN: 1 } as const;

export interface ElectionResult {
  partitionId: number;
  errorCode: number;
  errorMessage: string | null;
}

/** How many producer ids a broker gets from the controller at a time (Kafka's ProducerIdsBlock size). */
export const PRODUCER_ID_BLOCK_SIZE = 1000;

/**
 * The most partitions one CreateTopics / CreatePartitions request may create (Kafka's KRaft controller bounds a
 * request the same way, MAX_PARTITIONS_PER_BATCH = 10 000). Without it one request asking for 2^31-1 partitions made
 * the broker build the assignment in a loop until the process ran out of memory (found by test/fuzz).
 */
export const MAX_PARTITIONS_PER_REQUEST = 10_000;
const TOO_MANY_PARTITIONS = `Excessively large number of partitions per request (at most ${MAX_PARTITIONS_PER_REQUEST}).`;
const NO_CONTROLLER = 'There is no active controller: the controller quorum has no majority of its voters running.';

export class TopicError extends Error {
  constructor(
    readonly code: number,
    message: string,
  ) {
    super(message);
  }
}

/**
 * The controller's decisions: broker registration and fencing, leader election from the ISR, ISR changes, topic
 * creation and deletion, producer id blocks. They are made only while the KRaft quorum has an active controller
 * (`quorum`): without one, nothing in the metadata changes, as in Kafka. Every change is a record appended to the
 * controller's log and delivered to the listeners in order; a listener that causes another change gets it delivered
 * after the current one, never from inside it.
 */
export class Controller {
  readonly registrations = new Map<number, BrokerRegistration>();
  readonly quorum: ControllerQuorum;
  private readonly listeners: Array<(event: ControllerEvent) => void> = [];
  private readonly undelivered: ControllerEvent[] = [];
  private delivering = false;
  /** Brokers whose process runs but which could not register yet (no active controller). */
  private readonly pendingRegistrations = new Map<number, Record<string, Endpoint>>();
  /** The active controller's view of broker heartbeats: a silent broker is fenced when its timer fires. */
  private readonly sessionTimers = new Map<number, NodeJS.Timeout>();
  private readonly availabilityWaiters = new Set<(active: boolean) => void>();
  private topicsCreated = 0;

  constructor(
    readonly metadata: ClusterMetadata,
    readonly config: BrokerConfig,
    voters: readonly number[],
    private readonly log: (message: string) => void = () => {},
  ) {
    this.topicsCreated = metadata.topics.size;
    this.quorum = new ControllerQuorum(voters, config.controllerQuorumFetchTimeoutMs, () => metadata.metadataOffset, (leader, previous) =>
      this.onLeaderChange(leader, previous),
    );
  }

  onChange(listener: (event: ControllerEvent) => void): void {
    this.listeners.push(listener);
  }

  private append(event: ControllerEvent): void {
    this.metadata.metadataOffset++;
    this.undelivered.push(event);
    if (this.delivering) return;
    this.delivering = true;
    try {
      for (let next = this.undelivered.shift(); next; next = this.undelivered.shift()) {
        for (const listener of this.listeners) {
          try {
            listener(next);
          } catch (error) {
            this.log(`controller: a listener failed on a ${next.kind} record: ${(error as Error).message}`);
          }
        }
      }
    } finally {
      this.delivering = false;
    }
  }

  /** The active controller (the quorum's leader), or null while there is none. */
  get activeControllerId(): number | null {
    return this.quorum.leaderId;
  }

  /** True while there is an active controller, so metadata can change. */
  get active(): boolean {
    return this.quorum.leaderId !== null;
  }

  /**
   * Resolves true as soon as there is an active controller, or false after `timeoutMs`: how a broker holds a request
   * it must forward to the controller.
   */
  whenActive(timeoutMs: number): Promise<boolean> {
    if (this.active) return Promise.resolve(true);
    return new Promise((resolve) => {
      const done = (value: boolean) => {
        clearTimeout(timer);
        this.availabilityWaiters.delete(done);
        resolve(value);
      };
      const timer = setTimeout(() => done(false), timeoutMs);
      timer.unref();
      this.availabilityWaiters.add(done);
    });
  }

  private requireActive(): void {
    if (!this.active) throw new TopicError(ErrorCode.REQUEST_TIMED_OUT, NO_CONTROLLER);
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

  /** Registered and not fenced: what the controller (and so Metadata) counts as alive, whether or not it runs. */
  isLive(id: number): boolean {
    const registration = this.registrations.get(id);
    return registration !== undefined && !registration.fenced;
  }

  /** A broker serves clients once its current process has registered with an active controller. */
  isServing(id: number): boolean {
    return this.quorum.isRunning(id) && !this.pendingRegistrations.has(id) && this.isLive(id);
  }

  // ---------------------------------------------------------------------------------------------- broker lifecycle

  /** A broker's process is up: it votes at once, and registers as soon as there is an active controller. */
  brokerStarted(id: number, endpoints: Record<string, Endpoint>): void {
    this.clearSessionTimer(id);
    this.pendingRegistrations.set(id, endpoints);
    this.quorum.started(id);
    if (this.active) this.registerPending();
    else this.log(`broker ${id} waits for an active controller to register (no quorum: ${this.runningVoters()} of ${this.quorum.voters.length} voters run)`);
  }

  /**
   * A broker's process is gone. Killed, it stays registered and in every ISR until the active controller misses its
   * heartbeats for brokerSessionTimeoutMs; stopped, it already went through `controlledShutdown`.
   */
  brokerStopped(id: number, graceful: boolean): void {
    this.pendingRegistrations.delete(id);
    const wasActive = this.quorum.leaderId === id;
    this.quorum.stopped(id, graceful);
    if (!graceful && this.active && !wasActive) this.startSessionTimer(id);
  }

  /**
   * A graceful stop asks the controller first: leadership moves and the broker leaves every ISR. Without an active
   * controller nothing can be handed over, and the broker just stops. Returns whether the controller did it.
   */
  controlledShutdown(id: number): boolean {
    if (!this.active) return false;
    this.clearSessionTimer(id);
    this.fenceBroker(id);
    return true;
  }

  private onLeaderChange(leader: number | null, previous: number | null): void {
    for (const timer of this.sessionTimers.values()) clearTimeout(timer);
    this.sessionTimers.clear();
    if (leader === null) {
      if (this.quorum.electing) this.log(`controller: broker ${previous} is gone; the other voters elect a new one`);
      else this.log(`controller: no quorum (${this.runningVoters()} of ${this.quorum.voters.length} voters run): no active controller, metadata frozen`);
      return;
    }
    this.log(`controller: broker ${leader} is the active controller (epoch ${this.quorum.epoch})`);
    this.append({ kind: 'controller', leader, epoch: this.quorum.epoch });
    // A new controller knows no heartbeats yet: every registered broker gets a fresh session.
    for (const registration of this.registrations.values()) {
      if (!registration.fenced && !this.quorum.isRunning(registration.id)) this.startSessionTimer(registration.id);
    }
    this.registerPending();
    this.metadata.save();
    for (const wake of [...this.availabilityWaiters]) wake(true);
  }

  private runningVoters(): number {
    return this.quorum.voters.filter((v) => this.quorum.isRunning(v)).length;
  }

  private startSessionTimer(id: number): void {
    if (this.sessionTimers.has(id)) return;
    const timer = setTimeout(() => {
      this.sessionTimers.delete(id);
      if (!this.active || this.quorum.isRunning(id) || !this.isLive(id)) return;
      this.log(`broker ${id} missed heartbeats for ${this.config.brokerSessionTimeoutMs} ms: fenced`);
      this.fenceBroker(id);
    }, this.config.brokerSessionTimeoutMs);
    timer.unref();
    this.sessionTimers.set(id, timer);
  }

  private clearSessionTimer(id: number): void {
    const timer = this.sessionTimers.get(id);
    if (timer) clearTimeout(timer);
    this.sessionTimers.delete(id);
  }

  private registerPending(): void {
    for (const id of [...this.pendingRegistrations.keys()].sort((a, b) => a - b)) {
      const endpoints = this.pendingRegistrations.get(id)!;
      this.pendingRegistrations.delete(id);
      this.registerBroker(id, endpoints);
    }
  }

  /** A broker (re)joins: a restart after a kill is fenced first, as KRaft fences the old incarnation. */
  private registerBroker(id: number, endpoints: Record<string, Endpoint>): void {
    const previous = this.registrations.get(id);
    if (previous && !previous.fenced) this.fenceBroker(id);
    const registration = { id, endpoints, fenced: false };
    this.registrations.set(id, registration);
    this.append({ kind: 'broker', broker: registration });
    // Offline partitions whose last in-sync replica just came back get their leader again.
    for (const p of this.metadata.allPartitions()) {
      if (p.leader === -1 && p.replicas.includes(id)) this.electLeader(p);
    }
    this.metadata.save();
  }

  /** The broker is out: it leaves every ISR, and partitions it led elect a new leader from the ISR. */
  private fenceBroker(id: number): void {
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
    this.append({ kind: 'broker', broker: registration });
    this.metadata.save();
  }

  // ---------------------------------------------------------------------------------------------- partitions

  /**
   * Picks a leader from the live in-sync replicas, preferred order first. With none left, the partition goes offline
   * and keeps the last leader in its ISR (so that broker leads again when it returns), unless unclean election is on.
   */
  private electLeader(p: PartitionState, leaving?: number): void {
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

  /**
   * Moves leadership back to the preferred replica (the first one) where it is alive and in sync: the periodic
   * auto-rebalance and EmbeddedCluster.electPreferredLeaders. Nothing moves without an active controller.
   */
  electPreferredLeaders(): number {
    if (!this.active) return 0;
    let moved = 0;
    for (const p of this.metadata.allPartitions()) {
      if (this.electPartition(p, ElectionType.PREFERRED).errorCode === ErrorCode.NONE) moved++;
    }
    if (moved > 0) this.metadata.save();
    return moved;
  }

  /**
   * ElectLeaders as Kafka's controller answers it, per partition: ELECTION_NOT_NEEDED when the preferred replica
   * already leads (PREFERRED) or the partition has a leader (UNCLEAN); PREFERRED_LEADER_NOT_AVAILABLE when the
   * preferred replica is not alive and in sync; ELIGIBLE_LEADERS_NOT_AVAILABLE when no replica is alive (UNCLEAN);
   * UNKNOWN_TOPIC_OR_PARTITION. `null` means every partition, and then partitions that need no election are left out
   * (each topic is still listed). Needs an active controller (the caller waits for one).
   */
  electLeaders(
    electionType: number,
    topicPartitions: Array<{ topic: string; partitions: number[] }> | null,
  ): Array<{ topic: string; partitionResult: ElectionResult[] }> {
    this.requireActive();
    let results: Array<{ topic: string; partitionResult: ElectionResult[] }>;
    if (topicPartitions === null) {
      results = [...this.metadata.topics.values()].map((topic) => ({
        topic: topic.name,
        partitionResult: topic.partitions
          .map((p) => ({ partitionId: p.partition, ...this.electPartition(p, electionType) }))
          .filter((r) => r.errorCode !== ErrorCode.ELECTION_NOT_NEEDED),
      }));
    } else {
      results = topicPartitions.map(({ topic, partitions }) => ({
        topic,
        partitionResult: partitions.map((partitionId) => {
          if (!this.metadata.topics.has(topic)) {
            return { partitionId, errorCode: ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, errorMessage: `No such topic as ${topic}` };
          }
          const p = this.metadata.partition(topic, partitionId);
          if (!p) return { partitionId, errorCode: ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, errorMessage: `No such partition as ${topic}-${partitionId}` };
          return { partitionId, ...this.electPartition(p, electionType) };
        }),
      }));
    }
    this.metadata.save();
    return results;
  }

  private electPartition(p: PartitionState, electionType: number): { errorCode: number; errorMessage: string | null } {
    const result = (errorCode: number, errorMessage: string | null = null) => ({ errorCode, errorMessage });
    if (electionType === ElectionType.PREFERRED) {
      const preferred = p.replicas[0]!;
      if (p.leader === preferred) return result(ErrorCode.ELECTION_NOT_NEEDED, 'Leader election not needed for topic partition.');
      if (!this.isLive(preferred) || !p.inSyncReplicas.includes(preferred)) {
        return result(ErrorCode.PREFERRED_LEADER_NOT_AVAILABLE, 'The preferred leader was not available.');
      }
      this.changePartition(p, { leader: preferred });
      return result(ErrorCode.NONE);
    }
    if (p.leader !== -1) return result(ErrorCode.ELECTION_NOT_NEEDED, 'Leader election not needed for topic partition.');
    const live = p.replicas.filter((r) => this.isLive(r));
    const inSync = live.find((r) => p.inSyncReplicas.includes(r));
    if (inSync !== undefined) {
      this.changePartition(p, { leader: inSync });
      return result(ErrorCode.NONE);
    }
    if (live.length === 0) return result(ErrorCode.ELIGIBLE_LEADERS_NOT_AVAILABLE, 'Eligible topic partition leaders are not available.');
    this.changePartition(p, { leader: live[0]!, inSyncReplicas: [live[0]!] });
    return result(ErrorCode.NONE);
  }

  /**
   * The leader asks to shrink or expand the ISR (Kafka's AlterPartition). Without an active controller the request
   * cannot be committed: the ISR stays as it is, and the leader asks again on its next check.
   */
  alterInSyncReplicas(p: PartitionState, inSyncReplicas: number[]): void {
    if (!this.active) return;
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
    this.append({ kind: 'partition', partition: p });
  }

  /**
   * A block of producer ids for one broker (Kafka's AllocateProducerIds): brokers hand ids out of their block and
   * ask for the next one when it is used up. Null without an active controller.
   */
  allocateProducerIdBlock(brokerId: number): { first: number; size: number } | null {
    if (!this.active) return null;
    const first = this.metadata.nextProducerId;
    this.metadata.nextProducerId += PRODUCER_ID_BLOCK_SIZE;
    this.append({ kind: 'producer-ids', brokerId, first, size: PRODUCER_ID_BLOCK_SIZE });
    this.metadata.save();
    return { first, size: PRODUCER_ID_BLOCK_SIZE };
  }

  close(): void {
    this.quorum.close();
    for (const timer of this.sessionTimers.values()) clearTimeout(timer);
    this.sessionTimers.clear();
    for (const wake of [...this.availabilityWaiters]) wake(false);
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
      if (value !== null) topicConfigs[key] = normalizeTopicConfig(key, value);
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
    this.requireActive();
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
    this.append({ kind: 'topic-created', topic });
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
    this.requireActive();
    const topic = this.metadata.topics.get(name);
    if (!topic) return;
    this.metadata.topics.delete(name);
    this.metadata.save();
    this.append({ kind: 'topic-deleted', topic });
  }

  /** CreatePartitions: grows a topic to `count` partitions. */
  addPartitions(name: string, count: number, assignments: number[][] | null, validateOnly: boolean): void {
    this.requireActive();
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
    this.append({ kind: 'topic-created', topic });
  }

  setTopicConfigs(name: string, configs: Record<string, string>): void {
    this.requireActive();
    const topic = this.metadata.topics.get(name);
    if (!topic) return;
    topic.configs = Object.fromEntries(Object.entries(configs).map(([key, value]) => [key, normalizeTopicConfig(key, value)]));
    this.metadata.save();
    this.append({ kind: 'topic-configs', topic });
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
