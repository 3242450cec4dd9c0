/**
 * The three backends as the benchmark drives them: start one (timed from the command until every broker serves), find
 * the process behind each broker (for CPU time and RSS from /proc), kill and restart a broker, tear it down.
 *   embedded  EmbeddedCluster in a child process (bench/child.ts): one process for all brokers
 *   jvm       JvmBackend on free ports outside 9092-9094, in a temp home: one JVM per broker
 *   docker    DockerBackend (compose, 9092-9094), only when an engine answers, the image is here and the ports are free
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { Kafka, logLevel } from 'kafkajs';
import { waitForBrokers } from '../src/cluster/ready.js';
import { JvmBackend } from '../src/cluster/jvm/backend.js';
import { nodePaths, runningPid } from '../src/cluster/jvm/nodes.js';
import { bindProblem } from '../src/cluster/ports.js';
import { DockerBackend, kafkaImage } from '../src/cluster/docker/backend.js';
import { LOCAL_KAFKA_IMAGE } from '../src/common/kafka-version.js';
import { PROFILE_BROKERS, type Profile } from '../src/cluster/types.js';
import { findKafkaTools } from './kafka-tools.js';
import { ServerProcess } from './server.js';
import { freePortsOutsideEphemeral } from '../src/cluster/ports.js';

export type BackendName = 'embedded' | 'jvm' | 'docker';

export interface BenchCluster {
  readonly backend: BackendName;
  readonly bootstrap: string[];
  /** broker id → pid of the process that runs it now (embedded: the same process for every broker) */
  pids(): Promise<Map<number, number>>;
  /** SIGKILL-like; resolves with Date.now() taken just before the kill */
  kill(id: number): Promise<number>;
  start(id: number): Promise<void>;
  /** the broker side's own memory view (embedded only: heap and buffers after GC) */
  gcMemory?(): Promise<{ rss: number; heapUsed: number; arrayBuffers: number }>;
  close(): Promise<void>;
}

export interface StartOptions {
  profile: Profile;
  /** embedded only (the jvm and docker clusters take theirs from compose/*.yml: 5000) */
  brokerSessionTimeoutMs?: number;
  /** node --cpu-prof the embedded child into this directory */
  cpuProfDir?: string;
  log: (line: string) => void;
}

const execFileAsync = promisify(execFile);
const ids = (profile: Profile) => PROFILE_BROKERS[profile].map((b) => b.id);

/** null when the backend can run here, else why not (one line). */
export async function unavailable(backend: BackendName): Promise<string | null> {
  if (backend === 'embedded') return null;
  if (backend === 'jvm') {
    const tools = findKafkaTools();
    return 'skipped' in tools ? tools.skipped : null;
  }
  if (process.platform !== 'linux') return 'docker: container CPU and RSS are read from /proc (Linux only)';
  const docker = await dockerBackend('multi', tmpdir());
  try {
    await docker.checkEngine();
  } catch (error) {
    return (error as Error).message.split(':')[0]!;
  }
  if (!(await docker.imagePresent().catch(() => false))) return `the image ${docker.image} is not on this machine`;
  for (const b of PROFILE_BROKERS.multi) {
    if (await bindProblem(b.port)) return `port ${b.port} is in use (the docker backend needs 9092-9094)`;
  }
  return null;
}

let image: string | null = null;

/** KAFKA_IMAGE, else the official image when present, else the kit's local build of it (`yarn docker:image`). */
async function dockerImage(): Promise<string> {
  if (image) return image;
  image = kafkaImage();
  if (!process.env.KAFKA_IMAGE?.trim() && !(await new DockerBackend({ profile: 'multi', image, log: () => {} }).imagePresent().catch(() => false))) {
    image = LOCAL_KAFKA_IMAGE;
  }
  return image;
}

async function dockerBackend(profile: Profile, home: string): Promise<DockerBackend> {
  return new DockerBackend({ profile, home, image: await dockerImage(), log: () => {} });
}

/** Starts a brand-new cluster; `startMs` runs from the command until Metadata lists every broker. */
export interface Started {
  cluster: BenchCluster;
  /** from the command until every broker serves */
  startMs: number;
  /** embedded: the same without starting its Node process (the cluster in an already running process) */
  inProcessMs?: number;
}

export async function startCluster(backend: BackendName, o: StartOptions): Promise<Started> {
  if (backend === 'embedded') return startEmbedded(o);
  if (backend === 'jvm') return startJvm(o);
  return startDocker(o);
}

async function startEmbedded(o: StartOptions): Promise<Started> {
  const dataDir = mkdtempSync(join(tmpdir(), 'kafka-lab-bench-'));
  const brokers = ids(o.profile);
  const prof = o.cpuProfDir ? ['--cpu-prof', '--cpu-prof-dir', join(o.cpuProfDir, `embedded-${o.profile}-${Date.now()}`)] : [];
  const t0 = performance.now();
  // the Node process start (tsx) counts: a jvm start counts its JVM's
  const server = await ServerProcess.spawn(prof);
  const t1 = performance.now();
  const { bootstrap } = await server.call<{ bootstrap: string[] }>('start-embedded', {
    brokers: brokers.length,
    dataDir,
    config: o.brokerSessionTimeoutMs ? { brokerSessionTimeoutMs: o.brokerSessionTimeoutMs } : {},
  });
  await waitForBrokers({ bootstrap, ids: brokers, timeoutMs: 60_000, pollMs: 10 });
  const startMs = performance.now() - t0;
  const inProcessMs = performance.now() - t1;
  const cluster: BenchCluster = {
    backend: 'embedded',
    bootstrap,
    pids: async () => new Map(brokers.map((id) => [id, server.pid])),
    kill: async (id) => (await server.call<{ at: number }>('kill', { id })).at,
    start: async (id) => void (await server.call('start-broker', { id })),
    gcMemory: () => server.call('memory', { gc: true }),
    close: async () => {
      await server.stop(true);
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
  return { cluster, startMs, inProcessMs };
}

async function startJvm(o: StartOptions): Promise<Started> {
  const n = ids(o.profile).length;
  const free = await freePortsOutsideEphemeral(2 * n);
  const home = mkdtempSync(join(tmpdir(), 'kafka-lab-bench-jvm-'));
  const jvm = new JvmBackend({ profile: o.profile, home, ports: free.slice(0, n), controllerPorts: free.slice(n), log: () => {}, install: false });
  const t0 = performance.now();
  try {
    await jvm.up();
  } catch (error) {
    await jvm.reset().catch(() => {});
    rmSync(home, { recursive: true, force: true });
    throw error;
  }
  const startMs = performance.now() - t0;
  const pidOf = (id: number) => runningPid(nodePaths(home, o.profile, id));
  const cluster: BenchCluster = {
    backend: 'jvm',
    bootstrap: jvm.bootstrapServers(),
    pids: async () => new Map(ids(o.profile).flatMap((id) => (pidOf(id) === null ? [] : [[id, pidOf(id)!] as [number, number]]))),
    kill: async (id) => {
      const at = Date.now();
      await jvm.killBroker(id);
      return at;
    },
    start: (id) => jvm.startBroker(id),
    close: async () => {
      // nothing to keep: SIGKILL, then wipe (a controlled shutdown of every node takes seconds)
      for (const id of ids(o.profile)) if (pidOf(id) !== null) await jvm.killBroker(id).catch(() => {});
      await jvm.reset().catch(() => {});
      rmSync(home, { recursive: true, force: true });
    },
  };
  return { cluster, startMs };
}

async function startDocker(o: StartOptions): Promise<Started> {
  const home = mkdtempSync(join(tmpdir(), 'kafka-lab-bench-docker-'));
  const docker = await dockerBackend(o.profile, home);
  await docker.reset(); // brand-new volumes
  const t0 = performance.now();
  await docker.up();
  const startMs = performance.now() - t0;
  const project = `kafka-lab-${o.profile}`;
  const pidOf = async (id: number): Promise<number | null> => {
    const { stdout } = await execFileAsync('docker', ['ps', '-q', '--filter', `label=com.docker.compose.project=${project}`, '--filter', `label=com.docker.compose.service=kafka-${id}`]);
    const container = stdout.trim().split('\n')[0];
    if (!container) return null;
    const pid = Number((await execFileAsync('docker', ['inspect', '-f', '{{.State.Pid}}', container])).stdout.trim());
    return pid > 0 ? pid : null;
  };
  const cluster: BenchCluster = {
    backend: 'docker',
    bootstrap: docker.bootstrapServers(),
    pids: async () => {
      const out = new Map<number, number>();
      for (const id of ids(o.profile)) {
        const pid = await pidOf(id);
        if (pid !== null) out.set(id, pid);
      }
      return out;
    },
    kill: async (id) => {
      const at = Date.now();
      await docker.killBroker(id);
      return at;
    },
    start: (id) => docker.startBroker(id),
    close: async () => {
      await docker.reset().catch(() => {});
      rmSync(home, { recursive: true, force: true });
    },
  };
  return { cluster, startMs };
}

/** Leader and ISR of one partition, asked of the cluster (the same question on every backend). */
export function partitionWatcher(bootstrap: string[], topic: string) {
  const admin = new Kafka({ clientId: 'kafka-lab-bench-watch', brokers: bootstrap, logLevel: logLevel.NOTHING, retry: { retries: 20, initialRetryTime: 50, maxRetryTime: 500 } }).admin();
  let connected: Promise<void> | null = null;
  return {
    async partition(): Promise<{ leader: number; isr: number[] }> {
      connected ??= admin.connect();
      await connected;
      const md = await admin.fetchTopicMetadata({ topics: [topic] });
      const p = md.topics[0]!.partitions.find((x) => x.partitionId === 0)!;
      return { leader: p.leader, isr: p.isr };
    },
    close: () => admin.disconnect(),
  };
}
