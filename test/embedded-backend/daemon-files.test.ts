import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import {
  type DaemonInfo,
  PROJECT_ROOT,
  embeddedPaths,
  parsePorts,
  pidAlive,
  profileBrokers,
  readDaemonInfo,
  readStartupError,
  resolveHome,
  writeDaemonInfo,
} from '../../src/cluster/embedded/daemon-files.js';
import { UserError } from '../../src/cluster/types.js';
import { tempHome } from './helpers.js';

const homes: Array<() => void> = [];
afterEach(() => homes.splice(0).forEach((cleanup) => cleanup()));

function home(): string {
  const h = tempHome();
  homes.push(h.cleanup);
  return h.home;
}

/** A pid that existed and is gone now. */
async function deadPid(): Promise<number> {
  const child = spawn(process.execPath, ['-e', '0'], { stdio: 'ignore' });
  await new Promise((resolve) => child.on('exit', resolve));
  return child.pid!;
}

function info(overrides: Partial<DaemonInfo> = {}): DaemonInfo {
  return {
    pid: process.pid,
    controlPort: 12345,
    profile: 'multi',
    brokers: [{ id: 1, host: '127.0.0.1', port: 9092 }],
    startedAt: new Date().toISOString(),
    logFile: '/x/broker.log',
    dataDir: '/x/data',
    ...overrides,
  };
}

describe('home and paths', () => {
  it('defaults to <project>/.kafka-lab, KAFKA_LAB_HOME overrides, relative homes resolve against the cwd', () => {
    expect(resolveHome(undefined, {})).toBe(join(PROJECT_ROOT, '.kafka-lab'));
    expect(existsSync(join(PROJECT_ROOT, 'package.json'))).toBe(true);
    expect(resolveHome(undefined, { KAFKA_LAB_HOME: '/tmp/h' })).toBe('/tmp/h');
    expect(resolveHome('rel', {})).toBe(join(process.cwd(), 'rel'));
    const paths = embeddedPaths('/tmp/h');
    expect(paths.daemonJson).toBe('/tmp/h/embedded/daemon.json');
    expect(paths.logFile).toBe('/tmp/h/embedded/broker.log');
    expect(paths.dataDir).toBe('/tmp/h/embedded/data');
  });
});

describe('ports', () => {
  it('parses a comma list and names a bad entry', () => {
    expect(parsePorts('9092, 9093,9094')).toEqual([9092, 9093, 9094]);
    expect(() => parsePorts('9092,abc')).toThrow(/"abc" is not a port/);
    expect(() => parsePorts('70000')).toThrow(UserError);
  });

  it('takes the profile table, then KAFKA_LAB_PORTS, then explicit ports', () => {
    expect(profileBrokers('multi', undefined, {}).map((b) => b.port)).toEqual([9092, 9093, 9094]);
    expect(profileBrokers('multi', undefined, { KAFKA_LAB_PORTS: '1,2,3' }).map((b) => b.port)).toEqual([1, 2, 3]);
    expect(profileBrokers('single', [7], { KAFKA_LAB_PORTS: '1' })).toEqual([{ id: 1, host: '127.0.0.1', port: 7 }]);
    expect(() => profileBrokers('multi', undefined, { KAFKA_LAB_PORTS: '1,2' })).toThrow(/lists 2 port\(s\) but the multi profile has 3/);
  });
});

describe('daemon.json', () => {
  it('round-trips, and is written atomically (no temp files left behind)', () => {
    const paths = embeddedPaths(home());
    mkdirSync(paths.dir, { recursive: true });
    writeDaemonInfo(paths.daemonJson, info());
    expect(readDaemonInfo(paths.daemonJson)).toEqual(info({ startedAt: readDaemonInfo(paths.daemonJson)!.startedAt }));
    expect(readdirSync(paths.dir)).toEqual(['daemon.json']);
  });

  it('reads a missing, torn or foreign file as null', () => {
    const paths = embeddedPaths(home());
    mkdirSync(paths.dir, { recursive: true });
    expect(readDaemonInfo(paths.daemonJson)).toBeNull();
    writeFileSync(paths.daemonJson, '{"pid": 12');
    expect(readDaemonInfo(paths.daemonJson)).toBeNull();
    writeFileSync(paths.daemonJson, JSON.stringify({ pid: 1, controlPort: 2, profile: 'huge', brokers: [] }));
    expect(readDaemonInfo(paths.daemonJson)).toBeNull();
  });

  it('tells a live pid from a dead one', async () => {
    expect(pidAlive(process.pid)).toBe(true);
    expect(pidAlive(await deadPid())).toBe(false);
    expect(pidAlive(0)).toBe(false);
    expect(pidAlive(-5)).toBe(false);
  });

  it('reads the first line of startup-error', () => {
    const paths = embeddedPaths(home());
    mkdirSync(paths.dir, { recursive: true });
    expect(readStartupError(paths.startupError)).toBeNull();
    writeFileSync(paths.startupError, 'port 9092 is in use by another process: stop it\nmore\n');
    expect(readStartupError(paths.startupError)).toBe('port 9092 is in use by another process: stop it');
  });
});

