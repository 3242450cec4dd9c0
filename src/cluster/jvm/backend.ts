/**
 * The jvm backend: real Apache Kafka (the kit's pinned version) as local Java processes, one KRaft combined-mode node
 * per broker, with the settings of compose/<profile>.yml (./server-config.ts) on the same host ports.
 *
 *   up      install the runtime if needed, format new log dirs, start every node detached, return when Metadata
 *           lists every broker
 *   down    SIGTERM (controlled shutdown) to every node, wait; data kept
 *   reset   down, then wipe the profile's folder
 *   kill    SIGKILL of one node's JVM (a crash: no controlled shutdown, the controller fences it after the session timeout)
 *   stop    SIGTERM and wait for the exit (controlled shutdown: leaders move first)
 *   start   the same node again on its data (no re-format)
 */
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import { KAFKA_VERSION } from '../../common/kafka-version.js';
import { Progress } from '../../common/progress.js';
import { UserError } from '../../common/user-error.js';
import { buildClusterStatus } from '../admin-status.js';
import { clearCurrent, labHome, readCurrent, writeCurrent } from '../home.js';
import { parsePorts } from '../embedded/daemon-files.js';
import { bindProblem, portInUseMessage } from '../ports.js';
import { signalProcess, waitForExit } from '../processes.js';
import { describeOnce } from '../ready.js';
import { activeController, electPreferredLeaders } from '../kafka-requests.js';
import { type BrokerState, type Cluster, type ClusterStatus, PROFILE_BROKERS, type Profile } from '../types.js';
import { installRuntime, offlineMessage } from './install.js';
import { type Java, requireJava } from './java.js';
import {
  type StartedNode,
  formatStorageAsync,
  formattedClusterId,
  nodePaths,
  profileDir,
  readClusterFile,
  runningPid,
  startFailureReason,
  startNode,
  writeClusterFile,
} from './nodes.js';
import { runtimeDir, runtimeState } from './runtime.js';
import { type ComposeNode, type NodeAddress, composeNodes, serverProperties } from './server-config.js';

/** CONTROLLER listener port of a node: its broker port + 10000 (9092 → 19092), unless given. */
export const CONTROLLER_PORT_OFFSET = 10_000;

export interface JvmBackendOptions {
  profile: Profile;
  /** default: KAFKA_LAB_HOME, else <project>/.kafka-lab */
  home?: string;
  /** broker ports (default: KAFKA_LAB_PORTS, else the profile's 9092…) */
  ports?: number[];
  /** CONTROLLER listener ports (default: KAFKA_LAB_CONTROLLER_PORTS, else broker port + 10000) */
  controllerPorts?: number[];
  log?: (line: string) => void;
  /** how long up()/startBroker() wait for every broker to serve (default 120 s) */
  readyTimeoutMs?: number;
  env?: NodeJS.ProcessEnv;
  /** up() installs a missing runtime (default true) */
  install?: boolean;
}

const STOP_TIMEOUT_MS = 60_000;

export class JvmBackend implements Cluster {
  readonly backend = 'jvm' as const;
  readonly profile: Profile;
  readonly home: string;
  private readonly env: NodeJS.ProcessEnv;
  private readonly log: (line: string) => void;
  private readonly readyTimeoutMs: number;
  private readonly install: boolean;
  private readonly addresses: NodeAddress[];

  constructor(options: JvmBackendOptions) {
    this.profile = options.profile;
    this.env = options.env ?? process.env;
    this.home = options.home ?? labHome(this.env);
    this.log = options.log ?? ((line) => process.stderr.write(line + '\n'));
    this.readyTimeoutMs = options.readyTimeoutMs ?? 120_000;
    this.install = options.install ?? true;
    this.addresses = nodeAddresses(this.profile, options.ports, options.controllerPorts, this.env);
  }

  get runtime(): string {
    return runtimeDir(KAFKA_VERSION, this.env);
  }

  /** node-N.log of every broker, for messages. */
  logFile(id: number): string {
    return nodePaths(this.home, this.profile, id).log;
  }

  private ids(): number[] {
    return this.addresses.map((n) => n.id);
  }

  private checkBrokerId(id: number): void {
    const ids = this.ids();
    if (!ids.includes(id)) throw new UserError(`unknown broker ${id}: the ${this.profile} profile has broker${ids.length > 1 ? 's' : ''} ${ids.join(', ')}`);
  }

  private pid(id: number): number | null {
    return runningPid(nodePaths(this.home, this.profile, id));
  }

  bootstrapServers(): string[] {
    const file = readClusterFile(this.home, this.profile);
    return (file?.nodes ?? this.addresses).map((n) => `${n.host}:${n.port}`);
  }

  /** The nodes as last started (cluster.json), else as configured now. */
  private nodes(): NodeAddress[] {
    return readClusterFile(this.home, this.profile)?.nodes ?? this.addresses;
  }

  async isUp(): Promise<boolean> {
    return this.runningIds().length > 0;
  }

  async brokers(): Promise<BrokerState[]> {
    return this.nodes().map((n) => ({ id: n.id, host: n.host, port: n.port, up: this.pid(n.id) !== null, log: this.logFile(n.id) }));
  }

  // ---------------------------------------------------------------- lifecycle

  async up(): Promise<void> {
    const other: Profile = this.profile === 'single' ? 'multi' : 'single';
    if (runningNodeIds(this.home, other).length > 0) {
      throw new UserError(`the ${other} profile is running on the jvm backend: stop it first with \`yarn cluster:down\`, then bring up the ${this.profile} profile`);
    }
    const java = requireJava(this.env);
    await this.ensureRuntime();
    const running = this.runningIds();
    if (running.length === this.ids().length) {
      await this.waitServing(this.ids(), new Map(), 'Kafka is already running: checking every broker serves');
      this.log(`Kafka ${KAFKA_VERSION} (${this.profile}) already running on the jvm backend: reusing it on ${this.bootstrapServers().join(',')}`);
      writeCurrent('jvm', this.profile, this.home);
      return;
    }
    // Like `docker compose up`: nodes that were killed or stopped come back, the running ones stay.
    const toStart = this.ids().filter((id) => !running.includes(id));
    await this.checkPorts(toStart);
    const compose = composeNodes(this.profile);
    const clusterId = compose[0]!.clusterId;
    mkdirSync(profileDir(this.home, this.profile), { recursive: true });
    writeClusterFile(this.home, { profile: this.profile, clusterId, kafkaVersion: KAFKA_VERSION, nodes: this.addresses, startedAt: new Date().toISOString() });

    const started = new Map<number, StartedNode>();
    try {
      await this.prepare(java, compose.filter((n) => toStart.includes(n.id)), clusterId);
      for (const node of compose.filter((n) => toStart.includes(n.id))) {
        started.set(node.id, startNode(java, this.runtime, nodePaths(this.home, this.profile, node.id), node.heapOpts));
      }
      await this.waitServing(this.ids(), started, `starting Kafka ${KAFKA_VERSION} (${this.profile}: ${this.bootstrapServers().join(', ')})`);
    } catch (error) {
      // Leave nothing half-started: the nodes this call started go again.
      for (const [, node] of started) signalProcess(node.pid, 'SIGKILL');
      for (const [, node] of started) await waitForExit(node.pid, 10_000);
      throw error;
    }
    writeCurrent('jvm', this.profile, this.home);
    this.log(
      `Kafka ${KAFKA_VERSION} (${this.profile}) is up on ${this.bootstrapServers().join(',')} (jvm backend, ${java.description}; logs ${profileDir(this.home, this.profile)}/node-N.log)`,
    );
  }

  private runningIds(): number[] {
    return runningNodeIds(this.home, this.profile);
  }

  private async ensureRuntime(): Promise<void> {
    const state = runtimeState(this.runtime);
    if (state.kind === 'installed') return;
    if (!this.install) throw new UserError(`the Kafka ${KAFKA_VERSION} runtime is not installed: run \`yarn kafka:install\``);
    if (state.kind === 'broken') this.log(`the Kafka runtime in ${state.dir} is incomplete (${state.problem}): installing it again`);
    else this.log(`Kafka ${KAFKA_VERSION} is not on this machine yet: installing it into ${state.dir} (once; \`yarn kafka:install\` does the same)`);
    const progress = new Progress(`Kafka ${KAFKA_VERSION}`, { unit: 'bytes' });
    try {
      await installRuntime({
        env: this.env,
        dir: this.runtime,
        onProgress: (p) => {
          progress.total = p.totalBytes;
          progress.tick(p.doneBytes, p.detail);
        },
        log: (line) => {
          progress.done();
          this.log(line);
        },
      });
    } catch (error) {
      if (error instanceof UserError) throw error;
      throw new UserError(offlineMessage(KAFKA_VERSION, error instanceof Error ? error.message : String(error)));
    } finally {
      progress.done();
    }
  }

  /** Both ports of every node we are about to start must be free. */
  private async checkPorts(ids: number[]): Promise<void> {
    for (const node of this.addresses.filter((n) => ids.includes(n.id))) {
      for (const port of [node.port, node.controllerPort]) {
        const problem = await bindProblem(port, node.host);
        if (!problem) continue;
        if (problem.code === 'EADDRINUSE') {
          const embedded = readCurrent(this.home)?.backend === 'embedded' ? ' (the embedded cluster? `yarn cluster:down --backend embedded`)' : '';
          throw new UserError(`${portInUseMessage(port)}${embedded}: stop it, or pick other ports with KAFKA_LAB_PORTS, then try again`);
        }
        throw new UserError(`cannot listen on ${node.host}:${port}: ${problem.message}`);
      }
    }
  }

  /** server.properties for each node; a new log dir is formatted, one of another cluster is refused. */
  private async prepare(java: Java, nodes: ComposeNode[], clusterId: string): Promise<void> {
    const toFormat: number[] = [];
    for (const node of nodes) {
      const paths = nodePaths(this.home, this.profile, node.id);
      mkdirSync(paths.dir, { recursive: true });
      writeFileSync(paths.properties, serverProperties(this.profile, node, this.addresses, paths.data));
      const formatted = formattedClusterId(paths.data);
      if (formatted === null) toFormat.push(node.id);
      else if (formatted !== clusterId) {
        throw new UserError(
          `broker ${node.id}'s data (${paths.data}) belongs to cluster ${formatted}, not ${clusterId}: wipe it with \`yarn cluster:reset --backend jvm --profile ${this.profile}\``,
        );
      }
    }
    if (toFormat.length === 0) return;
    const progress = new Progress(`formatting the log dirs of broker${toFormat.length > 1 ? 's' : ''} ${toFormat.join(', ')}`);
    const timer = setInterval(() => progress.tick(), 100);
    try {
      const results = await Promise.all(toFormat.map((id) => formatStorageAsync(java, this.runtime, nodePaths(this.home, this.profile, id), clusterId)));
      const failed = results.findIndex((r) => !r.ok);
      if (failed >= 0) {
        const id = toFormat[failed]!;
        rmSync(nodePaths(this.home, this.profile, id).data, { recursive: true, force: true });
        const line = results[failed]!.output.split('\n').find((l) => /error|exception/i.test(l)) ?? results[failed]!.output.trim().split('\n').at(-1);
        throw new UserError(`formatting broker ${id}'s log dir failed: ${line?.trim() ?? 'no output'}`);
      }
    } finally {
      clearInterval(timer);
      progress.done();
    }
  }

  /**
   * Until Metadata lists every broker in `ids`. A node of `started` that exits first ends the wait with the reason its
   * log gives.
   */
  private async waitServing(ids: number[], started: Map<number, StartedNode>, what: string): Promise<void> {
    const progress = new Progress(what);
    const deadline = Date.now() + this.readyTimeoutMs;
    let last = 'no broker answers yet';
    try {
      for (;;) {
        for (const [id, node] of started) {
          const exit = node.exited();
          if (exit !== null) {
            const reason = startFailureReason(this.logFile(id));
            throw new UserError(`broker ${id} stopped during start (${exit})${reason ? `: ${reason}` : ''}: see ${this.logFile(id)}`);
          }
        }
        try {
          const listed = await describeOnce(this.bootstrapServers());
          const missing = ids.filter((id) => !listed.includes(id));
          if (missing.length === 0) return;
          last = `Metadata lists broker(s) ${listed.join(', ') || 'none'}, not yet ${missing.join(', ')}`;
        } catch (error) {
          last = error instanceof Error ? error.message : String(error);
        }
        if (Date.now() >= deadline) {
          throw new UserError(`Kafka did not serve within ${Math.round(this.readyTimeoutMs / 1000)} s (${last}): see ${profileDir(this.home, this.profile)}/node-N.log`);
        }
        progress.tick(undefined, last.length < 60 ? last : undefined);
        await sleep(250);
      }
    } finally {
      progress.done();
    }
  }

  async down(): Promise<void> {
    const stopped = await this.stopNodes(this.runningIds(), 'stopping Kafka (controlled shutdown)');
    if (readCurrent(this.home)?.backend === 'jvm') clearCurrent(this.home);
    this.log(stopped > 0 ? 'Kafka stopped (data kept; `yarn cluster:reset` wipes it)' : `no ${this.profile} cluster is running on the jvm backend: nothing to stop`);
  }

  /** SIGTERM to each, then wait; a node that does not exit in time is killed. Returns how many were running. */
  private async stopNodes(ids: number[], what: string): Promise<number> {
    const pids = ids.map((id) => [id, this.pid(id)] as const).filter((x): x is readonly [number, number] => x[1] !== null);
    if (pids.length === 0) return 0;
    const progress = new Progress(what);
    try {
      for (const [, pid] of pids) signalProcess(pid, 'SIGTERM');
      await Promise.all(
        pids.map(async ([id, pid]) => {
          if (await waitForExit(pid, STOP_TIMEOUT_MS, () => progress.tick())) return;
          this.log(`broker ${id} (pid ${pid}) did not stop within ${STOP_TIMEOUT_MS / 1000} s: killing it`);
          signalProcess(pid, 'SIGKILL');
          await waitForExit(pid, 10_000);
        }),
      );
    } finally {
      progress.done();
    }
    return pids.length;
  }

  async reset(): Promise<void> {
    await this.stopNodes(this.runningIds(), 'stopping Kafka');
    rmSync(profileDir(this.home, this.profile), { recursive: true, force: true });
    if (readCurrent(this.home)?.backend === 'jvm') clearCurrent(this.home);
    this.log(`jvm backend (${this.profile}) reset: data wiped (${profileDir(this.home, this.profile)})`);
  }

  // ---------------------------------------------------------------- brokers

  private requireRunningCluster(): void {
    if (this.runningIds().length === 0) {
      throw new UserError(`no ${this.profile} cluster is running on the jvm backend: start it with \`yarn cluster:up --backend jvm --profile ${this.profile}\``);
    }
  }

  async killBroker(id: number): Promise<void> {
    this.checkBrokerId(id);
    this.requireRunningCluster();
    const pid = this.pid(id);
    if (pid === null) throw new UserError(`broker ${id} is not running: start it with \`yarn broker:start ${id}\``);
    signalProcess(pid, 'SIGKILL');
    await waitForExit(pid, 10_000);
  }

  async stopBroker(id: number): Promise<void> {
    this.checkBrokerId(id);
    this.requireRunningCluster();
    if (this.pid(id) === null) throw new UserError(`broker ${id} is not running: start it with \`yarn broker:start ${id}\``);
    await this.stopNodes([id], `stopping broker ${id} (controlled shutdown)`);
  }

  /**
   * The node again, on its data. It serves once it has registered with the controller, which needs a majority of the
   * voters running: when this node alone cannot make one, it returns once the JVM listens and says so.
   */
  async startBroker(id: number): Promise<void> {
    this.checkBrokerId(id);
    if (this.pid(id) !== null) return;
    const paths = nodePaths(this.home, this.profile, id);
    if (formattedClusterId(paths.data) === null) {
      throw new UserError(`broker ${id} of the ${this.profile} profile has never run on the jvm backend: start the cluster with \`yarn cluster:up --backend jvm --profile ${this.profile}\``);
    }
    const java = requireJava(this.env);
    await this.ensureRuntime();
    const node = composeNodes(this.profile).find((n) => n.id === id)!;
    await this.checkPorts([id]);
    const voters = this.ids().length;
    const quorumWithIt = (this.runningIds().length + 1) * 2 > voters;
    const started = startNode(java, this.runtime, paths, node.heapOpts);
    try {
      if (quorumWithIt) {
        await this.waitServing([id], new Map([[id, started]]), `starting broker ${id}`);
      } else {
        await this.waitListening(id, started);
        this.log(`broker ${id} runs, but ${this.runningIds().length} of ${voters} controller voters are no quorum: it serves once a majority runs (\`yarn cluster:up --backend jvm\` starts the rest)`);
      }
    } catch (error) {
      signalProcess(started.pid, 'SIGKILL');
      throw error;
    }
  }

  /** Until node `id` accepts TCP connections on its broker port (or exits: then the reason from its log). */
  private async waitListening(id: number, started: StartedNode): Promise<void> {
    const address = this.addresses.find((n) => n.id === id)!;
    const progress = new Progress(`starting broker ${id}`);
    const deadline = Date.now() + this.readyTimeoutMs;
    try {
      for (;;) {
        const exit = started.exited();
        if (exit !== null) {
          const reason = startFailureReason(this.logFile(id));
          throw new UserError(`broker ${id} stopped during start (${exit})${reason ? `: ${reason}` : ''}: see ${this.logFile(id)}`);
        }
        if ((await bindProblem(address.port, address.host))?.code === 'EADDRINUSE') return;
        if (Date.now() >= deadline) throw new UserError(`broker ${id} did not listen within ${Math.round(this.readyTimeoutMs / 1000)} s: see ${this.logFile(id)}`);
        progress.tick();
        await sleep(250);
      }
    } finally {
      progress.done();
    }
  }

  async electPreferredLeaders(): Promise<number | null> {
    this.requireRunningCluster();
    return electPreferredLeaders(this.liveBootstrap());
  }

  private liveBootstrap(): string[] {
    return this.nodes()
      .filter((n) => this.pid(n.id) !== null)
      .map((n) => `${n.host}:${n.port}`);
  }

  // ---------------------------------------------------------------- status

  async status(): Promise<ClusterStatus> {
    const brokers = await this.brokers();
    if (!brokers.some((b) => b.up)) {
      return {
        backend: 'jvm',
        profile: this.profile,
        clusterId: null,
        controller: null,
        brokers: brokers.map((b) => ({ ...b, controller: false })),
        topics: [],
        groups: [],
        error: `no ${this.profile} cluster is running on the jvm backend: start it with \`yarn cluster:up --backend jvm --profile ${this.profile}\``,
      };
    }
    const controller = await activeController(this.liveBootstrap()).catch(() => null);
    return buildClusterStatus({ backend: 'jvm', profile: this.profile, bootstrapServers: this.liveBootstrap(), brokers, controller });
  }
}

/** The profile's nodes on 127.0.0.1 with their broker and controller ports. */
export function nodeAddresses(profile: Profile, ports?: number[], controllerPorts?: number[], env: NodeJS.ProcessEnv = process.env): NodeAddress[] {
  const table = PROFILE_BROKERS[profile];
  const brokerPorts = ports ?? (env.KAFKA_LAB_PORTS ? parsePorts(env.KAFKA_LAB_PORTS, 'KAFKA_LAB_PORTS') : table.map((b) => b.port));
  if (brokerPorts.length !== table.length) {
    throw new UserError(`${ports ? 'ports' : 'KAFKA_LAB_PORTS'} lists ${brokerPorts.length} port(s) but the ${profile} profile has ${table.length} broker(s)`);
  }
  const controllers = controllerPorts ?? (env.KAFKA_LAB_CONTROLLER_PORTS ? parsePorts(env.KAFKA_LAB_CONTROLLER_PORTS, 'KAFKA_LAB_CONTROLLER_PORTS') : undefined);
  if (controllers && controllers.length !== table.length) {
    throw new UserError(`KAFKA_LAB_CONTROLLER_PORTS lists ${controllers.length} port(s) but the ${profile} profile has ${table.length} broker(s)`);
  }
  return table.map((b, i) => {
    const port = brokerPorts[i]!;
    const controllerPort = controllers?.[i] ?? port + CONTROLLER_PORT_OFFSET;
    if (controllerPort > 65535) {
      throw new UserError(`broker port ${port} leaves no controller port (${port} + ${CONTROLLER_PORT_OFFSET} > 65535): pick ports below 55536, or set KAFKA_LAB_CONTROLLER_PORTS`);
    }
    return { id: b.id, host: b.host, port, controllerPort };
  });
}

/** Ids of the profile's nodes whose JVM runs (from the pid files; no ports needed). */
export function runningNodeIds(home: string, profile: Profile): number[] {
  const ids = readClusterFile(home, profile)?.nodes.map((n) => n.id) ?? PROFILE_BROKERS[profile].map((b) => b.id);
  return ids.filter((id) => runningPid(nodePaths(home, profile, id)) !== null);
}
