/**
 * The public face of src/cluster. Scripts and labs get a Cluster here and never pick a backend class themselves:
 *
 *   const cluster = await openCluster({ backend: 'auto', profile: 'multi' });   // prints "backend: jvm (auto: ...)"
 *   await cluster.up();
 *   cluster.bootstrapServers();   // ['127.0.0.1:9092', '127.0.0.1:9093', '127.0.0.1:9094'] on every backend
 */
import type { BackendContext, BackendModule } from './backend-module.js';
import { dockerBackend } from './docker/index.js';
import { embeddedBackend } from './embedded/index.js';
import { labHome, readCurrent } from './home.js';
import { jvmBackend } from './jvm/index.js';
import type { CommandRunner } from './runner.js';
import { type BackendSelection, describeSelection, selectBackend } from './select-backend.js';
import type { BackendChoice, BackendName, Cluster, Profile } from './types.js';

export * from './types.js';
export { DockerBackend, DEFAULT_KAFKA_IMAGE, kafkaImage } from './docker/backend.js';
export { JvmBackend } from './jvm/backend.js';
export { selectBackend, describeSelection, parseBackendChoice } from './select-backend.js';
export type { BackendSelection, BackendCandidate, BackendProbe, RunningCluster } from './select-backend.js';
export type { BackendModule, BackendContext } from './backend-module.js';
export { labHome, readCurrent, writeCurrent, clearCurrent, PROJECT_ROOT } from './home.js';
export { waitForBrokers } from './ready.js';
export { readStatus } from './status.js';
export { activeController, electLeaders } from './kafka-requests.js';
export type { CommandRunner, CommandResult } from './runner.js';

/** auto's order: real Kafka in Docker, real Kafka on the JVM, then the embedded cluster, which always works. */
export const BACKENDS: readonly BackendModule[] = [dockerBackend, jvmBackend, embeddedBackend];

export function backendModule(name: BackendName): BackendModule {
  return BACKENDS.find((b) => b.name === name)!;
}

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

function context(options: OpenClusterOptions): BackendContext {
  const env = options.env ?? process.env;
  return {
    home: options.home ?? labHome(env),
    env,
    log: options.log ?? ((line: string) => process.stderr.write(line + '\n')),
    ...(options.runner ? { runner: options.runner } : {}),
  };
}

/** Which backend and why, without opening anything. */
export async function chooseBackend(options: OpenClusterOptions = {}): Promise<BackendSelection> {
  const ctx = context(options);
  return selectBackend({
    flag: options.backend,
    env: ctx.env,
    candidates: BACKENDS.map((b) => ({ name: b.name, running: () => b.running(ctx), probe: () => b.probe(ctx) })),
  });
}

export async function openBackend(backend: BackendName, profile: Profile, options: OpenClusterOptions = {}): Promise<Cluster> {
  return backendModule(backend).open(profile, context(options));
}

/** Select the backend (printing which and why), then return its Cluster for the profile. Nothing is started yet. */
export async function openCluster(options: OpenClusterOptions = {}): Promise<Cluster> {
  const ctx = context(options);
  const selection = await chooseBackend(options);
  ctx.log(describeSelection(selection));
  const current = readCurrent(ctx.home);
  // A backend named by --backend / KAFKA_LAB_BACKEND was not found running by auto: ask it which profile runs.
  const running = options.profile || selection.profile ? null : await backendModule(selection.backend).running(ctx).catch(() => null);
  const profile =
    options.profile ?? selection.profile ?? running?.profile ?? (current?.backend === selection.backend ? current.profile : undefined) ?? 'single';
  return openBackend(selection.backend, profile, options);
}
