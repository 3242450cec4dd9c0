/**
 * The docker backend: real Apache Kafka from compose/*.yml, driven with `docker compose` (v2) or `docker-compose` (v1).
 *
 *   up     compose up -d (v2: --wait on the healthchecks; v1: we poll them), then the Kafka admin API must list every broker
 *   down   compose down          (volumes kept: the next up() has the same topics and offsets)
 *   reset  compose down -v       (volumes gone: a brand-new cluster)
 *   kill   compose kill kafka-N  (SIGKILL: no controlled shutdown, the controller fences it after the session timeout)
 *   stop   compose stop kafka-N  (SIGTERM: controlled shutdown, leaders move first)
 *   start  compose start kafka-N
 *
 * Every failure a user can fix becomes a one-line UserError (see dockerErrorMessage). All commands go through an
 * injectable CommandRunner, so tests check the exact commands and the error mapping without Docker.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { join } from 'node:path';
import { bindProblem, kitBackendHint, parsePortOwner, portInUseMessage, portOwner } from '../ports.js';

export { parsePortOwner };
import { buildClusterStatus } from '../admin-status.js';
import { activeController, electPreferredLeaders } from '../kafka-requests.js';
import { PROJECT_ROOT, clearCurrent, labHome, writeCurrent } from '../home.js';
import { type BrokerWaiter, waitForBrokers } from '../ready.js';
import { type CommandResult, type CommandRunner, EXIT_NOT_FOUND, EXIT_TIMEOUT, zxRunner } from '../runner.js';
import { type BrokerState, type Cluster, type ClusterStatus, PROFILE_BROKERS, type Profile, UserError } from '../types.js';
import { OFFICIAL_KAFKA_IMAGE } from '../../common/kafka-version.js';

/** The pinned official image; KAFKA_IMAGE overrides it, here and in the compose files. */
export const DEFAULT_KAFKA_IMAGE = OFFICIAL_KAFKA_IMAGE;

/** The kit's own build of Kafka (`yarn docker:image`): no registry has it, so it is built, never pulled. */
export function isLocalImage(image: string): boolean {
  return image.startsWith('kafka-lab/');
}

/** What to run to get the image: a pull, or the local build. */
export function imageHint(image: string): string {
  return isLocalImage(image) ? '`yarn docker:image` builds it' : `\`docker pull ${image}\` to use it`;
}

export function kafkaImage(env: NodeJS.ProcessEnv = process.env): string {
  return env.KAFKA_IMAGE?.trim() || DEFAULT_KAFKA_IMAGE;
}

export const COMPOSE_FILES: Record<Profile, string> = {
  single: 'compose/single-broker.yml',
  multi: 'compose/multi-broker.yml',
};

export const projectName = (profile: Profile) => `kafka-lab-${profile}`;
export const serviceName = (id: number) => `kafka-${id}`;

export interface DockerBackendOptions {
  profile: Profile;
  runner?: CommandRunner;
  /** one-line messages (default: stderr) */
  log?: (line: string) => void;
  image?: string;
  /** default: the repository root (compose file paths are relative to it) */
  projectRoot?: string;
  home?: string;
  /** true when the port can be bound on 127.0.0.1 (default: really tries) */
  portFree?: (port: number) => Promise<boolean>;
  waitForBrokers?: BrokerWaiter;
  /** how long up()/startBroker() wait for healthchecks and metadata (default 180 s: a first start on a laptop is slow) */
  readyTimeoutMs?: number;
  /** v1 health polling interval (tests use 0) */
  pollMs?: number;
}

export type ComposeFlavour = { kind: 'v2'; base: ['docker', 'compose'] } | { kind: 'v1'; base: ['docker-compose'] };

interface ContainerRow {
  service: string;
  state: string; // running, exited, created, paused, ...
  status: string; // "Up 3 minutes (healthy)", "Exited (137) 2 seconds ago"
}

const DOCKER_HINT = 'or run without Docker: `--backend embedded`';

/**
 * Map a failed docker/compose command's stderr to one actionable line, or null when nothing known matches.
 * `image` is used for the pull hint.
 */
export function dockerErrorMessage(stderr: string, image: string): string | null {
  const text = stderr.replace(/\r/g, '');
  if (/Cannot connect to the Docker daemon|Is the docker daemon running|docker daemon is not running|error during connect|dockerDesktopLinuxEngine|docker_engine.*(cannot find|no such file)/i.test(text)) {
    return `the Docker daemon is not running: start Docker Desktop (Linux: \`sudo systemctl start docker\`) and try again, ${DOCKER_HINT}`;
  }
  if (/permission denied.*docker\.sock/i.test(text)) {
    return 'permission denied on the Docker socket: add yourself to the docker group (`sudo usermod -aG docker $USER`, then log in again)';
  }
  const port = /(?:Bind for [\d.]*:(\d+) failed|0\.0\.0\.0:(\d+).*address already in use|127\.0\.0\.1:(\d+).*(?:address already in use|port is already allocated)|listen tcp4? [\d.]*:(\d+): bind: address already in use)/i.exec(
    text,
  );
  if (port || /port is already allocated|address already in use/i.test(text)) {
    const which = port ? Number(port[1] ?? port[2] ?? port[3] ?? port[4]) : undefined;
    if (which === undefined) return 'a port of 9092-9094 is already in use on this machine: stop what uses it (`lsof -nP -iTCP:9092-9094 -sTCP:LISTEN` names it), then try again';
    const owner = portOwner(which);
    return `${portInUseMessage(which, owner)}${kitBackendHint(owner)}: stop it, then try again`;
  }
  if (/pull access denied|manifest unknown|manifest for .* not found|No such image|failed to resolve reference|repository does not exist|toomanyrequests|unable to pull|Error response from daemon: .*(?:dial tcp|i\/o timeout|TLS handshake)/i.test(text)) {
    return `the image ${image} is not on this machine and could not be pulled: run \`docker pull ${image}\` when online (or set KAFKA_IMAGE to an image you have)`;
  }
  const service = /no such service:?\s*"?([\w.-]+)"?/i.exec(text);
  if (service) return `there is no broker service "${service[1]}" in this cluster`;
  return null;
}

/** What the container logs say when a broker would not become healthy. */
export function brokerLogDiagnosis(logs: string): string | null {
  if (/InconsistentClusterIdException|doesn't match stored clusterId|Invalid cluster\.id/i.test(logs)) {
    return 'the data volumes belong to a different cluster id (InconsistentClusterIdException): wipe them with `yarn cluster:reset`';
  }
  if (/OutOfMemoryError|Cannot allocate memory|insufficient memory/i.test(logs)) {
    return 'a broker ran out of memory: give Docker more memory (Docker Desktop > Settings > Resources, 3 GB+ for the multi profile)';
  }
  if (/Address already in use/i.test(logs)) return 'a broker could not bind its port (address already in use)';
  if (/exec format error|no matching manifest for linux\/arm64/i.test(logs)) {
    return `the image does not match this CPU: pull an image for your platform (\`docker pull --platform linux/arm64 ${DEFAULT_KAFKA_IMAGE}\` on Apple Silicon)`;
  }
  return null;
}


/** Parse `docker ps --format '{{.Label "com.docker.compose.service"}}\t{{.State}}\t{{.Status}}'` output. */
export function parseContainerRows(stdout: string): ContainerRow[] {
  return stdout
    .split('\n')
    .map((line) => line.trim())
    .filter(Boolean)
    .map((line) => {
      const [service = '', state = '', status = ''] = line.split('\t');
      return { service, state: state.toLowerCase(), status };
    });
}

export function isHealthy(row: ContainerRow): boolean {
  return row.state === 'running' && !/health: starting|unhealthy/i.test(row.status);
}


const defaultPortFree = async (port: number) => (await bindProblem(port)) === null;


function lastLine(text: string): string {
  const lines = text
    .replace(/\r/g, '')
    .split('\n')
    .map((l) => l.trim())
    .filter(Boolean);
  return lines[lines.length - 1] ?? '(no output)';
}

export class DockerBackend implements Cluster {
  readonly backend = 'docker' as const;
  readonly profile: Profile;
  readonly image: string;
  private readonly run: CommandRunner;
  private readonly log: (line: string) => void;
  private readonly root: string;
  private readonly home: string;
  private readonly portFree: (port: number) => Promise<boolean>;
  private readonly waiter: BrokerWaiter;
  private readonly readyTimeoutMs: number;
  private readonly pollMs: number;
  private flavour: ComposeFlavour | null = null;

  constructor(options: DockerBackendOptions) {
    this.profile = options.profile;
    this.image = options.image ?? kafkaImage();
    this.run = options.runner ?? zxRunner;
    this.log = options.log ?? ((line) => process.stderr.write(line + '\n'));
    this.root = options.projectRoot ?? PROJECT_ROOT;
    this.home = options.home ?? labHome();
    this.portFree = options.portFree ?? defaultPortFree;
    this.waiter = options.waitForBrokers ?? waitForBrokers;
    this.readyTimeoutMs = options.readyTimeoutMs ?? 180_000;
    this.pollMs = options.pollMs ?? 2_000;
  }

  get project(): string {
    return projectName(this.profile);
  }

  get composeFile(): string {
    return join(this.root, COMPOSE_FILES[this.profile]);
  }

  /** The command a user can paste to look at the same cluster. */
  composeHint(...args: string[]): string {
    const base = this.flavour?.base.join(' ') ?? 'docker compose';
    return [base, '-p', this.project, '-f', COMPOSE_FILES[this.profile], ...args].join(' ');
  }

  private exec(argv: string[], timeoutMs?: number, stream = false): Promise<CommandResult> {
    return this.run(argv, {
      cwd: this.root,
      env: { ...process.env, KAFKA_IMAGE: this.image },
      ...(timeoutMs ? { timeoutMs } : {}),
      stream,
    });
  }

  /** Turn a failed result into a UserError: known causes first, else `<what> failed: <last stderr line>`. */
  private fail(what: string, result: CommandResult): UserError {
    if (result.exitCode === EXIT_NOT_FOUND) return new UserError(`Docker is not installed (no \`docker\` command found): install Docker Desktop or Docker Engine, ${DOCKER_HINT}`);
    if (result.exitCode === EXIT_TIMEOUT) return new UserError(`${what} timed out: is Docker still starting? Try again in a moment, ${DOCKER_HINT}`);
    return new UserError(dockerErrorMessage(result.stderr + '\n' + result.stdout, this.image) ?? `${what} failed: ${lastLine(result.stderr || result.stdout)}`);
  }

  /** docker compose v2 if it answers, else docker-compose v1, else a UserError. */
  async compose(): Promise<ComposeFlavour> {
    if (this.flavour) return this.flavour;
    const v2 = await this.exec(['docker', 'compose', 'version'], 15_000);
    if (v2.exitCode === 0) return (this.flavour = { kind: 'v2', base: ['docker', 'compose'] });
    const v1 = await this.exec(['docker-compose', 'version'], 15_000);
    if (v1.exitCode === 0) return (this.flavour = { kind: 'v1', base: ['docker-compose'] });
    if (v2.exitCode === EXIT_NOT_FOUND && v1.exitCode === EXIT_NOT_FOUND) {
      throw new UserError(`Docker is not installed (neither \`docker compose\` nor \`docker-compose\` found): install Docker Desktop or Docker Engine, ${DOCKER_HINT}`);
    }
    throw new UserError(`Docker Compose is missing: install the compose plugin (\`docker compose\`) or docker-compose, ${DOCKER_HINT}`);
  }

  private async composeArgs(...args: string[]): Promise<string[]> {
    const flavour = await this.compose();
    return [...flavour.base, '-p', this.project, '-f', this.composeFile, ...args];
  }

  /** The engine must answer before anything else; `docker info` says whether the daemon runs. */
  async checkEngine(): Promise<string> {
    const result = await this.exec(['docker', 'info', '--format', '{{.ServerVersion}}'], 20_000);
    if (result.exitCode !== 0) throw this.fail('docker info', result);
    return result.stdout.trim();
  }

  async imagePresent(): Promise<boolean> {
    const result = await this.exec(['docker', 'image', 'inspect', '--format', '{{.Id}}', this.image], 20_000);
    if (result.exitCode === 0) return true;
    if (/No such image|not found/i.test(result.stderr)) return false;
    throw this.fail('docker image inspect', result);
  }

  /** Containers of this profile's compose project (running or not). */
  async containers(project = this.project): Promise<ContainerRow[]> {
    const result = await this.exec(
      ['docker', 'ps', '-a', '--filter', `label=com.docker.compose.project=${project}`, '--format', '{{.Label "com.docker.compose.service"}}\t{{.State}}\t{{.Status}}'],
      20_000,
    );
    if (result.exitCode !== 0) throw this.fail('docker ps', result);
    return parseContainerRows(result.stdout);
  }

  private brokerIds(): number[] {
    return PROFILE_BROKERS[this.profile].map((b) => b.id);
  }

  private checkBrokerId(id: number): void {
    const ids = this.brokerIds();
    if (!ids.includes(id)) {
      throw new UserError(`unknown broker ${id}: the ${this.profile} profile has broker${ids.length > 1 ? 's' : ''} ${ids.join(', ')}`);
    }
  }

  bootstrapServers(): string[] {
    return PROFILE_BROKERS[this.profile].map((b) => `${b.host}:${b.port}`);
  }

  async isUp(): Promise<boolean> {
    try {
      return (await this.containers()).some((c) => c.state === 'running');
    } catch {
      return false;
    }
  }

  async brokers(): Promise<BrokerState[]> {
    const rows = await this.containers();
    return PROFILE_BROKERS[this.profile].map((b) => {
      const row = rows.find((r) => r.service === serviceName(b.id));
      return { ...b, up: row ? isHealthy(row) : false };
    });
  }

  /** Who owns a host port, for the error message: lsof, else ss, else nothing. */
  async portOwner(port: number): Promise<string | null> {
    const lsof = await this.exec(['lsof', '-nP', `-iTCP:${port}`, '-sTCP:LISTEN'], 5_000);
    if (lsof.exitCode === 0) {
      const owner = parsePortOwner(lsof.stdout);
      if (owner) return owner;
    }
    const ss = await this.exec(['ss', '-Hltnp', `sport = :${port}`], 5_000);
    if (ss.exitCode === 0) return parsePortOwner(ss.stdout);
    return null;
  }

  async up(): Promise<void> {
    const version = await this.checkEngine();
    const flavour = await this.compose();
    const rows = await this.containers();
    const running = rows.some((r) => r.state === 'running');

    if (!running) {
      const other: Profile = this.profile === 'single' ? 'multi' : 'single';
      const otherRows = await this.containers(projectName(other));
      if (otherRows.some((r) => r.state === 'running')) {
        throw new UserError(`the ${other} profile is running: stop it first with \`yarn cluster:down\`, then bring up the ${this.profile} profile`);
      }
      for (const broker of PROFILE_BROKERS[this.profile]) {
        if (!(await this.portFree(broker.port))) {
          const owner = await this.portOwner(broker.port);
          throw new UserError(
            `port ${broker.port} is already in use${owner ? ` by ${owner}` : ''}: stop it${/node/i.test(owner ?? '') ? ' (the embedded cluster? `yarn cluster:down --backend embedded`)' : ''}, then try again`,
          );
        }
      }
      if (!(await this.imagePresent())) {
        if (isLocalImage(this.image)) {
          throw new UserError(`the image ${this.image} is not built on this machine: run \`yarn kafka:install && yarn docker:image\`, then try again`);
        }
        this.log(`pulling ${this.image} (first time only)…`);
        const pull = await this.exec(['docker', 'pull', this.image], 15 * 60_000, true);
        if (pull.exitCode !== 0) {
          throw new UserError(`the image ${this.image} is not on this machine and could not be pulled (${lastLine(pull.stderr)}): run \`docker pull ${this.image}\` when online`);
        }
      }
    }

    this.log(`docker ${version}, ${flavour.kind === 'v2' ? 'docker compose' : 'docker-compose (v1)'}, ${this.image}: ${this.composeHint('up -d')}`);
    const upArgs = flavour.kind === 'v2' ? ['up', '-d', '--wait', '--wait-timeout', String(Math.ceil(this.readyTimeoutMs / 1000))] : ['up', '-d'];
    const up = await this.exec(await this.composeArgs(...upArgs), this.readyTimeoutMs + 60_000);
    if (up.exitCode !== 0) throw await this.upFailure(up);
    if (flavour.kind === 'v1') await this.waitHealthy();

    try {
      await this.waitServing(this.brokerIds());
    } catch (error) {
      throw new UserError(
        `the containers are healthy but Kafka does not list every broker yet (${(error as Error).message}): check \`yarn cluster:status\` or \`${this.composeHint('logs')}\``,
      );
    }
    writeCurrent('docker', this.profile, this.home);
  }

  /** Kafka lists every broker in metadata. */
  private async waitServing(ids: number[]): Promise<void> {
    await this.waiter({ bootstrap: this.bootstrapServers(), ids, timeoutMs: this.readyTimeoutMs });
  }

  /** Poll the brokers' containers until all are healthy, one exits, or the deadline passes (v1 has no --wait; start has none). */
  private async waitHealthy(ids: number[] = this.brokerIds()): Promise<void> {
    const deadline = Date.now() + this.readyTimeoutMs;
    const wanted = ids.map(serviceName);
    for (;;) {
      const rows = await this.containers();
      const dead = rows.find((r) => wanted.includes(r.service) && (r.state === 'exited' || r.state === 'dead' || /unhealthy/i.test(r.status)));
      if (dead) throw await this.upFailure({ exitCode: 1, stdout: '', stderr: `container for ${dead.service} is ${dead.status}` }, dead.service);
      if (wanted.every((s) => rows.some((r) => r.service === s && isHealthy(r)))) return;
      if (Date.now() >= deadline) {
        throw new UserError(`the brokers did not become healthy within ${Math.round(this.readyTimeoutMs / 1000)} s: see \`${this.composeHint('logs')}\``);
      }
      await sleep(this.pollMs);
    }
  }

  /** Explain a failed `up`: compose's own message if we know it, else what the broker logs say. */
  private async upFailure(result: CommandResult, service?: string): Promise<UserError> {
    const known = dockerErrorMessage(result.stderr + '\n' + result.stdout, this.image);
    if (known) return new UserError(known);
    const failing = service ?? /kafka-(\d)/.exec(result.stderr)?.[0];
    const logs = await this.exec(await this.composeArgs('logs', '--no-color', '--tail', '200', ...(failing ? [failing] : [])), 30_000);
    const diagnosis = brokerLogDiagnosis(logs.stdout + logs.stderr);
    if (diagnosis) return new UserError(diagnosis);
    if (/exited \(137\)|OOMKilled/i.test(result.stderr)) return new UserError(brokerLogDiagnosis('OutOfMemoryError')!);
    return new UserError(`the cluster did not come up (${lastLine(result.stderr)}): see \`${this.composeHint('logs', ...(failing ? [failing] : []))}\``);
  }

  async down(): Promise<void> {
    await this.checkEngine();
    const result = await this.exec(await this.composeArgs('down', '--remove-orphans'), 120_000);
    if (result.exitCode !== 0) throw this.fail('docker compose down', result);
    clearCurrent(this.home);
  }

  async reset(): Promise<void> {
    await this.checkEngine();
    const result = await this.exec(await this.composeArgs('down', '--volumes', '--remove-orphans'), 120_000);
    if (result.exitCode !== 0) throw this.fail('docker compose down --volumes', result);
    clearCurrent(this.home);
  }

  private async requireContainer(id: number): Promise<ContainerRow> {
    await this.checkEngine();
    const rows = await this.containers();
    if (rows.length === 0) throw new UserError(`no ${this.profile} cluster exists in Docker: start it with \`yarn cluster:up --profile ${this.profile}\``);
    this.checkBrokerId(id);
    const row = rows.find((r) => r.service === serviceName(id));
    if (!row) throw new UserError(`broker ${id} has no container: bring the cluster up again with \`yarn cluster:up --profile ${this.profile}\``);
    return row;
  }

  async killBroker(id: number): Promise<void> {
    const row = await this.requireContainer(id);
    if (row.state !== 'running') throw new UserError(`broker ${id} is not running (${row.status}): start it with \`yarn broker:start ${id}\``);
    const result = await this.exec(await this.composeArgs('kill', '-s', 'SIGKILL', serviceName(id)), 60_000);
    if (result.exitCode !== 0) throw this.fail(`docker compose kill ${serviceName(id)}`, result);
  }

  async stopBroker(id: number): Promise<void> {
    const row = await this.requireContainer(id);
    if (row.state !== 'running') throw new UserError(`broker ${id} is not running (${row.status}): start it with \`yarn broker:start ${id}\``);
    // 30 s like stop_grace_period in the compose files: time for a controlled shutdown.
    const result = await this.exec(await this.composeArgs('stop', '-t', '30', serviceName(id)), 90_000);
    if (result.exitCode !== 0) throw this.fail(`docker compose stop ${serviceName(id)}`, result);
  }

  async startBroker(id: number): Promise<void> {
    const row = await this.requireContainer(id);
    if (row.state === 'running') return;
    const result = await this.exec(await this.composeArgs('start', serviceName(id)), 60_000);
    if (result.exitCode !== 0) throw this.fail(`docker compose start ${serviceName(id)}`, result);
    try {
      await this.waitServing([id]);
    } catch (error) {
      throw new UserError(`broker ${id} started but does not serve yet (${(error as Error).message}): see \`${this.composeHint('logs', serviceName(id))}\``);
    }
    // `compose start` does not wait for the healthcheck, and status() counts a broker as up once Docker says healthy:
    // return when both agree, so a `cluster:status` right after `broker:start` shows it up.
    await this.waitHealthy([id]);
  }

  /** The live brokers' host addresses (the HOST listeners the compose files publish). */
  private async liveBootstrap(): Promise<string[]> {
    return (await this.brokers()).filter((b) => b.up).map((b) => `${b.host}:${b.port}`);
  }

  /** The active KRaft controller, from DescribeQuorum (Metadata's controllerId is a random broker in KRaft). */
  async activeController(): Promise<number | null> {
    return activeController(await this.liveBootstrap()).catch(() => null);
  }

  /** Kafka's preferred leader election for every partition (ElectLeaders, as kafka-leader-election does it). */
  async electPreferredLeaders(): Promise<number | null> {
    const live = await this.liveBootstrap();
    if (live.length === 0) throw new UserError(`no ${this.profile} cluster is running in Docker: start it with \`yarn cluster:up --profile ${this.profile}\``);
    return electPreferredLeaders(live);
  }

  async status(): Promise<ClusterStatus> {
    let brokers: BrokerState[];
    try {
      await this.checkEngine();
      await this.compose();
      brokers = await this.brokers();
    } catch (error) {
      return this.emptyStatus(error instanceof Error ? error.message : String(error));
    }
    if (!brokers.some((b) => b.up)) {
      return { ...this.emptyStatus(`no ${this.profile} cluster is running in Docker: start it with \`yarn cluster:up --profile ${this.profile}\``), brokers: brokers.map((b) => ({ ...b, controller: false })) };
    }
    const controller = await this.activeController().catch(() => null);
    return buildClusterStatus({ backend: 'docker', profile: this.profile, bootstrapServers: this.bootstrapServers(), brokers, controller });
  }

  private emptyStatus(error: string): ClusterStatus {
    return {
      backend: 'docker',
      profile: this.profile,
      clusterId: null,
      controller: null,
      brokers: PROFILE_BROKERS[this.profile].map((b) => ({ ...b, up: false, controller: false })),
      topics: [],
      groups: [],
      error,
    };
  }
}
