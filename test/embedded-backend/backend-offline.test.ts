/**
 * The EmbeddedBackend's bookkeeping with no broker involved: stale daemon.json files, a daemon that does not answer,
 * friendly errors when nothing runs, and a stand-in control port (HTTP only, no Kafka) for id validation.
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { type Server, createServer } from 'node:http';
import { afterEach, describe, expect, it } from 'vitest';
import { type DaemonInfo, embeddedPaths, pidAlive, writeDaemonInfo } from '../../src/cluster/embedded/daemon-files.js';
import { EmbeddedBackend, NOT_RUNNING_MESSAGE } from '../../src/cluster/embedded/backend.js';
import { UserError } from '../../src/cluster/types.js';
import { killIfAlive, tempHome, waitUntil } from './helpers.js';

const cleanups: Array<() => void | Promise<void>> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

function setup(profile: 'single' | 'multi' = 'multi') {
  const h = tempHome();
  cleanups.push(h.cleanup);
  const lines: string[] = [];
  const backend = new EmbeddedBackend({ profile, home: h.home, ports: profile === 'multi' ? [1, 2, 3] : [1], log: (l) => lines.push(l) });
  const paths = embeddedPaths(h.home);
  mkdirSync(paths.dir, { recursive: true });
  return { backend, paths, lines };
}

async function deadPid(): Promise<number> {
  const child = spawn(process.execPath, ['-e', '0'], { stdio: 'ignore' });
  await new Promise((resolve) => child.on('exit', resolve));
  return child.pid!;
}

function daemonInfo(pid: number, controlPort: number, profile: 'single' | 'multi' = 'multi'): DaemonInfo {
  return {
    pid,
    controlPort,
    profile,
    brokers: [1, 2, 3].map((id) => ({ id, host: '127.0.0.1', port: 19090 + id })),
    startedAt: new Date().toISOString(),
    logFile: '/dev/null',
    dataDir: '/nonexistent',
  };
}

describe('EmbeddedBackend with nothing running', () => {
  it('down() is a friendly no-op', async () => {
    const { backend, lines } = setup();
    await backend.down();
    expect(lines).toEqual(['no embedded cluster is running: nothing to stop']);
    expect(await backend.isUp()).toBe(false);
  });

  it('broker control says how to start a cluster', async () => {
    const { backend } = setup();
    await expect(backend.killBroker(2)).rejects.toThrow(new UserError(NOT_RUNNING_MESSAGE));
    await expect(backend.startBroker(2)).rejects.toThrow(/yarn cluster:up --backend embedded/);
  });

  it('status() reports every broker down, with the reason', async () => {
    const { backend } = setup();
    const status = await backend.status();
    expect(status.error).toBe(NOT_RUNNING_MESSAGE);
    expect(status.brokers.map((b) => [b.id, b.port, b.up])).toEqual([
      [1, 1, false],
      [2, 2, false],
      [3, 3, false],
    ]);
  });

  it('bootstrapServers() falls back to the profile ports', () => {
    const { backend } = setup();
    expect(backend.bootstrapServers()).toEqual(['127.0.0.1:1', '127.0.0.1:2', '127.0.0.1:3']);
  });
});

describe('stale daemon.json', () => {
  it('a dead pid is stale: down() removes the file and has nothing to stop', async () => {
    const { backend, paths, lines } = setup();
    writeDaemonInfo(paths.daemonJson, daemonInfo(await deadPid(), 1));
    expect((await backend.inspect()).kind).toBe('stale');
    expect(backend.bootstrapServers()).toEqual(['127.0.0.1:1', '127.0.0.1:2', '127.0.0.1:3']);
    await backend.down();
    expect(existsSync(paths.daemonJson)).toBe(false);
    expect(lines).toEqual(['no embedded cluster is running: nothing to stop']);
  });

  it('a torn file is stale too', async () => {
    const { backend, paths } = setup();
    writeFileSync(paths.daemonJson, '{"pid":');
    expect((await backend.inspect()).kind).toBe('stale');
    await expect(backend.stopBroker(1)).rejects.toThrow(NOT_RUNNING_MESSAGE);
    expect(existsSync(paths.daemonJson)).toBe(false);
  });

  it('a live pid that is not our daemon (recycled pid) is stale, and is never signalled', async () => {
    const { backend, paths } = setup();
    writeDaemonInfo(paths.daemonJson, daemonInfo(process.pid, 1)); // this test runner: alive, no control port
    expect((await backend.inspect()).kind).toBe('stale');
    await backend.down();
    expect(pidAlive(process.pid)).toBe(true);
  });

  it('reset() wipes data and daemon files', async () => {
    const { backend, paths } = setup();
    mkdirSync(paths.dataDir + '/broker-1', { recursive: true });
    writeDaemonInfo(paths.daemonJson, daemonInfo(await deadPid(), 1));
    writeFileSync(paths.startupError, 'old\n');
    await backend.reset();
    expect(existsSync(paths.dataDir)).toBe(false);
    expect(existsSync(paths.daemonJson)).toBe(false);
    expect(existsSync(paths.startupError)).toBe(false);
  });
});

describe('a daemon that does not answer', () => {
  it('is reported, and down() terminates it', async () => {
    const { backend, paths, lines } = setup();
    // a process whose command line says "daemon" but serves no control port
    const child = spawn(process.execPath, ['-e', 'setInterval(() => {}, 1000)', 'fake-daemon'], { stdio: 'ignore' });
    cleanups.push(() => killIfAlive(child.pid));
    await waitUntil(() => pidAlive(child.pid!));
    writeDaemonInfo(paths.daemonJson, daemonInfo(child.pid!, 1));
    expect((await backend.inspect()).kind).toBe('unresponsive');
    await expect(backend.up()).rejects.toThrow(/does not answer on its control port: run `yarn cluster:down`/);
    await backend.down();
    expect(await waitUntil(() => child.exitCode !== null || child.signalCode !== null)).toBe(true);
    expect(existsSync(paths.daemonJson)).toBe(false);
    expect(lines.at(-1)).toMatch(/embedded cluster stopped/);
  });
});

describe('against a stand-in control port (HTTP only)', () => {
  async function controlServer(): Promise<{ server: Server; port: number; requests: string[] }> {
    const requests: string[] = [];
    const server = createServer((req, res) => {
      requests.push(`${req.method} ${req.url}`);
      res.setHeader('content-type', 'application/json');
      if (req.url === '/status') {
        res.end(JSON.stringify({ pid: process.pid, profile: 'multi', controller: 1, brokers: [1, 2, 3].map((id) => ({ id, host: '127.0.0.1', port: 19090 + id, up: true })) }));
      } else if (req.url === '/brokers/2/kill') {
        res.end(JSON.stringify({ ok: true }));
      } else {
        res.statusCode = 500;
        res.end(JSON.stringify({ error: 'broker exploded' }));
      }
    });
    await new Promise<void>((resolve) => server.listen({ host: '127.0.0.1', port: 0 }, resolve));
    cleanups.push(() => new Promise<void>((resolve) => server.close(() => resolve())));
    return { server, port: (server.address() as { port: number }).port, requests };
  }

  it('validates broker ids, relays actions and the daemon errors', async () => {
    const { backend, paths } = setup();
    const control = await controlServer();
    writeDaemonInfo(paths.daemonJson, daemonInfo(process.pid, control.port));
    expect((await backend.inspect()).kind).toBe('running');
    expect(await backend.isUp()).toBe(true);
    expect(backend.bootstrapServers()).toEqual(['127.0.0.1:19091', '127.0.0.1:19092', '127.0.0.1:19093']);
    await expect(backend.killBroker(7)).rejects.toThrow(new UserError('unknown broker 7: valid ids are 1, 2, 3'));
    await backend.killBroker(2);
    expect(control.requests).toContain('POST /brokers/2/kill');
    await expect(backend.stopBroker(3)).rejects.toThrow(new UserError('broker exploded'));
    expect((await backend.brokers()).map((b) => b.up)).toEqual([true, true, true]);
  });

  it('up() with another profile tells to run cluster:down first', async () => {
    const { paths } = setup();
    const h = tempHome();
    cleanups.push(h.cleanup);
    const control = await controlServer();
    writeDaemonInfo(paths.daemonJson, daemonInfo(process.pid, control.port, 'multi'));
    const single = new EmbeddedBackend({ profile: 'single', home: paths.home, log: () => {} });
    await expect(single.up()).rejects.toThrow(/multi profile is already running .*`yarn cluster:down` first/);
    expect(await single.isUp()).toBe(false);
  });
});
