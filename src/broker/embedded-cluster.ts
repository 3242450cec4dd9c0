import { mkdirSync } from 'node:fs';
import { UserError } from '../common/user-error.js';
import { Broker, type BrokerEndpoint } from './broker.js';
import { type BrokerConfig, resolveConfig } from './config.js';
import { ClusterContext, OFFSETS_TOPIC } from './cluster/context.js';
import { ClusterMetadata } from './cluster/metadata.js';

export interface EmbeddedClusterOptions {
  /** How many brokers (ids 1..n on free ports), or each broker's endpoint. */
  brokers: number | Array<Partial<BrokerEndpoint> & { id: number }>;
  /** Where logs, metadata and committed offsets live. Tests use a temp dir. */
  dataDir: string;
  clusterId?: string;
  config?: Partial<BrokerConfig>;
  /** Receives the cluster's log lines (kills, elections, fencing); silent by default. */
  log?: (message: string) => void;
}

export interface EmbeddedBrokerState {
  id: number;
  host: string;
  port: number;
  up: boolean;
}

/**
 * A Kafka-compatible cluster in this process: N brokers, each on its own TCP port, sharing one controller.
 * Unmodified Kafka clients connect to `bootstrapServers`.
 */
export class EmbeddedCluster {
  private constructor(private readonly ctx: ClusterContext) {}

  static async start(options: EmbeddedClusterOptions): Promise<EmbeddedCluster> {
    const endpoints: BrokerEndpoint[] =
      typeof options.brokers === 'number'
        ? Array.from({ length: options.brokers }, (_, i) => ({ id: i + 1, host: '127.0.0.1', port: 0 }))
        : options.brokers.map((b) => ({ host: '127.0.0.1', port: 0, ...b }));
    if (endpoints.length === 0) throw new UserError('an embedded cluster needs at least one broker');
    mkdirSync(options.dataDir, { recursive: true });
    const config = resolveConfig(options.config, endpoints.length);
    const metadata = ClusterMetadata.load(options.dataDir, options.clusterId);
    const ctx = new ClusterContext(metadata, config, options.dataDir, options.log ?? (() => {}), endpoints.map((e) => e.id));
    for (const endpoint of endpoints) ctx.brokers.set(endpoint.id, new Broker(endpoint, ctx));
    const cluster = new EmbeddedCluster(ctx);
    try {
      for (const broker of ctx.brokers.values()) await broker.start();
    } catch (error) {
      await cluster.close();
      throw error;
    }
    cluster.ensureOffsetsTopic();
    ctx.startTimers();
    return cluster;
  }

  /** Kafka creates the group offsets topic on first use; we create it up front so coordinators exist at once. */
  private ensureOffsetsTopic(): void {
    const { controller, config, metadata } = this.ctx;
    if (metadata.topics.has(OFFSETS_TOPIC)) return;
    const { replicas } = controller.validateNewTopic(OFFSETS_TOPIC, config.offsetsTopicPartitions, config.offsetsTopicReplicationFactor, [], []);
    controller.createTopic(OFFSETS_TOPIC, replicas, { 'cleanup.policy': 'compact' }, true);
  }

  get clusterId(): string {
    return this.ctx.metadata.clusterId;
  }

  /** host:port of every broker, e.g. for kafkajs `brokers`. */
  get bootstrapServers(): string[] {
    return [...this.ctx.brokers.values()].map((b) => `${b.advertised.host}:${b.advertised.port}`);
  }

  get config(): Readonly<BrokerConfig> {
    return this.ctx.config;
  }

  /** Internal state, for tests and the daemon's status. */
  get context(): ClusterContext {
    return this.ctx;
  }

  brokers(): EmbeddedBrokerState[] {
    return [...this.ctx.brokers.values()].map((b) => ({ id: b.id, host: b.advertised.host, port: b.advertised.port, up: b.running }));
  }

  /**
   * The active KRaft controller (every broker is also a voter), or null while there is none: a majority of the brokers
   * must run. Clients see it through DescribeQuorum; Metadata's controllerId is a random live broker, as in KRaft.
   */
  controllerId(): number | null {
    return this.ctx.controller.activeControllerId;
  }

  /** True while a majority of the brokers (the quorum's voters) runs, so the cluster's metadata can change. */
  hasQuorum(): boolean {
    return this.ctx.controller.active;
  }

  private broker(id: number): Broker {
    const broker = this.ctx.brokers.get(id);
    if (!broker) {
      throw new UserError(`there is no broker ${id}: this cluster has broker ids ${[...this.ctx.brokers.keys()].join(', ')}`);
    }
    return broker;
  }

  /**
   * Abrupt, like SIGKILL: every connection closed at once; the active controller fences it after brokerSessionTimeoutMs. Without a
   * quorum (a majority of the brokers down) nobody fences it: it stays in metadata and in every ISR until the quorum
   * is back and a fresh session timeout has passed.
   */
  async killBroker(id: number): Promise<void> {
    const broker = this.broker(id);
    if (!broker.running) return;
    await broker.kill();
    this.ctx.controller.brokerStopped(id, false);
  }

  /**
   * Graceful, like a controlled shutdown: the controller moves leadership and shrinks the ISR first, then the broker
   * goes. Without an active controller there is nobody to hand over to, and it goes like a kill.
   */
  async stopBroker(id: number): Promise<void> {
    const broker = this.broker(id);
    if (!broker.running) return;
    const handedOver = this.ctx.controller.controlledShutdown(id);
    await broker.stop();
    this.ctx.controller.brokerStopped(id, true);
    this.ctx.log(`broker ${id} stopped (${handedOver ? 'controlled shutdown' : 'no active controller to hand over to'})`);
  }

  /**
   * Starts a killed or stopped broker with the data it had; it registers with the active controller (at once, or when
   * its start brings the quorum back), catches up and rejoins the ISR.
   */
  async startBroker(id: number): Promise<void> {
    const broker = this.broker(id);
    if (broker.running) return;
    await broker.start();
  }

  /**
   * A slow follower: while paused, broker `id` copies nothing from its leaders, so after `replicaLagTimeMaxMs` it
   * drops out of their ISR; resumed, it catches up and rejoins.
   */
  pauseReplication(id: number, paused = true): void {
    this.broker(id).replicationPaused = paused;
  }

  /** Moves leadership back to preferred replicas now (Kafka's preferred leader election). */
  electPreferredLeaders(): number {
    return this.ctx.electPreferredLeaders();
  }

  async close(): Promise<void> {
    for (const broker of this.ctx.brokers.values()) await broker.stop();
    this.ctx.close();
  }
}
