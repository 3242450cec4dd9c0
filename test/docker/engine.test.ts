/**
 * The docker backend against a real Docker engine: compose/*.yml run with KAFKA_IMAGE (default: the kit's stand-in,
 * built by docker/build-standin.sh when missing), driven through the CLI scripts and openCluster({ backend: 'docker' }).
 * Everything here publishes 127.0.0.1:9092-9094 and uses the kit's project and volume names, so it all runs in this one
 * file, one test after another, and refuses to start when a kit cluster already runs.
 *
 * No engine → one line on stderr and the suite skips (KAFKA_LAB_REQUIRE_DOCKER=1 turns that into a failure).
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Kafka, logLevel } from 'kafkajs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { COMPOSE_FILES, projectName } from '../../src/cluster/docker.js';
import { PROJECT_ROOT } from '../../src/cluster/home.js';
import { openCluster } from '../../src/cluster/index.js';
import type { Cluster, Profile } from '../../src/cluster/types.js';
import { startKafkaCompose, startKafkaContainer } from '../../src/testing/containers.js';
import { composeDownQuietly, dockerEngine, projectContainers, sh, volumeExists } from './engine.js';

const engine = dockerEngine();

const portFree = (port: number) =>
  new Promise<boolean>((resolve) => {
    const server = createServer();
    server.once('error', () => resolve(false));
    server.listen({ host: '127.0.0.1', port }, () => server.close(() => resolve(true)));
  });

// A kit cluster (either backend) already on these ports: leave it alone.
let busy: string | null = null;
if (engine.ok) {
  for (const port of [9092, 9093, 9094]) if (!(await portFree(port))) busy = `port ${port} is in use (a kit cluster running?)`;
  for (const p of ['single', 'multi'] as const) if (projectContainers(projectName(p)).size > 0) busy = `the ${projectName(p)} compose project already has containers`;
}
const skipReason = !engine.ok ? engine.reason : busy;
if (skipReason) console.warn(`test/docker/engine.test.ts: skipped: ${skipReason}`);

const home = mkdtempSync(join(tmpdir(), 'kafka-lab-docker-engine-'));
const env = { ...process.env, KAFKA_IMAGE: engine.image, KAFKA_LAB_HOME: home, CI: 'true', FORCE_COLOR: '0' };
const lines: string[] = [];

function script(args: string[], timeoutMs = 240_000): Promise<{ code: number; output: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['--import', 'tsx', ...args], { cwd: PROJECT_ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (c: Buffer) => (output += c.toString()));
    child.stderr.on('data', (c: Buffer) => (output += c.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code: code ?? 1, output });
    });
  });
}

async function open(profile: Profile): Promise<Cluster> {
  process.env.KAFKA_IMAGE = engine.image;
  return openCluster({ backend: 'docker', profile, home, log: (l) => lines.push(l) });
}

function kafka(bootstrap: string[]) {
  return new Kafka({ clientId: 'docker-engine-test', brokers: bootstrap, logLevel: logLevel.NOTHING, retry: { retries: 8 } });
}

async function clusterIdOf(bootstrap: string[]): Promise<{ clusterId: string; ids: number[] }> {
  const admin = kafka(bootstrap).admin();
  await admin.connect();
  try {
    const c = await admin.describeCluster();
    return { clusterId: c.clusterId, ids: c.brokers.map((b) => b.nodeId).sort() };
  } finally {
    await admin.disconnect();
  }
}

const state = (project: string, service: string) => projectContainers(project).get(service);

describe.skipIf(skipReason !== null && !engine.required).sequential(`docker backend on a real engine (${engine.reason})`, () => {
  beforeAll(() => {
    if (skipReason) throw new Error(`KAFKA_LAB_REQUIRE_DOCKER=1 but: ${skipReason}`);
  });
  afterAll(() => {
    for (const p of ['single', 'multi'] as const) composeDownQuietly(projectName(p), COMPOSE_FILES[p], engine.compose);
    for (const p of ['kafka-lab-tc-single']) composeDownQuietly(p, COMPOSE_FILES.single, engine.compose);
    rmSync(home, { recursive: true, force: true });
  });

  describe('single profile', () => {
    const project = projectName('single');

    it('`cluster:up --backend docker --profile single` returns once the healthcheck passes', async () => {
      const up = await script(['scripts/cluster-up.ts', '--backend', 'docker', '--profile', 'single']);
      expect(up.output).toMatch(/cluster is up: bootstrap 127\.0\.0\.1:9092/);
      expect(up.code).toBe(0);
      expect(state(project, 'kafka-1')).toMatchObject({ state: 'running', status: expect.stringMatching(/\(healthy\)/) });
      expect((await clusterIdOf(['127.0.0.1:9092'])).clusterId).toBe('a2Fma2EtbGFiLXNpbmdsZQ'); // CLUSTER_ID of the compose file
    }, 300_000);

    it('other containers reach the broker on its DOCKER listener (kafka-1:19092), as Conduktor does', () => {
      const r = sh(['docker', 'run', '--rm', '--network', 'kafka-lab', '--entrypoint', '/opt/kafka/bin/kafka-cluster.sh', engine.image, 'cluster-id', '--bootstrap-server', 'kafka-1:19092'], 120_000);
      expect(r.stdout + r.stderr).toMatch(/Cluster ID: a2Fma2EtbGFiLXNpbmdsZQ/);
      expect(r.code).toBe(0);
    }, 180_000);

    it('lab 01 passes against it (`yarn lab:01 --verify --backend docker`)', async () => {
      const lab = await script(['scripts/lab.ts', '01', '--verify', '--backend', 'docker']);
      expect(lab.output, lab.output).toMatch(/PASS lab 01/);
      expect(lab.code).toBe(0);
    }, 300_000);

    it('broker:kill 1 SIGKILLs kafka-1; broker:start 1 brings it back with its data', async () => {
      const cluster = await open('single');
      const admin = kafka(cluster.bootstrapServers()).admin();
      await admin.connect();
      await admin.createTopics({ topics: [{ topic: 'docker-engine-kept', numPartitions: 1, replicationFactor: 1 }] });
      await admin.disconnect();

      await cluster.killBroker(1);
      expect(state(project, 'kafka-1')).toMatchObject({ state: 'exited', status: expect.stringMatching(/Exited \(137\)/) });
      expect(await cluster.isUp()).toBe(false);

      await cluster.startBroker(1);
      expect(state(project, 'kafka-1')).toMatchObject({ state: 'running', status: expect.stringMatching(/\(healthy\)/) });
      expect((await cluster.brokers()).map((b) => b.up)).toEqual([true]); // what cluster:status shows
      const again = kafka(cluster.bootstrapServers()).admin();
      await again.connect();
      expect(await again.listTopics()).toContain('docker-engine-kept'); // the volume outlived the container's process
      await again.disconnect();
    }, 300_000);

    it('broker:stop 1 is a graceful stop (SIGTERM → exit 0), and start works after it', async () => {
      const cluster = await open('single');
      await cluster.stopBroker(1);
      expect(state(project, 'kafka-1')).toMatchObject({ state: 'exited', status: expect.stringMatching(/Exited \(0\)/) });
      await cluster.startBroker(1);
      expect(state(project, 'kafka-1')?.state).toBe('running');
    }, 300_000);

    it('cluster:down leaves nothing running (the volume stays); cluster:reset leaves no volume', async () => {
      const cluster = await open('single');
      await cluster.down();
      expect([...projectContainers(project).values()].filter((c) => c.state === 'running')).toEqual([]);
      expect(volumeExists('kafka-lab-single-data')).toBe(true);

      await cluster.up(); // the same data comes back
      const admin = kafka(cluster.bootstrapServers()).admin();
      await admin.connect();
      expect(await admin.listTopics()).toContain('docker-engine-kept');
      await admin.disconnect();

      await cluster.reset();
      expect(projectContainers(project).size).toBe(0);
      expect(volumeExists('kafka-lab-single-data')).toBe(false);
    }, 300_000);
  });

  describe('multi profile', () => {
    const project = projectName('multi');

    it('three containers come up healthy, one per broker id', async () => {
      const cluster = await open('multi');
      await cluster.up();
      const rows = projectContainers(project);
      for (const id of [1, 2, 3]) expect(rows.get(`kafka-${id}`), `kafka-${id}`).toMatchObject({ state: 'running', status: expect.stringMatching(/\(healthy\)/) });
      // each stand-in container is a cluster of its own; the real image would list [1, 2, 3] everywhere
      for (const [i, port] of [9092, 9093, 9094].entries()) expect((await clusterIdOf([`127.0.0.1:${port}`])).ids).toContain(i + 1);
      expect((await cluster.brokers()).map((b) => b.up)).toEqual([true, true, true]);
    }, 300_000);

    it('kill 2 and stop 3 act on kafka-2 and kafka-3 only; start brings each back', async () => {
      const cluster = await open('multi');
      await cluster.killBroker(2);
      let rows = projectContainers(project);
      expect(rows.get('kafka-2')).toMatchObject({ state: 'exited', status: expect.stringMatching(/Exited \(137\)/) });
      expect([rows.get('kafka-1')?.state, rows.get('kafka-3')?.state]).toEqual(['running', 'running']);

      await cluster.stopBroker(3);
      rows = projectContainers(project);
      expect(rows.get('kafka-3')).toMatchObject({ state: 'exited', status: expect.stringMatching(/Exited \(0\)/) });
      expect(rows.get('kafka-1')?.state).toBe('running');

      await cluster.startBroker(2);
      await cluster.startBroker(3);
      rows = projectContainers(project);
      expect([1, 2, 3].map((id) => rows.get(`kafka-${id}`)?.state)).toEqual(['running', 'running', 'running']);
      expect((await cluster.brokers()).map((b) => b.up)).toEqual([true, true, true]);
      expect((await clusterIdOf(['127.0.0.1:9093'])).ids).toContain(2);
    }, 300_000);

    it('reset removes every container and volume of the profile', async () => {
      const cluster = await open('multi');
      await cluster.reset();
      expect(projectContainers(project).size).toBe(0);
      for (const id of [1, 2, 3]) expect(volumeExists(`kafka-lab-multi-data-${id}`)).toBe(false);
    }, 300_000);
  });

  describe('testcontainers helpers (src/testing/containers.ts)', () => {
    it('startKafkaContainer: one broker on a free port that kafkajs produces to and consumes from', async () => {
      const broker = await startKafkaContainer({ image: engine.image });
      try {
        const client = kafka(broker.bootstrapServers);
        const admin = client.admin();
        await admin.connect();
        await admin.createTopics({ topics: [{ topic: 'tc-hello', numPartitions: 1, replicationFactor: 1 }] });
        await admin.disconnect();
        const producer = client.producer();
        await producer.connect();
        await producer.send({ topic: 'tc-hello', acks: -1, messages: [{ value: 'one' }, { value: 'two' }] });
        await producer.disconnect();
        const consumer = client.consumer({ groupId: 'tc-hello-group' });
        await consumer.connect();
        await consumer.subscribe({ topic: 'tc-hello', fromBeginning: true });
        const got: string[] = [];
        await new Promise<void>((resolve) => {
          void consumer.run({
            eachMessage: async ({ message }) => {
              got.push(message.value!.toString());
              if (got.length === 2) resolve();
            },
          });
        });
        await consumer.disconnect();
        expect(got).toEqual(['one', 'two']);
      } finally {
        const id = broker.container.getId();
        await broker.stop();
        expect(sh(['docker', 'inspect', id]).code).not.toBe(0);
      }
    }, 300_000);

    it('startKafkaCompose: compose/single-broker.yml under its own project, healthchecks waited for, down -v after', async () => {
      const env = await startKafkaCompose({ profile: 'single', image: engine.image });
      try {
        expect(env.projectName).toBe('kafka-lab-tc-single');
        expect(projectContainers('kafka-lab-tc-single').get('kafka-1')).toMatchObject({ state: 'running', status: expect.stringMatching(/\(healthy\)/) });
        expect((await clusterIdOf(env.bootstrapServers)).ids).toEqual([1]);
      } finally {
        await env.stop();
      }
      expect(projectContainers('kafka-lab-tc-single').size).toBe(0);
      expect(volumeExists('kafka-lab-single-data')).toBe(false);
    }, 300_000);
  });
});
