/**
 * The two clusters a run compares: the embedded cluster in this process and real Apache Kafka as local JVMs (the jvm
 * backend). Both have three brokers with the kit's `multi` settings (RF 3, min.insync.replicas 2, a 5 s broker
 * session timeout), both on free ports in a temp home: never 9092, never a cluster someone else started.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { EmbeddedCluster } from '../broker/embedded-cluster.js';
import { InProcessCluster } from '../cluster/in-process.js';
import { JvmBackend } from '../cluster/jvm/backend.js';
import { probeJava } from '../cluster/jvm/java.js';
import { runtimeDir, runtimeState } from '../cluster/jvm/runtime.js';
import { freePortsOutsideEphemeral } from '../cluster/ports.js';
import type { Cluster } from '../cluster/types.js';
import { requestOnce } from '../cluster/kafka-requests.js';
import { setTimeout as sleep } from 'node:timers/promises';
import { KAFKA_VERSION } from '../common/kafka-version.js';
import type { Backend } from './types.js';

export const BROKER_IDS = [1, 2, 3] as const;

export interface RunningCluster {
  backend: Backend;
  cluster: Cluster;
  bootstrap(): string[];
  /** Starts every broker that is down and waits until each serves again. */
  heal(): Promise<void>;
  destroy(): Promise<void>;
}

/** null when real Kafka can run here, else why not (one line). */
export function jvmProblem(): string | null {
  const java = probeJava();
  if (!java.ok) return `${java.problem}: the conformance suite compares against real Kafka and needs Java 17+`;
  if (runtimeState(runtimeDir()).kind !== 'installed') return `the Kafka ${KAFKA_VERSION} runtime is not installed: run \`yarn kafka:install\` once`;
  return null;
}

export async function startEmbedded(): Promise<RunningCluster> {
  const dataDir = mkdtempSync(join(tmpdir(), 'kafka-lab-conformance-embedded-'));
  // the settings the daemon gives a 3-broker cluster (src/cluster/embedded/daemon.ts), i.e. the compose files'
  const embedded = await EmbeddedCluster.start({ brokers: 3, dataDir, config: { minInsyncReplicas: 2 } });
  const cluster = new InProcessCluster(embedded);
  await warmUpGroups(embedded.bootstrapServers);
  return {
    backend: 'embedded',
    cluster,
    bootstrap: () => embedded.bootstrapServers,
    heal: () => healAll(cluster),
    async destroy() {
      await embedded.close();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

export async function startJvm(log: (line: string) => void): Promise<RunningCluster> {
  const home = mkdtempSync(join(tmpdir(), 'kafka-lab-conformance-jvm-'));
  const free = await freePortsOutsideEphemeral(6);
  const cluster = new JvmBackend({ profile: 'multi', home, ports: free.slice(0, 3), controllerPorts: free.slice(3), log, install: false });
  const destroy = async () => {
    await cluster.reset().catch(() => undefined);
    rmSync(home, { recursive: true, force: true });
  };
  try {
    await cluster.up();
  } catch (error) {
    await destroy();
    throw error;
  }
  try {
    await warmUpGroups(cluster.bootstrapServers());
  } catch (error) {
    await destroy();
    throw error;
  }
  return { backend: 'jvm', cluster, bootstrap: () => cluster.bootstrapServers(), heal: () => healAll(cluster), destroy };
}

/**
 * Kafka creates `__consumer_offsets` (50 partitions, RF 3) on a group's first FindCoordinator, which takes seconds; the
 * embedded cluster has it from the start. One group joined up front keeps that out of the first scenario's timings.
 */
async function warmUpGroups(bootstrap: string[]): Promise<void> {
  for (const deadline = Date.now() + 90_000; Date.now() < deadline; await sleep(250)) {
    const answer = await requestOnce(bootstrap[0]!, 10, 1, { key: 'conformance-warm-up', keyType: 0 }).catch(() => null);
    if (answer?.errorCode === 0) return;
  }
  throw new Error('the group coordinator did not come up within 90 s (FindCoordinator)');
}

async function healAll(cluster: Cluster): Promise<void> {
  const down = (await cluster.brokers()).filter((b) => !b.up).map((b) => b.id);
  // with 2 of 3 down, the first alone is no quorum: start them together
  await Promise.all(down.map((id) => cluster.startBroker(id)));
}
