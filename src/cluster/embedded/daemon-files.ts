/**
 * The files the embedded daemon (src/cluster/embedded/daemon.ts) and its client (src/cluster/embedded/backend.ts) share:
 * where they live, the daemon.json format, and the port table of a profile. No Kafka in here.
 */
import { readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { commandLineOf, pidAlive } from '../processes.js';
import { dirname, join, resolve } from 'node:path';
import { PROJECT_ROOT, labHome } from '../home.js';
import { type BrokerAddress, PROFILE_BROKERS, type Profile, UserError } from '../types.js';

export { PROJECT_ROOT, pidAlive };
/** The daemon's entry point, started with `node --import tsx`. */
export const DAEMON_SCRIPT = join(PROJECT_ROOT, 'src', 'cluster', 'embedded', 'daemon.ts');

export interface DaemonInfo {
  pid: number;
  controlPort: number;
  profile: Profile;
  brokers: BrokerAddress[];
  startedAt: string;
  logFile: string;
  dataDir: string;
}

export interface EmbeddedPaths {
  home: string;
  dir: string;
  daemonJson: string;
  logFile: string;
  startupError: string;
  dataDir: string;
}

/** `KAFKA_LAB_HOME` (relative to the cwd) or `<project>/.kafka-lab`, which git ignores. */
export function resolveHome(home?: string, env: NodeJS.ProcessEnv = process.env): string {
  return home ? resolve(home) : labHome(env);
}

export function embeddedPaths(home: string): EmbeddedPaths {
  const dir = join(home, 'embedded');
  return {
    home,
    dir,
    daemonJson: join(dir, 'daemon.json'),
    logFile: join(dir, 'broker.log'),
    startupError: join(dir, 'startup-error'),
    dataDir: join(dir, 'data'),
  };
}

export function isProfile(value: unknown): value is Profile {
  return value === 'single' || value === 'multi';
}

/** "9092,9093,9094" → [9092, 9093, 9094]; anything else is a UserError naming the bad entry. */
export function parsePorts(text: string, source = '--ports'): number[] {
  const parts = text.split(',').map((part) => part.trim());
  return parts.map((part) => {
    const port = Number(part);
    if (part === '' || !Number.isInteger(port) || port < 0 || port > 65535) {
      throw new UserError(`${source}: "${part}" is not a port (expected e.g. 9092,9093,9094)`);
    }
    return port;
  });
}

/** The profile's brokers on 127.0.0.1, with ports from `ports` (or `KAFKA_LAB_PORTS`) when given. */
export function profileBrokers(profile: Profile, ports?: number[], env: NodeJS.ProcessEnv = process.env): BrokerAddress[] {
  const table = PROFILE_BROKERS[profile];
  let chosen = ports;
  let source = '--ports';
  if (!chosen && env.KAFKA_LAB_PORTS) {
    source = 'KAFKA_LAB_PORTS';
    chosen = parsePorts(env.KAFKA_LAB_PORTS, source);
  }
  if (!chosen) return table.map((broker) => ({ ...broker }));
  if (chosen.length !== table.length) {
    throw new UserError(
      `${source} lists ${chosen.length} port(s) but the ${profile} profile has ${table.length} broker(s): give ${table.length}, e.g. ${table.map((b) => b.port + 100).join(',')}`,
    );
  }
  return table.map((broker, i) => ({ ...broker, port: chosen[i]! }));
}

/** The daemon.json content, or null when there is none or it is unreadable (a torn or foreign file counts as stale). */
export function readDaemonInfo(file: string): DaemonInfo | null {
  let raw: string;
  try {
    raw = readFileSync(file, 'utf8');
  } catch {
    return null;
  }
  try {
    const info = JSON.parse(raw) as Partial<DaemonInfo>;
    if (
      typeof info.pid !== 'number' ||
      typeof info.controlPort !== 'number' ||
      !isProfile(info.profile) ||
      !Array.isArray(info.brokers)
    ) {
      return null;
    }
    return info as DaemonInfo;
  } catch {
    return null;
  }
}

/** Written to a temp file and renamed, so a reader never sees half a file. */
export function writeFileAtomic(file: string, content: string): void {
  const tmp = join(dirname(file), `.${process.pid}.${Date.now()}.tmp`);
  writeFileSync(tmp, content);
  renameSync(tmp, file);
}

export function writeDaemonInfo(file: string, info: DaemonInfo): void {
  writeFileAtomic(file, JSON.stringify(info, null, 2) + '\n');
}

export function removeFile(file: string): void {
  rmSync(file, { force: true });
}

/**
 * On Linux, whether the pid runs our daemon (guards against a recycled pid); elsewhere we cannot tell cheaply
 * and answer true.
 */
export function pidLooksLikeDaemon(pid: number): boolean {
  const command = commandLineOf(pid);
  return command === null || command.includes('daemon');
}

/** First line of the startup-error file, if the daemon left one. */
export function readStartupError(file: string): string | null {
  try {
    const line = readFileSync(file, 'utf8').split('\n')[0]?.trim();
    return line ? line : null;
  } catch {
    return null;
  }
}
