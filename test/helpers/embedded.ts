import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Kafka, logLevel, type KafkaConfig } from 'kafkajs';
import { EmbeddedCluster, type EmbeddedClusterOptions } from '../../src/broker/embedded-cluster.js';

export interface TestCluster {
  cluster: EmbeddedCluster;
  dataDir: string;
  kafka(config?: Partial<KafkaConfig>): Kafka;
  /** Closes the cluster and removes its data. */
  destroy(): Promise<void>;
  /** Closes and starts the cluster again on the same data dir and ports (a process restart). */
  restart(): Promise<void>;
}

/** An embedded cluster on free ports with a temp data dir; tests get a real TCP Kafka endpoint. */
export async function startTestCluster(options: Partial<EmbeddedClusterOptions> = {}): Promise<TestCluster> {
  const dataDir = options.dataDir ?? mkdtempSync(join(tmpdir(), 'kafka-lab-test-'));
  const start = (brokers: EmbeddedClusterOptions['brokers']) =>
    EmbeddedCluster.start({ brokers, dataDir, ...options, config: { brokerSessionTimeoutMs: 1000, ...options.config } });
  let cluster = await start(options.brokers ?? 1);
  const handle: TestCluster = {
    get cluster() {
      return cluster;
    },
    dataDir,
    kafka(config = {}) {
      return new Kafka({
        clientId: 'kafka-lab-test',
        brokers: cluster.bootstrapServers,
        logLevel: logLevel.NOTHING,
        retry: { retries: 10, initialRetryTime: 100, maxRetryTime: 1000 },
        ...config,
      });
    },
    async destroy() {
      await cluster.close();
      rmSync(dataDir, { recursive: true, force: true });
    },
    async restart() {
      const ports = cluster.brokers().map((b) => ({ id: b.id, port: b.port }));
      await cluster.close();
      cluster = await start(ports);
    },
  };
  return handle;
}

/** Polls `check` until it returns a truthy value (or throws after `timeoutMs`). */
export async function eventually<T>(check: () => T | Promise<T>, timeoutMs = 20_000, intervalMs = 50): Promise<NonNullable<T>> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const value = await check();
      if (value) return value as NonNullable<T>;
    } catch (error) {
      last = error;
    }
    if (Date.now() > deadline) throw new Error(`condition not met within ${timeoutMs} ms${last ? `: ${String(last)}` : ''}`);
    await new Promise((r) => setTimeout(r, intervalMs));
  }
}
