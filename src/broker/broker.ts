import { existsSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { ClusterContext } from './cluster/context.js';
import type { PartitionState, TopicState } from './cluster/metadata.js';
import { Replica } from './cluster/replica.js';
import { ReplicaSet } from './cluster/replica-set.js';
import { openPartitionLog } from './log/index.js';
import { createFrameProcessor } from './server/router.js';
import { Listener } from './server/listener.js';

/** One named listener, as in Kafka's `listeners` / `advertised.listeners` (e.g. HOST and DOCKER). */
export interface ListenerSpec {
  name: string;
  host: string;
  /** 0 picks a free port on first start; a restart reuses the port it got. */
  port: number;
  advertisedHost?: string;
  advertisedPort?: number;
}

export interface BrokerEndpoint {
  id: number;
  /** Where to listen; 127.0.0.1 unless a container needs 0.0.0.0. */
  host: string;
  /** 0 picks a free port on first start; a restart reuses the port it got. */
  port: number;
  /** What Metadata tells clients to dial (Kafka's advertised.listeners); defaults to host:port. */
  advertisedHost?: string;
  advertisedPort?: number;
  /**
   * Several listeners instead of host/port: clients are told the addresses of the listener they connected through,
   * so containers and the host each get addresses they can dial.
   */
  listeners?: ListenerSpec[];
}

/** One broker of an embedded cluster: a listener, the replicas it hosts, and its part in the controller's plans. */
export class Broker {
  readonly id: number;
  readonly replicas = new ReplicaSet();
  running = false;
  /** A fault hook: while true this broker's follower replicas copy nothing, like a slow or partitioned follower. */
  replicationPaused = false;
  /** The producer ids this process may still hand out (a block from the controller); gone with the process. */
  producerIds: { next: number; end: number } | null = null;
  private readonly listeners: Array<{ spec: ListenerSpec; listener: Listener }>;

  constructor(endpoint: BrokerEndpoint, private readonly ctx: ClusterContext) {
    this.id = endpoint.id;
    const specs = endpoint.listeners ?? [
      { name: 'PLAINTEXT', host: endpoint.host, port: endpoint.port, advertisedHost: endpoint.advertisedHost, advertisedPort: endpoint.advertisedPort },
    ];
    this.listeners = specs.map((spec) => ({
      spec: { ...spec },
      listener: new Listener(createFrameProcessor(this, ctx, spec.name), ctx.config.maxRequestBytes, (m) => ctx.log(`broker ${this.id}: ${m}`)),
    }));
  }

  /** The first listener's address: what the kit's own tools dial. */
  get advertised(): { host: string; port: number } {
    return this.advertisedFor(this.listeners[0]!.spec.name);
  }

  /** The address clients connected through `listenerName` are told to use. */
  advertisedFor(listenerName: string): { host: string; port: number } {
    const { spec } = this.listeners.find((l) => l.spec.name === listenerName) ?? this.listeners[0]!;
    const wildcard = spec.host === '0.0.0.0' || spec.host === '::';
    return { host: spec.advertisedHost ?? (wildcard ? '127.0.0.1' : spec.host), port: spec.advertisedPort ?? spec.port };
  }

  /** Bound port of the first listener. */
  get port(): number {
    return this.listeners[0]!.spec.port;
  }

  get dataDir(): string {
    return join(this.ctx.dataDir, `broker-${this.id}`);
  }

  async start(): Promise<void> {
    if (this.running) return;
    try {
      for (const l of this.listeners) l.spec.port = await l.listener.listen(l.spec.host, l.spec.port);
    } catch (error) {
      for (const l of this.listeners) await l.listener.close();
      throw error;
    }
    this.running = true;
    this.removeDeletedTopicDirs();
    for (const p of this.ctx.metadata.allPartitions()) this.openReplica(p);
    const endpoints = Object.fromEntries(this.listeners.map((l) => [l.spec.name, this.advertisedFor(l.spec.name)]));
    // It votes in the controller quorum at once, and serves clients once it has registered with an active controller.
    this.ctx.controller.brokerStarted(this.id, endpoints);
    this.ctx.log(`broker ${this.id} listening on ${this.listeners.map((l) => `${l.spec.name}://${l.spec.host}:${l.spec.port}`).join(', ')}`);
  }

  /**
   * Like SIGKILL: connections closed by the kernel, nothing handed over, logs not closed cleanly (no checkpoints or
   * snapshots written: the restart recovers them). The controller notices when the session times out.
   */
  async kill(): Promise<void> {
    await this.shutDown('killed');
  }

  /** A clean exit (controlled shutdown, or closing the cluster): logs closed with their checkpoints written. */
  async stop(): Promise<void> {
    await this.shutDown('stopped');
  }

  private async shutDown(how: 'killed' | 'stopped'): Promise<void> {
    if (!this.running) return;
    this.running = false;
    this.producerIds = null;
    for (const l of this.listeners) await l.listener.close();
    for (const replica of this.replicas.values()) {
      if (how === 'killed') replica.abandon();
      else replica.close();
    }
    this.replicas.clear();
    this.ctx.log(`broker ${this.id} ${how}`);
  }

  /** Reacts to the controller: opens replicas it now hosts, takes or gives up leadership. */
  onPartitionChanged(p: PartitionState): void {
    if (!this.running) return;
    if (!p.replicas.includes(this.id)) return;
    const replica = this.replicas.get(p.topic, p.partition) ?? this.openReplica(p);
    if (!replica) return;
    if (p.leader === this.id) replica.becomeLeader(Date.now());
    else replica.wake();
  }

  onTopicCreated(topic: TopicState): void {
    for (const p of topic.partitions) if (!this.replicas.get(p.topic, p.partition)) this.onPartitionChanged(p);
  }

  onTopicDeleted(topic: TopicState): void {
    for (const p of topic.partitions) {
      const replica = this.replicas.get(p.topic, p.partition);
      if (replica) {
        this.replicas.delete(p.topic, p.partition);
        replica.close();
      }
      rmSync(this.replicaDir(p.topic, p.partition), { recursive: true, force: true });
    }
  }

  private openReplica(p: PartitionState): Replica | undefined {
    if (!p.replicas.includes(this.id)) return undefined;
    const dir = this.replicaDir(p.topic, p.partition);
    const topicId = this.ctx.metadata.topics.get(p.topic)!.topicId;
    // Like Kafka's partition.metadata: a directory left by an older topic of the same name is not this replica.
    const idFile = join(dir, 'partition.metadata');
    if (existsSync(idFile) && readFileSync(idFile, 'utf8').trim() !== topicId) rmSync(dir, { recursive: true, force: true });
    const log = openPartitionLog(dir, this.ctx.logOptions(p.topic));
    if (!existsSync(idFile)) writeFileSync(idFile, `${topicId}\n`);
    const replica = new Replica(this.id, p, log);
    this.replicas.set(replica);
    if (p.leader === this.id) replica.becomeLeader(Date.now());
    return replica;
  }

  private replicaDir(topic: string, partition: number): string {
    return join(this.dataDir, `${topic}-${partition}`);
  }

  /** A broker that was down while a topic was deleted cleans up its old replicas when it comes back. */
  private removeDeletedTopicDirs(): void {
    if (!existsSync(this.dataDir)) return;
    for (const entry of readdirSync(this.dataDir)) {
      const match = /^(.*)-(\d+)$/.exec(entry);
      if (!match) continue;
      const p = this.ctx.metadata.partition(match[1]!, Number(match[2]));
      if (!p || !p.replicas.includes(this.id)) rmSync(join(this.dataDir, entry), { recursive: true, force: true });
    }
  }
}
