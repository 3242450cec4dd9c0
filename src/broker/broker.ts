import { existsSync, readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import type { ClusterContext } from './cluster/context.js';
import type { PartitionState, TopicState } from './cluster/metadata.js';
import { Replica } from './cluster/replica.js';
import { ReplicaSet } from './cluster/replica-set.js';
import { openPartitionLog } from './log/index.js';
import { createFrameProcessor } from './server/router.js';
import { Listener } from './server/listener.js';

export interface BrokerEndpoint {
  id: number;
  /** Where to listen; 127.0.0.1 unless a container needs 0.0.0.0. */
  host: string;
  /** 0 picks a free port on first start; a restart reuses the port it got. */
  port: number;
  /** What Metadata tells clients to dial (Kafka's advertised.listeners); defaults to host:port. */
  advertisedHost?: string;
  advertisedPort?: number;
}

/** One broker of an embedded cluster: a listener, the replicas it hosts, and its part in the controller's plans. */
export class Broker {
  readonly id: number;
  readonly replicas = new ReplicaSet();
  running = false;
  port: number;
  private readonly listener: Listener;

  constructor(
    private readonly endpoint: BrokerEndpoint,
    private readonly ctx: ClusterContext,
  ) {
    this.id = endpoint.id;
    this.port = endpoint.port;
    this.listener = new Listener(createFrameProcessor(this, ctx), ctx.config.maxRequestBytes, (m) => ctx.log(`broker ${this.id}: ${m}`));
  }

  get host(): string {
    return this.endpoint.host;
  }

  /** The address clients are told to use. */
  get advertised(): { host: string; port: number } {
    return {
      host: this.endpoint.advertisedHost ?? (this.endpoint.host === '0.0.0.0' ? '127.0.0.1' : this.endpoint.host),
      port: this.endpoint.advertisedPort ?? this.port,
    };
  }

  get dataDir(): string {
    return join(this.ctx.dataDir, `broker-${this.id}`);
  }

  async start(): Promise<void> {
    if (this.running) return;
    this.port = await this.listener.listen(this.endpoint.host, this.port);
    this.running = true;
    this.removeDeletedTopicDirs();
    for (const p of this.ctx.metadata.allPartitions()) this.openReplica(p);
    const { host, port } = this.advertised;
    this.ctx.controller.registerBroker(this.id, host, port);
    this.ctx.log(`broker ${this.id} serving on ${this.endpoint.host}:${this.port}`);
  }

  /** Like SIGKILL: connections reset, nothing handed over. The controller notices when the session times out. */
  async kill(): Promise<void> {
    if (!this.running) return;
    this.running = false;
    await this.listener.close();
    for (const replica of this.replicas.values()) replica.close();
    this.replicas.clear();
    this.ctx.log(`broker ${this.id} killed`);
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
    const log = openPartitionLog(this.replicaDir(p.topic, p.partition), this.ctx.logOptions(p.topic));
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
