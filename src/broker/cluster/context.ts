import type { Broker } from '../broker.js';
import type { BrokerConfig } from '../config.js';
import { GroupCoordinator, coordinatorPartition } from '../group/index.js';
import type { PartitionLogOptions } from '../log/index.js';
import { Controller } from './controller.js';
import type { ClusterMetadata, PartitionState } from './metadata.js';
import type { Replica } from './replica.js';
import { Replication } from './replication.js';
import { topicConfigValue } from './topic-configs.js';

export const OFFSETS_TOPIC = '__consumer_offsets';

/**
 * Everything the brokers of one cluster share: the controller's metadata and decisions, replication, the group
 * coordinator, and the timers that model failure detection. Handlers reach it through their RequestContext.
 */
export class ClusterContext {
  readonly brokers = new Map<number, Broker>();
  readonly controller: Controller;
  readonly replication: Replication;
  readonly groups: GroupCoordinator;
  private readonly fenceTimers = new Map<number, NodeJS.Timeout>();
  private readonly timers: NodeJS.Timeout[] = [];

  constructor(
    readonly metadata: ClusterMetadata,
    readonly config: BrokerConfig,
    readonly dataDir: string,
    readonly log: (message: string) => void,
  ) {
    this.controller = new Controller(metadata, config);
    this.replication = new Replication(this);
    this.groups = new GroupCoordinator({
      dataDir: `${dataDir}/offsets`,
      initialRebalanceDelayMs: config.groupInitialRebalanceDelayMs,
      log,
    });
    this.controller.onChange((event) => {
      if (event.kind === 'partition') {
        for (const broker of this.brokers.values()) broker.onPartitionChanged(event.partition);
        if (event.partition.topic === OFFSETS_TOPIC) this.onCoordinatorPartitionChanged(event.partition);
        this.replication.replicatePartition(event.partition.topic, event.partition.partition);
      } else if (event.kind === 'topic-created') {
        for (const broker of this.brokers.values()) broker.onTopicCreated(event.topic);
      } else if (event.kind === 'topic-deleted') {
        for (const broker of this.brokers.values()) broker.onTopicDeleted(event.topic);
      } else if (event.kind === 'topic-configs') {
        const options = this.logOptions(event.topic.name);
        for (const broker of this.runningBrokers()) {
          for (const p of event.topic.partitions) broker.replicas.get(p.topic, p.partition)?.log.configure(options);
        }
      }
    });
  }

  /** Periodic work: followers catching up, ISR checks, preferred leaders returning, retention. */
  startTimers(): void {
    const every = (ms: number, fn: () => void) => {
      const timer = setInterval(fn, ms);
      timer.unref();
      this.timers.push(timer);
    };
    every(100, () => this.replication.tick());
    if (this.config.autoLeaderRebalance) {
      every(this.config.leaderImbalanceCheckIntervalMs, () => this.electPreferredLeaders());
    }
    every(60_000, () => this.enforceRetention());
  }

  electPreferredLeaders(): number {
    const moved = this.controller.electPreferredLeaders();
    if (moved > 0) this.log(`preferred leader election moved ${moved} partition(s)`);
    return moved;
  }

  private enforceRetention(): void {
    const now = Date.now();
    for (const broker of this.runningBrokers()) {
      for (const replica of broker.replicas.values()) if (replica.isLeader) replica.log.enforceRetention(now);
    }
  }

  runningBroker(id: number): Broker | undefined {
    const broker = this.brokers.get(id);
    return broker?.running ? broker : undefined;
  }

  runningBrokers(): Broker[] {
    return [...this.brokers.values()].filter((b) => b.running);
  }

  /** The leader's replica when the leader broker is running, else undefined. */
  leaderReplica(topic: string, partition: number): Replica | undefined {
    const p = this.metadata.partition(topic, partition);
    if (!p || p.leader < 0) return undefined;
    const replica = this.runningBroker(p.leader)?.replicas.get(topic, partition);
    return replica?.isLeader ? replica : undefined;
  }

  /** The broker coordinating a group: the leader of its __consumer_offsets partition (-1 while there is none). */
  coordinatorFor(groupId: string): number {
    const partition = coordinatorPartition(groupId, this.config.offsetsTopicPartitions);
    return this.metadata.partition(OFFSETS_TOPIC, partition)?.leader ?? -1;
  }

  /** Groups whose coordinator moved lose their members (they rejoin at the new one); ISR-only changes do nothing. */
  private onCoordinatorPartitionChanged(p: PartitionState): void {
    this.groups.onCoordinatorPartitionLeader(p.partition, p.leader, this.config.offsetsTopicPartitions);
  }

  minInsyncReplicas(topic: string): number {
    const configs = this.metadata.topics.get(topic)?.configs ?? {};
    return Number(topicConfigValue(configs, 'min.insync.replicas', this.config));
  }

  /** A replica's log settings, from its topic's configs (applied when it opens and on every config change). */
  logOptions(topic: string): PartitionLogOptions {
    const configs = this.metadata.topics.get(topic)?.configs ?? {};
    return {
      timestampType: topicConfigValue(configs, 'message.timestamp.type', this.config) === 'LogAppendTime' ? 'LogAppendTime' : 'CreateTime',
      segmentBytes: Number(topicConfigValue(configs, 'segment.bytes', this.config)),
      retentionMs: Number(topicConfigValue(configs, 'retention.ms', this.config)),
      retentionBytes: Number(topicConfigValue(configs, 'retention.bytes', this.config)),
    };
  }

  /** A killed broker misses its heartbeats; the controller fences it once the session times out. */
  brokerKilled(id: number): void {
    this.clearFenceTimer(id);
    const timer = setTimeout(() => {
      this.fenceTimers.delete(id);
      this.log(`broker ${id} missed heartbeats for ${this.config.brokerSessionTimeoutMs} ms: fenced`);
      this.controller.fenceBroker(id);
    }, this.config.brokerSessionTimeoutMs);
    timer.unref();
    this.fenceTimers.set(id, timer);
  }

  clearFenceTimer(id: number): void {
    const timer = this.fenceTimers.get(id);
    if (timer) clearTimeout(timer);
    this.fenceTimers.delete(id);
  }

  close(): void {
    for (const timer of this.timers) clearInterval(timer);
    for (const timer of this.fenceTimers.values()) clearTimeout(timer);
    this.timers.length = 0;
    this.fenceTimers.clear();
    this.groups.close();
  }
}
