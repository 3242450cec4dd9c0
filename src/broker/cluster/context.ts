import { setTimeout as sleep } from 'node:timers/promises';
import type { Broker } from '../broker.js';
import type { BrokerConfig } from '../config.js';
import { GroupCoordinator, coordinatorPartition } from '../group/index.js';
import type { PartitionLogOptions } from '../log/index.js';
import { ErrorCode } from '../protocol/errors.js';
import { Controller } from './controller.js';
import type { ClusterMetadata, PartitionState } from './metadata.js';
import type { Replica } from './replica.js';
import { Replication } from './replication.js';
import { LogCleaner } from './log-cleaner.js';
import { cleanupPolicy, topicConfigValue } from './topic-configs.js';
import { buildControlBatch } from '../protocol/record-batch.js';
import { TransactionCoordinator, type TxnCluster } from '../txn/coordinator.js';
import type { TxnPartition } from '../txn/transaction-store.js';

export const OFFSETS_TOPIC = '__consumer_offsets';
export const TRANSACTION_STATE_TOPIC = '__transaction_state';

/**
 * Everything the brokers of one cluster share: the controller's metadata and decisions, replication, the group
 * coordinator, and the timers that model failure detection. Handlers reach it through their RequestContext.
 */
export class ClusterContext {
  readonly brokers = new Map<number, Broker>();
  readonly controller: Controller;
  readonly replication: Replication;
  readonly groups: GroupCoordinator;
  readonly transactions: TransactionCoordinator;
  private readonly timers: NodeJS.Timeout[] = [];

  constructor(
    readonly metadata: ClusterMetadata,
    readonly config: BrokerConfig,
    readonly dataDir: string,
    readonly log: (message: string) => void,
    /** The brokers' ids: in KRaft combined mode every broker is also a voter of the controller quorum. */
    voters: readonly number[],
  ) {
    this.controller = new Controller(metadata, config, voters, log);
    this.replication = new Replication(this);
    this.groups = new GroupCoordinator({
      dataDir: `${dataDir}/offsets`,
      initialRebalanceDelayMs: config.groupInitialRebalanceDelayMs,
      log,
      awaitWritable: (groupId) => this.awaitOffsetsWritable(groupId),
    });
    this.transactions = new TransactionCoordinator(this.txnCluster(), { dataDir: `${dataDir}/transactions`, maxTimeoutMs: config.transactionMaxTimeoutMs });
    this.controller.onChange((event) => {
      if (event.kind === 'partition') {
        for (const broker of this.brokers.values()) broker.onPartitionChanged(event.partition);
        if (event.partition.topic === OFFSETS_TOPIC) this.onCoordinatorPartitionChanged(event.partition);
        // Deferred: replicating may ask the controller for an ISR change, which must not happen inside this record.
        this.replication.schedulePartition(event.partition.topic, event.partition.partition);
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

  /** Periodic work: followers catching up, ISR checks, preferred leaders returning, retention, log cleaning. */
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
    // markers a dead leader could not take are retried often; timed-out transactions are looked for at Kafka's interval
    every(100, () => this.transactions.retryMarkers());
    every(this.config.transactionAbortTimedOutIntervalMs, () => this.transactions.abortTimedOut());
    every(this.config.logCleanerBackoffMs, () => this.cleanLogs());
  }

  /** Each running broker's cleaner compacts the replicas it hosts (see LogCleaner). */
  cleanLogs(now = Date.now()): number {
    let cleaned = 0;
    for (const broker of this.runningBrokers()) {
      cleaned += new LogCleaner(() => broker.replicas.values(), this.log).run(now);
    }
    return cleaned;
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

  /**
   * The broker coordinating a transactional id: the leader of its __transaction_state partition (-1 while there is
   * none). Kafka creates that topic when a client first looks for a transaction coordinator; so does this.
   */
  transactionCoordinatorFor(transactionalId: string): number {
    if (!this.metadata.topics.has(TRANSACTION_STATE_TOPIC) && !this.createTransactionStateTopic()) return -1;
    return this.transactionStatePartition(transactionalId)?.leader ?? -1;
  }

  /** The __transaction_state partition a transactional id maps to (undefined before the topic exists). */
  private transactionStatePartition(transactionalId: string): PartitionState | undefined {
    return this.metadata.partition(TRANSACTION_STATE_TOPIC, coordinatorPartition(transactionalId, this.config.transactionStateLogPartitions));
  }

  private createTransactionStateTopic(): boolean {
    if (!this.controller.active) return false;
    const { transactionStateLogPartitions: partitions, transactionStateLogReplicationFactor: rf, transactionStateLogMinIsr: minIsr } = this.config;
    try {
      const { replicas } = this.controller.validateNewTopic(TRANSACTION_STATE_TOPIC, partitions, rf, [], []);
      this.controller.createTopic(TRANSACTION_STATE_TOPIC, replicas, { 'cleanup.policy': 'compact', 'min.insync.replicas': String(minIsr) }, true);
      return true;
    } catch (error) {
      this.log(`cannot create ${TRANSACTION_STATE_TOPIC} (replication factor ${rf}): ${(error as Error).message}`);
      return false;
    }
  }

  /** A producer id from `brokerId`'s block, asking the controller for the next block when it is used up. */
  allocateProducerId(brokerId: number): number | null {
    const broker = this.brokers.get(brokerId);
    if (!broker) return null;
    if (!broker.producerIds || broker.producerIds.next >= broker.producerIds.end) {
      const block = this.controller.allocateProducerIdBlock(brokerId);
      if (!block) return null;
      broker.producerIds = { next: block.first, end: block.first + block.size };
    }
    return broker.producerIds.next++;
  }

  /** The transaction coordinator's view of this cluster (see TxnCluster). */
  private txnCluster(): TxnCluster {
    return {
      coordinatorFor: (id) => {
        const leader = this.transactionStatePartition(id)?.leader ?? -1;
        return leader >= 0 && this.runningBroker(leader) ? leader : -1;
      },
      coordinatorEpoch: (id) => this.transactionStatePartition(id)?.leaderEpoch ?? 0,
      allocateProducerId: (brokerId) => this.allocateProducerId(brokerId),
      writeMarker: (p, marker) => this.writeMarker(p, marker),
      commitOffsets: (groupId, offsets) => this.groups.commitTransactionalOffsets(groupId, offsets),
      log: this.log,
    };
  }

  /**
   * Appends a transaction marker (a control batch) on the partition's leader, as Kafka's WriteTxnMarkers does. A
   * partition that no longer exists needs none; one without a running leader waits for the next try.
   */
  private writeMarker(p: TxnPartition, marker: { producerId: number; producerEpoch: number; commit: boolean; coordinatorEpoch: number }): boolean {
    if (p.topic === OFFSETS_TOPIC) return true; // group offsets are committed by the coordinator (see TransactionCoordinator)
    if (!this.metadata.partition(p.topic, p.partition)) return true;
    const replica = this.leaderReplica(p.topic, p.partition);
    if (!replica) return false;
    replica.log.appendAsLeader(buildControlBatch(marker), replica.state.leaderEpoch);
    replica.wake();
    this.replication.advanceHighWatermark(replica);
    this.replication.schedule(replica);
    return true;
  }

  /**
   * Waits until a write for `groupId` to its __consumer_offsets partition would be committed, as the coordinator's
   * writes (a commit, a group's assignment) are acks=all appends in Kafka: at once when every in-sync replica runs (the
   * embedded followers copy at once); otherwise until the ISR shrinks or the missing replica returns, at most
   * offsetsCommitTimeoutMs. Then COORDINATOR_NOT_AVAILABLE, as Kafka answers a write that timed out (measured on
   * Kafka 4.4.0 without a quorum: OffsetCommit and SyncGroup got it after 5.0 s). Fewer in-sync replicas than the
   * topic's min.insync.replicas fail at once; NOT_COORDINATOR if the partition's leader changed meanwhile.
   */
  async awaitOffsetsWritable(groupId: string): Promise<number> {
    const partition = coordinatorPartition(groupId, this.config.offsetsTopicPartitions);
    const leader = this.metadata.partition(OFFSETS_TOPIC, partition)?.leader ?? -1;
    const deadline = Date.now() + this.config.offsetsCommitTimeoutMs;
    for (;;) {
      const p = this.metadata.partition(OFFSETS_TOPIC, partition);
      if (!p || p.leader < 0 || p.leader !== leader || !this.runningBroker(leader)) return ErrorCode.NOT_COORDINATOR;
      if (p.inSyncReplicas.length < this.minInsyncReplicas(OFFSETS_TOPIC)) return ErrorCode.COORDINATOR_NOT_AVAILABLE;
      if (p.inSyncReplicas.every((id) => this.runningBroker(id) && !this.runningBroker(id)!.replicationPaused)) return ErrorCode.NONE;
      const remaining = deadline - Date.now();
      if (remaining <= 0) return ErrorCode.COORDINATOR_NOT_AVAILABLE;
      await sleep(Math.min(50, remaining));
    }
  }

  /** Groups whose coordinator moved lose their members (they rejoin at the new one); ISR-only changes do nothing. */
  private onCoordinatorPartitionChanged(p: PartitionState): void {
    this.groups.onCoordinatorPartitionLeader(p.partition, p.leader, this.config.offsetsTopicPartitions);
  }

  minInsyncReplicas(topic: string): number {
    const configs = this.metadata.topics.get(topic)?.configs ?? {};
    return Number(topicConfigValue(configs, 'min.insync.replicas', this.config));
  }

  /** Kafka's Partition.effectiveMinIsr: min.insync.replicas, but never more than the partition has replicas. */
  effectiveMinIsr(state: PartitionState): number {
    return Math.min(this.minInsyncReplicas(state.topic), state.replicas.length);
  }

  /** Below min ISR the leader refuses acks=all and its high watermark stands still (Kafka 4.x, KIP-966). */
  isUnderMinIsr(state: PartitionState): boolean {
    return state.inSyncReplicas.length < this.effectiveMinIsr(state);
  }

  /** A replica's log settings, from its topic's configs (applied when it opens and on every config change). */
  logOptions(topic: string): PartitionLogOptions {
    const configs = this.metadata.topics.get(topic)?.configs ?? {};
    return {
      timestampType: topicConfigValue(configs, 'message.timestamp.type', this.config) === 'LogAppendTime' ? 'LogAppendTime' : 'CreateTime',
      segmentBytes: Number(topicConfigValue(configs, 'segment.bytes', this.config)),
      segmentMs: Number(topicConfigValue(configs, 'segment.ms', this.config)),
      cleanupPolicy: cleanupPolicy(configs, this.config),
      deleteRetentionMs: Number(topicConfigValue(configs, 'delete.retention.ms', this.config)),
      minCleanableDirtyRatio: Number(topicConfigValue(configs, 'min.cleanable.dirty.ratio', this.config)),
      minCompactionLagMs: Number(topicConfigValue(configs, 'min.compaction.lag.ms', this.config)),
      maxCompactionLagMs: Math.min(Number(topicConfigValue(configs, 'max.compaction.lag.ms', this.config)), Number.MAX_SAFE_INTEGER),
      retentionMs: Number(topicConfigValue(configs, 'retention.ms', this.config)),
      retentionBytes: Number(topicConfigValue(configs, 'retention.bytes', this.config)),
    };
  }

  close(): void {
    for (const timer of this.timers) clearInterval(timer);
    this.timers.length = 0;
    this.controller.close();
    this.groups.close();
  }
}
