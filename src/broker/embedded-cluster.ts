import { mkdirSync } from 'node:fs';
import { UserError } from '../cluster/types.js';
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
    const ctx = new ClusterContext(metadata, config, options.dataDir, options.log ?? (() => {}));
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

  controllerId(): number | null {
    return this.ctx.controller.activeControllerId;
  }

  private broker(id: number): Broker {
    const broker = this.ctx.brokers.get(id);
    if (!broker) {
      throw new UserError(`there is no broker ${id}: this cluster has broker ids ${[...this.ctx.brokers.keys()].join(', ')}`);
    }
    return broker;
  }

  /** Abrupt, like SIGKILL: sockets reset; the controller fences it after brokerSessionTimeoutMs. */
  async killBroker(id: number): Promise<void> {
    const broker = this.broker(id);
    if (!broker.running) return;
    await broker.kill();
    this.ctx.brokerKilled(id);
  }

  /** Graceful, like a controlled shutdown: leadership moves and the ISR shrinks first, then the broker goes. */
  async stopBroker(id: number): Promise<void> {
    const broker = this.broker(id);
    if (!broker.running) return;
    this.ctx.clearFenceTimer(id);
    this.ctx.controller.fenceBroker(id);
    await broker.kill();
    this.ctx.log(`broker ${id} stopped (controlled shutdown)`);
  }

  /** Starts a killed or stopped broker with the data it had; it catches up and rejoins the ISR. */
  async startBroker(id: number): Promise<void> {
    const broker = this.broker(id);
    if (broker.running) return;
    this.ctx.clearFenceTimer(id);
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
    for (const broker of this.ctx.brokers.values()) await broker.kill();
    this.ctx.close();
  }
}
