/**
 * Real Apache Kafka for tests, through the jvm backend: on free ports, in a temp home, so it never meets a user's
 * cluster on 9092. Without Java 17+ or the Kafka runtime the tests print one line and skip — unless
 * KAFKA_LAB_REQUIRE_JVM=1 (.ci/run sets it once it has installed both), which turns the skip into a failure.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { KAFKA_VERSION } from '../../src/common/kafka-version.js';
import { JvmBackend } from '../../src/cluster/jvm/backend.js';
import { probeJava } from '../../src/cluster/jvm/java.js';
import { runtimeDir, runtimeState } from '../../src/cluster/jvm/runtime.js';
import type { Profile } from '../../src/cluster/types.js';
import { freePortsOutsideEphemeral } from '../../src/cluster/ports.js';

export { freePortsOutsideEphemeral };

export interface JvmAvailability {
  /** null when real Kafka can run here */
  skip: string | null;
  required: boolean;
}

export function jvmAvailability(): JvmAvailability {
  const required = process.env.KAFKA_LAB_REQUIRE_JVM === '1';
  const java = probeJava();
  if (!java.ok) return { skip: java.problem, required };
  const runtime = runtimeState(runtimeDir());
  if (runtime.kind !== 'installed') return { skip: `the Kafka ${KAFKA_VERSION} runtime is not installed (\`yarn kafka:install\`)`, required };
  return { skip: null, required };
}

/** Announces a skip in the test output (a skipped test is not a passing one) or fails when the runtime is required. */
export function jvmSkip(file: string): string | null {
  const { skip, required } = jvmAvailability();
  if (skip && required) throw new Error(`${file}: KAFKA_LAB_REQUIRE_JVM=1 but ${skip}`);
  if (skip) console.warn(`${file}: skipped: real Kafka cannot run here: ${skip}`);
  return skip;
}

export interface JvmTestCluster {
  backend: JvmBackend;
  home: string;
  ports: number[];
  controllerPorts: number[];
  destroy(): Promise<void>;
}

/** A JvmBackend of the profile on free ports (not started). */
export async function jvmTestCluster(profile: Profile, options: { home?: string; log?: (line: string) => void } = {}): Promise<JvmTestCluster> {
  const n = profile === 'multi' ? 3 : 1;
  const free = await freePortsOutsideEphemeral(2 * n);
  const ports = free.slice(0, n);
  const controllerPorts = free.slice(n);
  const home = options.home ?? mkdtempSync(join(tmpdir(), 'kafka-lab-jvm-'));
  const backend = new JvmBackend({ profile, home, ports, controllerPorts, log: options.log ?? (() => {}) });
  return {
    backend,
    home,
    ports,
    controllerPorts,
    async destroy() {
      await backend.reset().catch(() => undefined);
      rmSync(home, { recursive: true, force: true });
    },
  };
}
