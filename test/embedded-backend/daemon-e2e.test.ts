/**
 * End to end: the real daemon process, spawned by EmbeddedBackend.up(), with a temp home and free ports, driven
 * through the Cluster interface and used by unmodified kafkajs clients.
 */
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { Kafka, logLevel } from 'kafkajs';
import { afterEach, describe, expect, it } from 'vitest';
import { embeddedPaths, pidAlive, readDaemonInfo } from '../../src/cluster/embedded/daemon-files.js';
import { EmbeddedBackend } from '../../src/cluster/embedded/backend.js';
import { type Profile, UserError } from '../../src/cluster/types.js';
import { freePorts, killIfAlive, occupy, tempHome, waitUntil } from './helpers.js';

/** These tests need the embedded cluster itself; they wait for it to land and compile. */
const clusterAvailable = await import('../../src/broker/embedded-cluster.js').then(
  () => true,
  () => false,
);

const TIMEOUT = 120_000;
const cleanups: Array<() => void | Promise<void>> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
}, TIMEOUT);

async function setup(profile: Profile) {
  const h = tempHome();
  const paths = embeddedPaths(h.home);
  const ports = await freePorts(profile === 'multi' ? 3 : 1);
  const lines: string[] = [];
  const backend = new EmbeddedBackend({ profile, home: h.home, ports, log: (l) => lines.push(l) });
  cleanups.push(h.cleanup);
  cleanups.push(async () => {
    const pid = readDaemonInfo(paths.daemonJson)?.pid;
    await backend.down().catch(() => undefined);
    killIfAlive(pid);
  });
  return { backend, paths, ports, lines, home: h.home };
}

function kafkaFor(backend: EmbeddedBackend): Kafka {
  return new Kafka({ clientId: 'embedded-backend-test', brokers: backend.bootstrapServers(), logLevel: logLevel.NOTHING });
}

describe('startup failures (no broker needed)', () => {
  it('a port in use is one clear UserError, and nothing is left running', async () => {
    const { backend, paths, ports } = await setup('multi');
    const blocker = await occupy(ports[1]!);
    cleanups.push(() => new Promise<void>((resolve) => blocker.close(() => resolve())));
    const error = await backend.up().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(UserError);
    expect((error as UserError).message).toMatch(new RegExp(`^port ${ports[1]} is already in use( by \\S+ \\(pid \\d+\\))?`));
    expect((error as UserError).message).not.toContain('\n');
    expect(existsSync(paths.daemonJson)).toBe(false);
    expect(await backend.isUp()).toBe(false);
    // the other ports are free again: nothing listens on them
    for (const port of [ports[0]!, ports[2]!]) {
      const server = await occupy(port);
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
    expect(readFileSync(paths.logFile, 'utf8')).toMatch(/startup failed: port \d+ is already in use/);
  }, TIMEOUT);
});

describe.skipIf(!clusterAvailable)('the embedded daemon, end to end', () => {
  it('single: up, produce/consume, status, up again reuses, down leaves no process', async () => {
    const { backend, paths, ports, lines } = await setup('single');
    await backend.up();
    const info = readDaemonInfo(paths.daemonJson)!;
    expect(info.profile).toBe('single');
    expect(pidAlive(info.pid)).toBe(true);
    expect(backend.bootstrapServers()).toEqual([`127.0.0.1:${ports[0]}`]);
    expect(await backend.isUp()).toBe(true);

    const kafka = kafkaFor(backend);
    const admin = kafka.admin();
    await admin.connect();
    await admin.createTopics({ topics: [{ topic: 'greetings', numPartitions: 2, replicationFactor: 1 }], waitForLeaders: true });
    await admin.disconnect();
    const producer = kafka.producer();
    await producer.connect();
    await producer.send({ topic: 'greetings', messages: [{ key: 'a', value: 'hello' }, { key: 'b', value: 'world' }] });
    await producer.disconnect();
    const consumer = kafka.consumer({ groupId: 'readers' });
    await consumer.connect();
    await consumer.subscribe({ topic: 'greetings', fromBeginning: true });
    const seen: string[] = [];
    await consumer.run({ eachMessage: async ({ message }) => void seen.push(message.value!.toString()) });
    expect(await waitUntil(() => seen.length === 2, 60_000)).toBe(true);
    await consumer.disconnect();
    expect(seen.sort()).toEqual(['hello', 'world']);

    const status = await backend.status();
    expect(status.error).toBeUndefined();
    expect(status.brokers).toEqual([{ id: 1, host: '127.0.0.1', port: ports[0], up: true, controller: true }]);
    const topic = status.topics.find((t) => t.name === 'greetings')!;
    expect(topic.partitions.map((p) => p.leader)).toEqual([1, 1]);
    expect(topic.partitions.reduce((sum, p) => sum + Number(p.highWatermark), 0)).toBe(2);

    await backend.up(); // reuse
    expect(readDaemonInfo(paths.daemonJson)!.pid).toBe(info.pid);
    expect(lines.some((l) => l.includes('already running: reusing it'))).toBe(true);

    await backend.down();
    expect(pidAlive(info.pid)).toBe(false);
    expect(existsSync(paths.daemonJson)).toBe(false);
    expect(await backend.isUp()).toBe(false);
    const log = readFileSync(paths.logFile, 'utf8');
    expect(log).toMatch(/starting embedded cluster: profile single/);
    expect(log).toMatch(/shutting down \(POST \/shutdown\)/);
    expect(existsSync(paths.dataDir)).toBe(true); // data is kept
  }, TIMEOUT);

  it('multi: kill and start a broker through the control port; other profile is refused', async () => {
    const { backend, paths, home } = await setup('multi');
    await backend.up();
    expect((await backend.brokers()).map((b) => b.up)).toEqual([true, true, true]);

    await backend.killBroker(2);
    expect((await backend.brokers()).map((b) => [b.id, b.up])).toEqual([
      [1, true],
      [2, false],
      [3, true],
    ]);
    const status = await backend.status();
    expect(status.brokers.find((b) => b.id === 2)!.up).toBe(false);
    await expect(backend.killBroker(9)).rejects.toThrow(new UserError('unknown broker 9: valid ids are 1, 2, 3'));

    await backend.startBroker(2);
    expect((await backend.brokers()).every((b) => b.up)).toBe(true);
    await backend.stopBroker(3);
    expect((await backend.brokers()).find((b) => b.id === 3)!.up).toBe(false);
    await backend.up(); // brings the stopped broker back, like `docker compose up`
    expect((await backend.brokers()).every((b) => b.up)).toBe(true);
    // broker 3 gave up its leaderships when it stopped; a preferred leader election (over the control port) returns them
    const preferredEverywhere = async () => {
      await backend.electPreferredLeaders();
      const { topics } = await backend.status();
      return topics.every((t) => t.partitions.every((p) => p.leader === p.replicas[0]));
    };
    let led = await preferredEverywhere();
    for (let tries = 0; !led && tries < 50; tries++) {
      await new Promise((r) => setTimeout(r, 100)); // broker 3 first has to rejoin the ISR
      led = await preferredEverywhere();
    }
    expect(led).toBe(true);
    expect((await backend.status()).topics.some((t) => t.internal && t.partitions.some((p) => p.replicas[0] === 3))).toBe(true);

    const single = new EmbeddedBackend({ profile: 'single', home, log: () => {} });
    await expect(single.up()).rejects.toThrow(/multi profile is already running/);

    const pid = readDaemonInfo(paths.daemonJson)!.pid;
    await backend.down();
    expect(pidAlive(pid)).toBe(false);
    const log = readFileSync(paths.logFile, 'utf8');
    expect(log).toMatch(/kill broker 2/);
    expect(log).toMatch(/start broker 2/);
  }, TIMEOUT);

  it('reset wipes the data: the next up is a brand-new cluster', async () => {
    const { backend, paths } = await setup('single');
    await backend.up();
    let admin = kafkaFor(backend).admin();
    await admin.connect();
    await admin.createTopics({ topics: [{ topic: 'doomed', numPartitions: 1, replicationFactor: 1 }], waitForLeaders: true });
    await admin.disconnect();
    await backend.reset();
    expect(existsSync(paths.dataDir)).toBe(false);
    expect(readdirSync(paths.dir)).not.toContain('daemon.json');

    await backend.up();
    admin = kafkaFor(backend).admin();
    await admin.connect();
    expect(await admin.listTopics()).not.toContain('doomed');
    await admin.disconnect();
    await backend.down();
  }, TIMEOUT);

  it('SIGTERM shuts the daemon down gracefully', async () => {
    const { backend, paths } = await setup('single');
    await backend.up();
    const pid = readDaemonInfo(paths.daemonJson)!.pid;
    process.kill(pid, 'SIGTERM');
    expect(await waitUntil(() => !pidAlive(pid), 30_000)).toBe(true);
    expect(existsSync(paths.daemonJson)).toBe(false);
    expect(readFileSync(paths.logFile, 'utf8')).toMatch(/shutting down \(SIGTERM\)/);
  }, TIMEOUT);
});
