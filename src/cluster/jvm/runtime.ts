/**
 * The Kafka runtime the jvm backend runs: the broker's jars, kept outside the repository in a cache shared by every
 * checkout, one folder per version.
 *
 *   <cache>/kafka-4.4.0/libs/*.jar        the runtime classpath (kafka_2.13, kafka-tools, the SLF4J binding, …)
 *   <cache>/kafka-4.4.0/manifest.json     written last: a folder without it is never used
 *
 * <cache> is KAFKA_LAB_CACHE, else $XDG_CACHE_HOME/kafka-lab, else ~/.cache/kafka-lab.
 * Which jars, and their SHA-256, are pinned in kafka-runtime.lock.json beside this file (`yarn kafka:lock` writes it).
 */
import { existsSync, readFileSync, readdirSync, statSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { KAFKA_VERSION } from '../../common/kafka-version.js';

export const LOCK_FILE = join(dirname(fileURLToPath(import.meta.url)), 'kafka-runtime.lock.json');

/** One jar of the runtime, as Maven Central serves it. */
export interface LockedArtifact {
  groupId: string;
  artifactId: string;
  version: string;
  /** e.g. kafka_2.13-4.4.0.jar */
  file: string;
  sha256: string;
  size: number;
}

export interface RuntimeLock {
  kafkaVersion: string;
  /** what was resolved, with every dependency: the broker, the tools, the SLF4J binding */
  roots: string[];
  artifacts: LockedArtifact[];
}

export interface RuntimeManifest {
  kafkaVersion: string;
  installedAt: string;
  /** maven | download | ~/.m2 */
  source: string;
  jars: Array<{ file: string; sha256: string; size: number }>;
}

export function cacheRoot(env: NodeJS.ProcessEnv = process.env): string {
  if (env.KAFKA_LAB_CACHE) return resolve(env.KAFKA_LAB_CACHE);
  const base = env.XDG_CACHE_HOME ? resolve(env.XDG_CACHE_HOME) : join(env.HOME ?? homedir(), '.cache');
  return join(base, 'kafka-lab');
}

export function runtimeDir(version = KAFKA_VERSION, env: NodeJS.ProcessEnv = process.env): string {
  return join(cacheRoot(env), `kafka-${version}`);
}

export const libsDir = (dir: string) => join(dir, 'libs');
export const manifestFile = (dir: string) => join(dir, 'manifest.json');
/** The JVM's classpath: every jar of libs/ (the JVM expands the wildcard itself). */
export const classpath = (dir: string) => join(libsDir(dir), '*');

export function readLock(file = LOCK_FILE): RuntimeLock {
  return JSON.parse(readFileSync(file, 'utf8')) as RuntimeLock;
}

/** Maven's repository layout: org/apache/kafka/kafka_2.13/4.4.0/kafka_2.13-4.4.0.jar */
export function repositoryPath(a: Pick<LockedArtifact, 'groupId' | 'artifactId' | 'version' | 'file'>): string {
  return [...a.groupId.split('.'), a.artifactId, a.version, a.file].join('/');
}

export type RuntimeState =
  | { kind: 'installed'; dir: string; manifest: RuntimeManifest }
  | { kind: 'missing'; dir: string }
  | { kind: 'broken'; dir: string; problem: string };

/**
 * Is the runtime there and whole? Cheap (sizes, not checksums: those were checked when it was installed), so `auto`
 * can ask it on every command.
 */
export function runtimeState(dir = runtimeDir()): RuntimeState {
  if (!existsSync(manifestFile(dir))) return existsSync(dir) ? { kind: 'broken', dir, problem: 'it has no manifest.json (an interrupted install?)' } : { kind: 'missing', dir };
  let manifest: RuntimeManifest;
  try {
    manifest = JSON.parse(readFileSync(manifestFile(dir), 'utf8')) as RuntimeManifest;
  } catch {
    return { kind: 'broken', dir, problem: 'its manifest.json is unreadable' };
  }
  if (!Array.isArray(manifest.jars) || manifest.jars.length === 0) return { kind: 'broken', dir, problem: 'its manifest.json lists no jars' };
  const present = new Set(existsSync(libsDir(dir)) ? readdirSync(libsDir(dir)) : []);
  for (const jar of manifest.jars) {
    if (!present.has(jar.file)) return { kind: 'broken', dir, problem: `${jar.file} is missing` };
    if (statSync(join(libsDir(dir), jar.file)).size !== jar.size) return { kind: 'broken', dir, problem: `${jar.file} has the wrong size` };
  }
  return { kind: 'installed', dir, manifest };
}
