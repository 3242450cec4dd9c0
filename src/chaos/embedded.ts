/**
 * The embedded chaos cluster: three brokers in THIS process on free ports, a temp data dir, and a short broker
 * session timeout, seen through the same `Cluster` interface as the Docker backend (InProcessCluster). In-process
 * (instead of the `cluster:up` daemon) because it is isolated from whatever runs on 9092, starts in milliseconds, and
 * a kill is a method call rather than an HTTP round trip.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { EmbeddedCluster } from '../broker/embedded-cluster.js';
import { InProcessCluster } from '../cluster/in-process.js';
import type { Cluster } from '../cluster/types.js';

/** Session timeout of the chaos cluster: a killed broker is fenced after 1 s (Kafka's default is 9 s, our compose files 5 s). */
export const CHAOS_SESSION_TIMEOUT_MS = 1000;

export interface InProcessChaosCluster {
  cluster: Cluster;
  embedded: EmbeddedCluster;
  /** Closes the brokers and removes the temp data dir. */
  close(): Promise<void>;
}

export async function startChaosCluster(options: { brokers?: number; sessionTimeoutMs?: number; log?: (line: string) => void } = {}): Promise<InProcessChaosCluster> {
  const dataDir = mkdtempSync(join(tmpdir(), 'kafka-lab-chaos-'));
  const embedded = await EmbeddedCluster.start({
    brokers: options.brokers ?? 3,
    dataDir,
    clusterId: 'kafka-lab-chaos',
    config: {
      brokerSessionTimeoutMs: options.sessionTimeoutMs ?? CHAOS_SESSION_TIMEOUT_MS,
    },
    ...(options.log ? { log: options.log } : {}),
  });
  const cluster = new InProcessCluster(embedded, 'multi');
  return {
    cluster,
    embedded,
    async close() {
      await embedded.close();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
