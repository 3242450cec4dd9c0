/**
 * `yarn kafka:install`: puts the pinned Kafka runtime (kafka-runtime.lock.json) in the cache, checked byte for byte.
 *
 * Where the jars come from, in order, for each one:
 *   1. ~/.m2/repository, when a jar there has the pinned SHA-256 (a previous mvn run, any project);
 *   2. `mvn` (via maven, the default when mvn is installed): Maven's own client, so a user's settings.xml (mirrors,
 *      proxies, a company repository) applies and ~/.m2 keeps a copy;
 *   3. a plain HTTPS download from Maven Central (via download, the default without mvn; KAFKA_LAB_MAVEN_REPO
 *      names a mirror), for a user who has Java and nothing else.
 * Every jar is checked against its pinned SHA-256 whichever way it came. The runtime is assembled in a staging folder
 * and renamed into place only when complete, manifest.json last: an interrupted install leaves nothing that is used.
 */
import { createHash } from 'node:crypto';
import { copyFileSync, createWriteStream, existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { basename, dirname, join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { Readable, Transform } from 'node:stream';
import { UserError } from '../../common/user-error.js';
import { MavenError, mavenAvailable, resolveWithMaven } from './maven.js';
import {
  type LockedArtifact,
  type RuntimeLock,
  type RuntimeManifest,
  libsDir,
  manifestFile,
  readLock,
  repositoryPath,
  runtimeDir,
  runtimeState,
} from './runtime.js';

export const MAVEN_CENTRAL = 'https://repo.maven.apache.org/maven2';

export type InstallVia = 'auto' | 'maven' | 'download';

export interface InstallProgress {
  /** what is being fetched now */
  detail: string;
  doneBytes: number;
  totalBytes: number;
}

export interface InstallOptions {
  via?: InstallVia;
  /** reinstall even when the runtime is there */
  force?: boolean;
  lock?: RuntimeLock;
  dir?: string;
  env?: NodeJS.ProcessEnv;
  onProgress?: (progress: InstallProgress) => void;
  /** one-line notes: which source, what was reused */
  log?: (line: string) => void;
  mvn?: string;
}

export interface InstallResult {
  dir: string;
  already: boolean;
  source: string;
  bytes: number;
}

const OFFLINE = /ENOTFOUND|EAI_AGAIN|ECONNREFUSED|ENETUNREACH|ETIMEDOUT|ECONNRESET|fetch failed|Could not transfer|Unknown host|Network is unreachable|offline/i;

export function offlineMessage(version: string, cause: string): string {
  return `cannot fetch the Kafka ${version} runtime (${cause}): connect to the internet and run \`yarn kafka:install\` once; after that the jvm backend works offline`;
}

const sha256 = (path: string) => createHash('sha256').update(readFileSync(path)).digest('hex');

function m2Repository(env: NodeJS.ProcessEnv): string {
  return env.KAFKA_LAB_M2_REPO ?? join(env.HOME ?? homedir(), '.m2', 'repository');
}

/** Staging folders of installs that died (their pid is gone) are removed. */
function removeDeadStaging(dir: string): void {
  const parent = dirname(dir);
  if (!existsSync(parent)) return;
  for (const name of readdirSync(parent)) {
    const m = new RegExp(`^${basename(dir).replace(/\./g, '\\.')}\\.partial-(\\d+)$`).exec(name);
    if (!m) continue;
    let alive = false;
    try {
      process.kill(Number(m[1]), 0);
      alive = true;
    } catch (error) {
      alive = (error as NodeJS.ErrnoException).code === 'EPERM';
    }
    if (!alive) rmSync(join(parent, name), { recursive: true, force: true });
  }
}

export async function installRuntime(options: InstallOptions = {}): Promise<InstallResult> {
  const env = options.env ?? process.env;
  const lock = options.lock ?? readLock();
  const dir = options.dir ?? runtimeDir(lock.kafkaVersion, env);
  const log = options.log ?? (() => {});
  const totalBytes = lock.artifacts.reduce((n, a) => n + a.size, 0);
  const state = runtimeState(dir);
  if (state.kind === 'installed' && !options.force && state.manifest.kafkaVersion === lock.kafkaVersion) {
    return { dir, already: true, source: state.manifest.source, bytes: totalBytes };
  }

  mkdirSync(dirname(dir), { recursive: true });
  removeDeadStaging(dir);
  const staging = `${dir}.partial-${process.pid}`;
  rmSync(staging, { recursive: true, force: true });
  mkdirSync(libsDir(staging), { recursive: true });
  let doneBytes = 0;
  const progress = (detail: string) => options.onProgress?.({ detail, doneBytes, totalBytes });

  try {
    // 1. What ~/.m2 already has, byte for byte.
    const m2 = m2Repository(env);
    const wanted: LockedArtifact[] = [];
    for (const artifact of lock.artifacts) {
      const cached = join(m2, repositoryPath(artifact));
      if (existsSync(cached) && statSync(cached).size === artifact.size && sha256(cached) === artifact.sha256) {
        copyFileSync(cached, join(libsDir(staging), artifact.file));
        doneBytes += artifact.size;
      } else {
        wanted.push(artifact);
      }
    }
    if (wanted.length < lock.artifacts.length) log(`${lock.artifacts.length - wanted.length} of ${lock.artifacts.length} jars found in ${m2}`);
    progress('~/.m2');

    // 2./3. The rest through mvn or straight from the repository.
    let source = wanted.length === 0 ? '~/.m2' : 'download';
    if (wanted.length > 0) {
      const via = options.via ?? 'auto';
      const useMaven = via === 'maven' || (via === 'auto' && (await mavenAvailable(options.mvn, env)));
      if (useMaven) {
        source = 'maven';
        log(`fetching ${wanted.length} jar(s) with mvn (your ~/.m2/settings.xml applies)`);
        const counted = new Set<string>();
        await fetchWithMaven(wanted, staging, options.mvn, env, (file) => {
          const artifact = wanted.find((a) => a.file === file);
          if (artifact && !counted.has(file)) {
            counted.add(file);
            doneBytes += artifact.size;
          }
          progress(file);
        });
      } else {
        const repo = (env.KAFKA_LAB_MAVEN_REPO ?? MAVEN_CENTRAL).replace(/\/+$/, '');
        log(`downloading ${wanted.length} jar(s) from ${repo}`);
        for (const artifact of wanted) {
          await download(`${repo}/${repositoryPath(artifact)}`, join(libsDir(staging), artifact.file), (bytes) => {
            doneBytes += bytes;
            progress(artifact.file);
          });
        }
      }
    }

    // Every jar, whichever way it came, must be the pinned one.
    for (const artifact of lock.artifacts) {
      const path = join(libsDir(staging), artifact.file);
      if (!existsSync(path)) throw new UserError(`the Kafka runtime is incomplete: ${artifact.file} did not arrive; run \`yarn kafka:install\` again`);
      const actual = sha256(path);
      if (actual !== artifact.sha256) {
        throw new UserError(
          `${artifact.file} does not match its pinned checksum (SHA-256 ${actual.slice(0, 12)}…, expected ${artifact.sha256.slice(0, 12)}…): a mirror or proxy changed it; nothing was installed`,
        );
      }
    }
    const manifest: RuntimeManifest = {
      kafkaVersion: lock.kafkaVersion,
      installedAt: new Date().toISOString(),
      source,
      jars: lock.artifacts.map((a) => ({ file: a.file, sha256: a.sha256, size: a.size })),
    };
    writeFileSync(manifestFile(staging), JSON.stringify(manifest, null, 2) + '\n');
    rmSync(dir, { recursive: true, force: true });
    renameSync(staging, dir);
    return { dir, already: false, source, bytes: totalBytes };
  } catch (error) {
    rmSync(staging, { recursive: true, force: true });
    if (error instanceof UserError) throw error;
    const message = error instanceof Error ? error.message : String(error);
    const cause = error instanceof Error && error.cause instanceof Error ? `${message}: ${error.cause.message}` : message;
    if (OFFLINE.test(cause)) throw new UserError(offlineMessage(lock.kafkaVersion, cause.split('\n')[0]!.slice(0, 160)));
    throw new UserError(`installing the Kafka ${lock.kafkaVersion} runtime failed: ${cause.split('\n')[0]}`);
  }
}

async function fetchWithMaven(artifacts: LockedArtifact[], staging: string, mvn: string | undefined, env: NodeJS.ProcessEnv, onJar: (file: string) => void): Promise<void> {
  const out = join(staging, 'mvn');
  try {
    const jars = await resolveWithMaven({
      dependencies: artifacts.map((a) => ({ groupId: a.groupId, artifactId: a.artifactId, version: a.version })),
      transitive: false,
      outputDir: out,
      env,
      ...(mvn ? { mvn } : {}),
      onLine: (line) => {
        // A jar counts once it is downloaded, or copied out of ~/.m2.
        const m = /Downloaded from \S+: \S*\/([^/\s]+\.jar)\b/.exec(line) ?? /(?:Copying|Installing) \S*?([^/\s]+\.jar) to /.exec(line);
        if (m) onJar(m[1]!);
      },
    });
    for (const jar of jars) renameSync(jar.path, join(libsDir(staging), jar.file));
  } catch (error) {
    if (error instanceof MavenError) {
      const text = error.lines.join('\n');
      if (OFFLINE.test(text)) throw new Error(`mvn: ${error.message}`);
      throw new UserError(`mvn could not fetch the Kafka runtime: ${error.message}`);
    }
    throw error;
  } finally {
    rmSync(out, { recursive: true, force: true });
  }
}

/** One file over HTTPS, streamed to disk, reporting bytes as they arrive. */
async function download(url: string, path: string, onBytes: (bytes: number) => void): Promise<void> {
  const response = await fetch(url, { signal: AbortSignal.timeout(120_000) });
  if (!response.ok || !response.body) throw new UserError(`downloading ${url} failed: HTTP ${response.status}; nothing was installed`);
  const counter = new Transform({
    transform(chunk: Buffer, _encoding, callback) {
      onBytes(chunk.length);
      callback(null, chunk);
    },
  });
  try {
    await pipeline(Readable.fromWeb(response.body as import('node:stream/web').ReadableStream), counter, createWriteStream(path));
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    if (OFFLINE.test(message)) throw error;
    throw new UserError(`the download of ${basename(path)} broke off (${message}): nothing was installed; run \`yarn kafka:install\` again`);
  }
}
