/**
 * The embedded backend as seen from scripts and labs: a client of the background daemon (src/cluster/embedded/daemon.ts).
 * `up()` spawns the daemon detached (or reuses one that runs), every other call talks to it over its loopback
 * control port, whose address is in `<home>/embedded/daemon.json`. See docs/embedded-backend.md.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { type ChildProcess, spawn } from 'node:child_process';
import { closeSync, existsSync, mkdirSync, openSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import {
  DAEMON_SCRIPT,
  type DaemonInfo,
  type EmbeddedPaths,
  PROJECT_ROOT,
  embeddedPaths,
  pidAlive,
  pidLooksLikeDaemon,
  profileBrokers,
  readDaemonInfo,
  readStartupError,
  removeFile,
  resolveHome,
} from './daemon-files.js';
import { Progress } from '../../common/progress.js';
import { signalProcess, waitForExit } from '../processes.js';
import { buildClusterStatus } from '../admin-status.js';
import { describeOnce } from '../ready.js';
import type { BrokerState, Cluster, ClusterStatus, Profile } from '../types.js';
import { UserError } from '../types.js';

export const NOT_RUNNING_MESSAGE = 'no embedded cluster is running: start one with `yarn cluster:up --backend embedded`';

/** What GET /status of the daemon answers. */
export interface DaemonStatus {
  pid: number;
  profile: Profile;
  controller: number | null;
  brokers: BrokerState[];
}

export type DaemonState =
  | { kind: 'none' }
  | { kind: 'stale'; info: DaemonInfo | null }
  | { kind: 'unresponsive'; info: DaemonInfo }
  | { kind: 'running'; info: DaemonInfo; status: DaemonStatus };

export interface EmbeddedBackendOptions {
  profile: Profile;
  /** default: KAFKA_LAB_HOME, else <project>/.kafka-lab */
  home?: string;
  /** override the profile's ports (default: KAFKA_LAB_PORTS, else PROFILE_BROKERS) */
  ports?: number[];
  /** where one-line messages go (default: stdout); progress goes to stderr when it is a terminal */
  log?: (line: string) => void;
  /** how long up() waits for every broker to serve (default 60 s) */
  readyTimeoutMs?: number;
}

const SHUTDOWN_TIMEOUT_MS = 25_000;
const CONTROL_TIMEOUT_MS = 3_000;
const BROKER_ACTION_TIMEOUT_MS = 60_000;


/** tsx's ESM loader as a file URL, so the daemon starts the same from any cwd. */
function tsxLoader(): string {
  const require = createRequire(join(PROJECT_ROOT, 'package.json'));
  try {
    return pathToFileURL(require.resolve('tsx')).href;
  } catch {
    throw new UserError('cannot find the tsx package: run `yarn install` in the kafka-lab folder first');
  }
}

export class EmbeddedBackend implements Cluster {
  readonly backend = 'embedded' as const;
  readonly profile: Profile;
  readonly paths: EmbeddedPaths;
  private readonly ports: number[] | undefined;
  private readonly log: (line: string) => void;
  private readonly readyTimeoutMs: number;

  constructor(opts: EmbeddedBackendOptions) {
    this.profile = opts.profile;
    this.paths = embeddedPaths(resolveHome(opts.home));
    this.ports = opts.ports;
    this.log = opts.log ?? ((line) => console.log(line));
    this.readyTimeoutMs = opts.readyTimeoutMs ?? 60_000;
  }

  // ---------------------------------------------------------------- daemon discovery

  /** What is running: nothing, a stale daemon.json, a daemon that does not answer, or a live daemon. */
  async inspect(): Promise<DaemonState> {
    const info = readDaemonInfo(this.paths.daemonJson);
    if (!info) {
      // a daemon.json we cannot read is as good as stale
      return existsSync(this.paths.daemonJson) ? { kind: 'stale', info: null } : { kind: 'none' };
    }
    if (!pidAlive(info.pid)) return { kind: 'stale', info };
    const status = await this.control<DaemonStatus>(info, 'GET', '/status', CONTROL_TIMEOUT_MS).catch(() => null);
    if (status && status.pid === info.pid) return { kind: 'running', info, status };
    if (!pidLooksLikeDaemon(info.pid)) return { kind: 'stale', info }; // the pid was recycled by another program
    return { kind: 'unresponsive', info };
  }

  private cleanStale(state: DaemonState): void {
    if (state.kind !== 'stale') return;
    removeFile(this.paths.daemonJson);
  }

  private async requireRunning(): Promise<{ info: DaemonInfo; status: DaemonStatus }> {
    const state = await this.inspect();
    if (state.kind === 'running') return state;
    if (state.kind === 'unresponsive') throw this.unresponsiveError(state.info);
    this.cleanStale(state);
    throw new UserError(NOT_RUNNING_MESSAGE);
  }

  private unresponsiveError(info: DaemonInfo): UserError {
    return new UserError(
      `the embedded cluster (pid ${info.pid}) does not answer on its control port: run \`yarn cluster:down\` to stop it, then try again (log: ${this.paths.logFile})`,
    );
  }

  /** One request to the daemon's control port; a non-2xx answer becomes a UserError with the daemon's message. */
  private async control<T>(info: DaemonInfo, method: 'GET' | 'POST', path: string, timeoutMs: number): Promise<T> {
    const response = await fetch(`http://127.0.0.1:${info.controlPort}${path}`, {
      method,
      signal: AbortSignal.timeout(timeoutMs),
    });
    const body = (await response.json().catch(() => ({}))) as T & { error?: string };
    if (!response.ok) throw new UserError(body.error ?? `the embedded cluster answered ${response.status} to ${method} ${path}`);
    return body;
  }

  // ---------------------------------------------------------------- lifecycle

  async up(): Promise<void> {
    mkdirSync(this.paths.dir, { recursive: true });
    const state = await this.inspect();
    if (state.kind === 'unresponsive') throw this.unresponsiveError(state.info);
    if (state.kind === 'stale') {
      this.cleanStale(state);
      if (state.info) this.log(`removed a stale daemon.json (pid ${state.info.pid} is gone)`);
    }
    if (state.kind === 'running') {
      await this.reuse(state.info, state.status);
      return;
    }
    await this.spawnDaemon();
  }

  private async reuse(info: DaemonInfo, status: DaemonStatus): Promise<void> {
    if (info.profile !== this.profile) {
      throw new UserError(
        `an embedded cluster with the ${info.profile} profile is already running (pid ${info.pid}): stop it with \`yarn cluster:down\` first, then start the ${this.profile} profile`,
      );
    }
    // Like `docker compose up`: brokers that were killed or stopped come back.
    for (const broker of status.brokers.filter((b) => !b.up)) {
      this.log(`starting broker ${broker.id}, which was down`);
      await this.control(info, 'POST', `/brokers/${broker.id}/start`, BROKER_ACTION_TIMEOUT_MS);
    }
    await this.waitReady(info, null, 'embedded cluster already running: checking every broker serves');
    this.log(`embedded cluster (${info.profile}) already running: reusing it on ${bootstrapOf(info).join(',')}`);
  }

  private async spawnDaemon(): Promise<void> {
    const brokers = profileBrokers(this.profile, this.ports); // validates the ports before anything starts
    removeFile(this.paths.startupError);
    const logFd = openSync(this.paths.logFile, 'a');
    const args = [
      '--import',
      tsxLoader(),
      DAEMON_SCRIPT,
      '--profile',
      this.profile,
      '--home',
      this.paths.home,
      '--ports',
      brokers.map((b) => b.port).join(','),
    ];
    let child: ChildProcess;
    try {
      child = spawn(process.execPath, args, {
        cwd: PROJECT_ROOT,
        detached: true,
        stdio: ['ignore', logFd, logFd],
        env: process.env,
      });
    } finally {
      closeSync(logFd);
    }
    let exited: string | null = null;
    child.on('exit', (code, signal) => {
      exited = signal ? `signal ${signal}` : `exit code ${code}`;
    });
    child.on('error', (error) => {
      exited = error.message;
    });
    child.unref();

    try {
      await this.waitReady(null, child, `starting the embedded cluster (${this.profile}: ${brokers.map((b) => `${b.host}:${b.port}`).join(', ')})`, () => exited);
    } catch (error) {
      if (exited === null && child.pid) {
        // gave up waiting: leave nothing half-started behind
        child.kill('SIGKILL');
        await waitForExit(child.pid, 5_000);
        const info = readDaemonInfo(this.paths.daemonJson);
        if (info?.pid === child.pid) removeFile(this.paths.daemonJson);
      }
      throw error;
    }
    const info = readDaemonInfo(this.paths.daemonJson)!;
    this.log(`embedded cluster (${this.profile}) is up on ${bootstrapOf(info).join(',')} (pid ${info.pid}, log ${this.paths.logFile})`);
  }

  /**
   * Waits until daemon.json (of `child`, when given) is there and a kafkajs admin's describeCluster lists every broker.
   * `exited()` reports a child that died first: its startup-error line becomes the UserError.
   */
  private async waitReady(
    known: DaemonInfo | null,
    child: ChildProcess | null,
    what: string,
    exited: () => string | null = () => null,
  ): Promise<void> {
    const progress = new Progress(what);
    const deadline = Date.now() + this.readyTimeoutMs;
    let lastProblem = 'the daemon has not written daemon.json yet';
    try {
      while (Date.now() < deadline) {
        const exit = exited();
        if (exit !== null) {
          const line = readStartupError(this.paths.startupError);
          // Someone else's `up` may have won the race for the same profile: then reuse theirs.
          const other = await this.inspect();
          if (other.kind === 'running' && other.info.profile === this.profile && other.info.pid !== child?.pid) {
            progress.done();
            return;
          }
          throw new UserError(line ?? `the embedded cluster stopped during startup (${exit}): see ${this.paths.logFile}`);
        }
        const info = known ?? readDaemonInfo(this.paths.daemonJson);
        if (info && (!child || info.pid === child.pid)) {
          try {
            const listed = await describeOnce(bootstrapOf(info));
            const missing = info.brokers.map((b) => b.id).filter((id) => !listed.includes(id));
            if (missing.length === 0) {
              progress.done();
              return;
            }
            lastProblem = `metadata does not list broker(s) ${missing.join(', ')} yet`;
          } catch (error) {
            lastProblem = error instanceof Error ? error.message : String(error);
          }
        }
        progress.tick();
        await sleep(250);
      }
    } finally {
      progress.done();
    }
    throw new UserError(
      `the embedded cluster was not ready within ${Math.round(this.readyTimeoutMs / 1000)} s (${lastProblem}): see ${this.paths.logFile}`,
    );
  }

  async down(): Promise<void> {
    const stopped = await this.stopDaemon();
    this.log(stopped ? 'embedded cluster stopped (data kept; `yarn cluster:reset` wipes it)' : 'no embedded cluster is running: nothing to stop');
  }

  /** Stops the daemon if there is one; false when there was nothing to stop. */
  private async stopDaemon(): Promise<boolean> {
    const state = await this.inspect();
    if (state.kind === 'none') return false;
    if (state.kind === 'stale') {
      this.cleanStale(state);
      return false;
    }
    const { pid } = state.info;
    const progress = new Progress('stopping the embedded cluster');
    try {
      if (state.kind === 'running') {
        await this.control(state.info, 'POST', '/shutdown', CONTROL_TIMEOUT_MS).catch(() => signalProcess(pid, 'SIGTERM'));
      } else {
        signalProcess(pid, 'SIGTERM');
      }
      if (!(await waitForExit(pid, SHUTDOWN_TIMEOUT_MS, () => progress.tick()))) {
        this.log(`the embedded cluster (pid ${pid}) did not stop within ${SHUTDOWN_TIMEOUT_MS / 1000} s: killing it`);
        signalProcess(pid, 'SIGKILL');
        await waitForExit(pid, 5_000);
      }
    } finally {
      progress.done();
    }
    const info = readDaemonInfo(this.paths.daemonJson);
    if (info && !pidAlive(info.pid)) removeFile(this.paths.daemonJson);
    return true;
  }

  async reset(): Promise<void> {
    await this.stopDaemon();
    rmSync(this.paths.dataDir, { recursive: true, force: true });
    removeFile(this.paths.daemonJson);
    removeFile(this.paths.startupError);
    this.log(`embedded cluster reset: data wiped (${this.paths.dataDir})`);
  }

  async isUp(): Promise<boolean> {
    const state = await this.inspect();
    return state.kind === 'running' && state.info.profile === this.profile;
  }

  // ---------------------------------------------------------------- brokers

  bootstrapServers(): string[] {
    const info = readDaemonInfo(this.paths.daemonJson);
    if (info && pidAlive(info.pid)) return bootstrapOf(info);
    return profileBrokers(this.profile, this.ports).map((b) => `${b.host}:${b.port}`);
  }

  async brokers(): Promise<BrokerState[]> {
    const state = await this.inspect();
    if (state.kind === 'running') return state.status.brokers;
    return profileBrokers(this.profile, this.ports).map((b) => ({ ...b, up: false }));
  }

  killBroker(id: number): Promise<void> {
    return this.brokerAction(id, 'kill');
  }

  stopBroker(id: number): Promise<void> {
    return this.brokerAction(id, 'stop');
  }

  startBroker(id: number): Promise<void> {
    return this.brokerAction(id, 'start');
  }

  async electPreferredLeaders(): Promise<number> {
    const { info } = await this.requireRunning();
    const { moved } = await this.control<{ moved: number }>(info, 'POST', '/elect-leaders', BROKER_ACTION_TIMEOUT_MS);
    return moved;
  }

  private async brokerAction(id: number, action: 'kill' | 'stop' | 'start'): Promise<void> {
    const { info, status } = await this.requireRunning();
    const ids = status.brokers.map((b) => b.id);
    if (!Number.isInteger(id) || !ids.includes(id)) {
      throw new UserError(`unknown broker ${id}: valid ids are ${ids.join(', ')}`);
    }
    await this.control(info, 'POST', `/brokers/${id}/${action}`, BROKER_ACTION_TIMEOUT_MS);
  }

  // ---------------------------------------------------------------- status

  async status(): Promise<ClusterStatus> {
    const state = await this.inspect();
    if (state.kind !== 'running') {
      this.cleanStale(state);
      return {
        backend: 'embedded',
        profile: this.profile,
        clusterId: null,
        controller: null,
        brokers: profileBrokers(this.profile, this.ports).map((b) => ({ ...b, up: false, controller: false })),
        topics: [],
        groups: [],
        error: state.kind === 'unresponsive' ? this.unresponsiveError(state.info).message : NOT_RUNNING_MESSAGE,
      };
    }
    const { info, status } = state;
    return buildClusterStatus({
      backend: 'embedded',
      profile: info.profile,
      bootstrapServers: bootstrapOf(info),
      brokers: status.brokers,
      controller: status.controller,
    });
  }
}

function bootstrapOf(info: DaemonInfo): string[] {
  return info.brokers.map((b) => `${b.host}:${b.port}`);
}

