/**
 * Watches the cluster the way a client sees it: polls metadata (leaders, ISR) through a kafkajs admin, asks
 * DescribeQuorum for the active KRaft controller (Metadata's controllerId is a random live broker in KRaft), works out
 * the group coordinator (leader of the group's __consumer_offsets partition, Kafka's own rule), and counts leader
 * changes. Polling can miss a leader that came and went between two polls: the count is a lower bound.
 */
import type { Admin } from 'kafkajs';
import { activeController } from '../cluster/kafka-requests.js';

export interface PartitionView {
  partition: number;
  leader: number;
  replicas: number[];
  isr: number[];
}

export interface ClusterView {
  at: number;
  /** the active KRaft controller; null while there is none (no quorum of voters) or nobody answered in time */
  controller: number | null;
  partitions: PartitionView[];
  coordinator: number | null;
  /** brokers the metadata lists (registered, not fenced) */
  liveBrokers: number[];
}

/** Java's String.hashCode. */
export function javaHashCode(s: string): number {
  let h = 0;
  for (let i = 0; i < s.length; i++) h = (Math.imul(31, h) + s.charCodeAt(i)) | 0;
  return h;
}

/** Kafka: Utils.abs(groupId.hashCode) % offsets.topic.num.partitions (Utils.abs maps MIN_VALUE to 0). */
export function coordinatorPartitionOf(groupId: string, partitions: number): number {
  const h = javaHashCode(groupId);
  return (h === -2147483648 ? 0 : Math.abs(h)) % partitions;
}

export class ClusterObserver {
  latest: ClusterView | null = null;
  leaderChanges = 0;
  private readonly lastLeader = new Map<number, number>();
  private timer: NodeJS.Timeout | null = null;
  private polling = false;

  constructor(
    private readonly admin: Admin,
    private readonly topic: string,
    private readonly groupId: string,
    /** Where to send DescribeQuorum (any broker forwards it to the active controller). */
    private readonly bootstrap: () => string[] = () => [],
  ) {}

  /** One fresh look (throws when no broker answers). */
  async poll(): Promise<ClusterView> {
    const [meta, described, controller] = await Promise.all([
      this.admin.fetchTopicMetadata({ topics: [this.topic, '__consumer_offsets'] }),
      this.admin.describeCluster(),
      // Without a quorum brokers hold DescribeQuorum until one is back: a short wait, then "none".
      activeController(this.bootstrap(), 1000).catch(() => null),
    ]);
    const mine = meta.topics.find((t) => t.name === this.topic);
    const offsets = meta.topics.find((t) => t.name === '__consumer_offsets');
    const partitions = (mine?.partitions ?? [])
      .map((p) => ({ partition: p.partitionId, leader: p.leader, replicas: [...p.replicas], isr: [...p.isr].sort() }))
      .sort((a, b) => a.partition - b.partition);
    let coordinator: number | null = null;
    if (offsets && offsets.partitions.length > 0) {
      const wanted = coordinatorPartitionOf(this.groupId, offsets.partitions.length);
      const leader = offsets.partitions.find((p) => p.partitionId === wanted)?.leader;
      coordinator = leader !== undefined && leader >= 0 ? leader : null;
    }
    for (const p of partitions) {
      const before = this.lastLeader.get(p.partition);
      if (before !== undefined && before !== p.leader && p.leader >= 0) this.leaderChanges++;
      if (p.leader >= 0) this.lastLeader.set(p.partition, p.leader);
    }
    const view: ClusterView = {
      at: Date.now(),
      controller,
      partitions,
      coordinator,
      liveBrokers: described.brokers.map((b) => b.nodeId).sort(),
    };
    this.latest = view;
    return view;
  }

  /** Polls every `intervalMs` in the background (a poll that fails is skipped). */
  start(intervalMs = 250): void {
    const tick = async () => {
      if (this.polling) return;
      this.polling = true;
      try {
        await withTimeout(this.poll(), 3000);
      } catch {
        /* no broker answered this time: the next poll tries again */
      } finally {
        this.polling = false;
      }
    };
    this.timer = setInterval(() => void tick(), intervalMs);
    void tick();
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
  }
}

export function withTimeout<T>(promise: Promise<T>, ms: number, what = 'operation'): Promise<T> {
  let timer: NodeJS.Timeout;
  return Promise.race([
    promise.finally(() => clearTimeout(timer)),
    new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`${what} timed out after ${ms} ms`)), ms);
    }),
  ]);
}
