/**
 * `yarn kafka:lock`: pins the jvm backend's runtime. Resolves the broker (kafka_2.13) and the tools (kafka-tools) of
 * KAFKA_VERSION with every runtime dependency through mvn, adds the SLF4J binding Kafka's own distribution ships
 * (log4j-slf4j-impl, at the version of the log4j-core the broker brings: without it the broker logs nothing), and writes
 * each jar's coordinates, size and SHA-256 to kafka-runtime.lock.json. Installs then fetch exactly these bytes.
 */
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { KAFKA_VERSION, SCALA_VERSION } from '../../common/kafka-version.js';
import { UserError } from '../../common/user-error.js';
import { type MavenDependency, type ResolvedJar, resolveWithMaven } from './maven.js';
import { LOCK_FILE, type LockedArtifact, type RuntimeLock } from './runtime.js';

export const sha256File = (path: string) => createHash('sha256').update(readFileSync(path)).digest('hex');

export function lockRoots(version = KAFKA_VERSION): MavenDependency[] {
  return [
    { groupId: 'org.apache.kafka', artifactId: `kafka_${SCALA_VERSION}`, version },
    { groupId: 'org.apache.kafka', artifactId: 'kafka-tools', version },
  ];
}

function toLocked(jars: ResolvedJar[]): LockedArtifact[] {
  return jars.map((j) => {
    const bytes = readFileSync(j.path);
    return { groupId: j.groupId, artifactId: j.artifactId, version: j.version, file: j.file, sha256: createHash('sha256').update(bytes).digest('hex'), size: bytes.length };
  });
}

export async function buildLock(version = KAFKA_VERSION, onLine?: (line: string) => void): Promise<RuntimeLock> {
  const out = mkdtempSync(join(tmpdir(), 'kafka-lab-lock-'));
  try {
    const roots = lockRoots(version);
    const first = await resolveWithMaven({ dependencies: roots, transitive: true, outputDir: join(out, 'a'), ...(onLine ? { onLine } : {}) });
    const log4j = first.find((j) => j.groupId === 'org.apache.logging.log4j' && j.artifactId === 'log4j-core');
    if (!log4j) throw new UserError(`kafka_${SCALA_VERSION} ${version} brings no log4j-core: pick the SLF4J binding by hand`);
    const binding = { groupId: 'org.apache.logging.log4j', artifactId: 'log4j-slf4j-impl', version: log4j.version };
    const all = await resolveWithMaven({ dependencies: [...roots, binding], transitive: true, outputDir: join(out, 'b'), ...(onLine ? { onLine } : {}) });
    return {
      kafkaVersion: version,
      roots: [...roots, binding].map((r) => `${r.groupId}:${r.artifactId}:${r.version}`),
      artifacts: toLocked(all),
    };
  } finally {
    rmSync(out, { recursive: true, force: true });
  }
}

export function writeLock(lock: RuntimeLock, file = LOCK_FILE): void {
  writeFileSync(file, JSON.stringify(lock, null, 2) + '\n');
}
