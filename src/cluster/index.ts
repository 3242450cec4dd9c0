/**
 * The public face of src/cluster. Scripts and labs get a Cluster here and never pick a backend class themselves:
 *
 *   const cluster = await openCluster({ backend: 'auto', profile: 'multi' });   // prints "backend: docker (auto: ...)"
 *   await cluster.up();
 *   cluster.bootstrapServers();   // ['127.0.0.1:9092', '127.0.0.1:9093', '127.0.0.1:9094'] for both backends
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { DockerBackend } from './docker.js';
import { labHome, readCurrent } from './home.js';
import type { CommandRunner } from './runner.js';
import { type BackendSelection, type SelectionProbes, describeSelection, selectBackend } from './select-backend.js';
import type { BackendChoice, BackendName, Cluster, Profile } from './types.js';

export * from './types.js';
export { DockerBackend, DEFAULT_KAFKA_IMAGE, kafkaImage } from './docker.js';
export { selectBackend, describeSelection, parseBackendChoice } from './select-backend.js';
export type { BackendSelection, SelectionProbes, DockerProbe } from './select-backend.js';
export { labHome, readCurrent, writeCurrent, clearCurrent, PROJECT_ROOT } from './home.js';
export { waitForBrokers } from './ready.js';
export type { CommandRunner, CommandResult } from './runner.js';

export interface OpenClusterOptions {
  /** default: KAFKA_LAB_BACKEND, else auto */
  backend?: BackendChoice | undefined;
  /** default: the profile of the cluster that runs (cluster:up remembers it), else 'single' */
  profile?: Profile | undefined;
  /** where the "backend: ... (why)" line and other one-liners go (default: stderr, so --json output stays clean) */
  log?: (line: string) => void;
  home?: string;
  /** tests: a fake docker */
  runner?: CommandRunner;
  env?: NodeJS.ProcessEnv;
}

/** Is an embedded daemon alive? (its pid file, without asking it anything: this must be cheap). */
async function embeddedRunning(home: string): Promise<{ profile: Profile } | null> {
  const file = join(home, 'embedded', 'daemon.json');
  if (!existsSync(file)) return null;
  try {
    const { readDaemonInfo, pidAlive } = await import('../broker/daemon-files.js');
    const info = readDaemonInfo(file);
    return info && pidAlive(info.pid) ? { profile: info.profile } : null;
  } catch {
    return null;
  }
}

/** The probes `auto` uses, on the real machine. */
export function defaultProbes(options: { home: string; runner?: CommandRunner }): SelectionProbes {
  return {
    async running() {
      const current = readCurrent(options.home);
      if (current?.backend === 'docker') {
        const docker = new DockerBackend({ profile: current.profile, home: options.home, ...(options.runner ? { runner: options.runner } : {}), log: () => {} });
        if (await docker.isUp()) {
          return { backend: 'docker', profile: current.profile, detail: `a ${current.profile} cluster is running in Docker` };
        }
      }
      const embedded = await embeddedRunning(options.home);
      if (embedded) return { backend: 'embedded', profile: embedded.profile, detail: `an embedded ${embedded.profile} cluster is running` };
      return null;
    },
    async docker() {
      const docker = new DockerBackend({ profile: 'single', home: options.home, ...(options.runner ? { runner: options.runner } : {}), log: () => {} });
      let version: string;
      try {
        version = await docker.checkEngine();
      } catch (error) {
        return { usable: false, detail: (error as Error).message.split(':')[0]! };
      }
      try {
        if (await docker.imagePresent()) return { usable: true, detail: `Docker ${version} answers and ${docker.image} is present` };
      } catch {
        /* fall through: treat as absent */
      }
      return { usable: false, detail: `Docker ${version} answers but ${docker.image} is not pulled (\`docker pull ${docker.image}\` to use it)` };
    },
  };
}

/** Which backend and why, without opening anything. */
export async function chooseBackend(options: OpenClusterOptions = {}): Promise<BackendSelection> {
  const home = options.home ?? labHome(options.env);
  return selectBackend({
    flag: options.backend,
    ...(options.env ? { env: options.env } : {}),
    probes: defaultProbes({ home, ...(options.runner ? { runner: options.runner } : {}) }),
  });
}

export async function openBackend(backend: BackendName, profile: Profile, options: OpenClusterOptions = {}): Promise<Cluster> {
  const log = options.log ?? ((line: string) => process.stderr.write(line + '\n'));
  if (backend === 'docker') {
    return new DockerBackend({ profile, log, ...(options.home ? { home: options.home } : {}), ...(options.runner ? { runner: options.runner } : {}) });
  }
  const { EmbeddedBackend } = await import('./embedded.js');
  return new EmbeddedBackend({ profile, log, ...(options.home ? { home: options.home } : {}) });
}

/** Select the backend (printing which and why), then return its Cluster for the profile. Nothing is started yet. */
export async function openCluster(options: OpenClusterOptions = {}): Promise<Cluster> {
  const log = options.log ?? ((line: string) => process.stderr.write(line + '\n'));
  const selection = await chooseBackend(options);
  log(describeSelection(selection));
  const current = readCurrent(options.home ?? labHome(options.env));
  const profile =
    options.profile ?? selection.profile ?? (current?.backend === selection.backend ? current.profile : undefined) ?? 'single';
  return openBackend(selection.backend, profile, { ...options, log });
}

export { readStatus, renderStatus, watchStatus } from './status.js';
export type { RenderOptions, WatchOptions } from './status.js';
