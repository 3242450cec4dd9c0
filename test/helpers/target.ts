/**
 * The Kafka a behaviour test talks to: the embedded cluster in this process (default), or real Apache Kafka through
 * the jvm backend when KAFKA_LAB_TEST_BACKEND=jvm (vitest's `jvm` project sets it, see vitest.config.ts). The same test
 * then says the same thing of both, which is how the embedded cluster's lessons are kept true of Kafka.
 *
 *   const t = await startTarget({ brokers: 3 });      // one per test file: a JVM cluster takes seconds to start
 *   t.kafka().producer() … ; await t.cluster.killBroker(2); … ; await t.destroy();
 */
import { Kafka, type KafkaConfig, logLevel } from 'kafkajs';
import { InProcessCluster } from '../../src/cluster/in-process.js';
import type { Cluster } from '../../src/cluster/types.js';
import type { EmbeddedClusterOptions } from '../../src/broker/embedded-cluster.js';
import { startTestCluster } from './embedded.js';
import { jvmSkip, jvmTestCluster } from './jvm.js';

export type TargetName = 'embedded' | 'jvm';
export const TARGET: TargetName = process.env.KAFKA_LAB_TEST_BACKEND === 'jvm' ? 'jvm' : 'embedded';

export interface KafkaTarget {
  name: TargetName;
  cluster: Cluster;
  bootstrapServers: string[];
  clusterId(): Promise<string>;
  kafka(config?: Partial<KafkaConfig>): Kafka;
  /** Stops every broker and starts them again on the same data (a whole-cluster restart). */
  restart(): Promise<void>;
  destroy(): Promise<void>;
}

/** null when the target can run here; on jvm without Java/Kafka, the reason (printed once, as a skip). */
export function targetSkip(file: string): string | null {
  return TARGET === 'jvm' ? jvmSkip(file) : null;
}

/** A describe title that says which Kafka it ran on. */
export const on = (what: string) => `${what} [${TARGET === 'jvm' ? 'Apache Kafka via the jvm backend' : 'embedded cluster'}]`;

function kafkaFor(bootstrap: () => string[], config: Partial<KafkaConfig>): Kafka {
  return new Kafka({
    clientId: 'kafka-lab-test',
    brokers: bootstrap(),
    logLevel: logLevel.NOTHING,
    retry: { retries: 10, initialRetryTime: 100, maxRetryTime: 1000 },
    ...config,
  });
}

export async function startTarget(options: { brokers: 1 | 3; embedded?: Partial<EmbeddedClusterOptions> }): Promise<KafkaTarget> {
  if (TARGET === 'jvm') {
    const c = await jvmTestCluster(options.brokers === 3 ? 'multi' : 'single');
    await c.backend.up();
    return {
      name: 'jvm',
      cluster: c.backend,
      bootstrapServers: c.backend.bootstrapServers(),
      clusterId: async () => (await c.backend.status()).clusterId ?? '',
      kafka: (config = {}) => kafkaFor(() => c.backend.bootstrapServers(), config),
      restart: async () => {
        await c.backend.down();
        await c.backend.up();
      },
      destroy: () => c.destroy(),
    };
  }
  const t = await startTestCluster({ brokers: options.brokers, ...options.embedded });
  let cluster = new InProcessCluster(t.cluster);
  const target: KafkaTarget = {
    name: 'embedded',
    get cluster() {
      return cluster;
    },
    get bootstrapServers() {
      return t.cluster.bootstrapServers;
    },
    clusterId: async () => t.cluster.clusterId,
    kafka: (config = {}) => kafkaFor(() => t.cluster.bootstrapServers, config),
    restart: async () => {
      await t.restart();
      cluster = new InProcessCluster(t.cluster);
    },
    destroy: () => t.destroy(),
  };
  return target;
}


export { createTopicsAndWait } from '../../src/clients/topics.js';
