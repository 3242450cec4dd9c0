/**
 * The docker backend on a real Docker engine and real Apache Kafka: compose/*.yml run with KAFKA_IMAGE (default: the
 * kit's kafka-lab/kafka:4.4.0, built by scripts/docker-image.ts when missing), driven through the CLI scripts and
 * openBackend('docker', …). Everything here publishes 127.0.0.1:9092-9094 and uses the kit's project and volume names,
 * so it all runs in this one file, one test after another, and refuses to start when a kit cluster already runs.
 * One multi cluster serves every multi-profile check (kill a leader, stop/start, rejoin the ISR, no acked message lost,
 * Ctrl-C during a lab that killed a broker).
 *
 * No engine → one line on stderr and the suite skips (KAFKA_LAB_REQUIRE_DOCKER=1 turns that into a failure).
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { type Admin, Kafka, logLevel } from 'kafkajs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTopicsAndWait } from '../../src/clients/topics.js';
import { COMPOSE_FILES, projectName } from '../../src/cluster/docker/backend.js';
import { PROJECT_ROOT } from '../../src/cluster/home.js';
import { openBackend } from '../../src/cluster/index.js';
import type { Cluster, Profile } from '../../src/cluster/types.js';
import { startKafkaCompose, startKafkaContainer } from '../../src/testing/containers.js';
import { composeDownQuietly, dockerEngine, projectContainers, serviceLogs, sh, volumeExists } from './engine.js';

const engine = dockerEngine();

const portFree = (port: number) =>
  new Promise<boolean>((resolve) => {
    const server = createServer();
    server.once('error', () => resolve(false));
    server.listen({ host: '127.0.0.1', port }, () => server.close(() => resolve(true)));
  });

// A kit cluster (any backend) already on these ports: leave it alone.
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
  return openBackend('docker', profile, { home, log: (l) => lines.push(l) });
}

function kafka(bootstrap: string[], retries = 8) {
  return new Kafka({ clientId: 'docker-engine-test', brokers: bootstrap, logLevel: logLevel.NOTHING, retry: { retries } });
}

async function withAdmin<T>(bootstrap: string[], body: (admin: Admin) => Promise<T>): Promise<T> {
  const admin = kafka(bootstrap).admin();
  await admin.connect();
  try {
    return await body(admin);
  } finally {
    await admin.disconnect();
  }
}

const describeCluster = (bootstrap: string[]) =>
  withAdmin(bootstrap, async (admin) => {
    const c = await admin.describeCluster();
    return { clusterId: c.clusterId, ids: c.brokers.map((b) => b.nodeId).sort() };
  });

interface PartitionState {
  partition: number;
  leader: number;
  isr: number[];
}

/** Leader and ISR of each partition, as Kafka's metadata says now (asked from the brokers given). */
async function partitions(bootstrap: string[], topic: string): Promise<PartitionState[]> {
  return withAdmin(bootstrap, async (admin) => {
    const [meta] = (await admin.fetchTopicMetadata({ topics: [topic] })).topics;
    return meta!.partitions.map((p) => ({ partition: p.partitionId, leader: p.leader, isr: [...p.isr].sort() })).sort((a, b) => a.partition - b.partition);
  });
}

async function until<T>(what: string, probe: () => Promise<T | null | undefined | false>, timeoutMs: number): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown = null;
  for (;;) {
    try {
      const value = await probe();
      if (value) return value;
    } catch (error) {
      last = error;
    }
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${last ? ` (${(last as Error).message})` : ''}`);
    await sleep(250);
  }
}

const state = (project: string, service: string) => projectContainers(project).get(service);
/** SIGTERM ends the JVM with 143 after Kafka's shutdown hook ran (the controlled shutdown); some runtimes report 0. */
const GRACEFUL_EXIT = /Exited \((0|143)\)/;

describe.skipIf(skipReason !== null && !engine.required).sequential(`docker backend on a real engine (${engine.reason})`, () => {
  beforeAll(() => {
    if (skipReason) throw new Error(`KAFKA_LAB_REQUIRE_DOCKER=1 but: ${skipReason}`);
  });
  afterAll(() => {
    for (const p of ['single', 'multi'] as const) composeDownQuietly(projectName(p), COMPOSE_FILES[p], engine.compose);
    composeDownQuietly('kafka-lab-tc-single', COMPOSE_FILES.single, engine.compose);
    rmSync(home, { recursive: true, force: true });
  });

  describe('single profile', () => {
    const project = projectName('single');
    const bootstrap = ['127.0.0.1:9092'];

    it('`cluster:up --backend docker --profile single` returns once the healthcheck passes', async () => {
      const up = await script(['scripts/cluster-up.ts', '--backend', 'docker', '--profile', 'single']);
      expect(up.output).toMatch(/cluster is up: bootstrap 127\.0\.0\.1:9092/);
      expect(up.code).toBe(0);
      expect(state(project, 'kafka-1')).toMatchObject({ state: 'running', status: expect.stringMatching(/\(healthy\)/) });
      expect(await describeCluster(bootstrap)).toEqual({ clusterId: 'a2Fma2EtbGFiLXNpbmdsZQ', ids: [1] }); // CLUSTER_ID of the compose file
    }, 300_000);

    it('kafkajs produces to it and consumes back, in order', async () => {
      const client = kafka(bootstrap);
      await withAdmin(bootstrap, (admin) => createTopicsAndWait(admin, [{ topic: 'docker-engine-kept', numPartitions: 1, replicationFactor: 1 }]));
      const producer = client.producer();
      await producer.connect();
      await producer.send({ topic: 'docker-engine-kept', acks: -1, messages: ['one', 'two', 'three'].map((value) => ({ key: 'k', value })) });
      await producer.disconnect();
      const consumer = client.consumer({ groupId: 'docker-engine-single' });
      await consumer.connect();
      await consumer.subscribe({ topic: 'docker-engine-kept', fromBeginning: true });
      const got: string[] = [];
      await new Promise<void>((resolve) => {
        void consumer.run({
          eachMessage: async ({ message }) => {
            got.push(message.value!.toString());
            if (got.length === 3) resolve();
          },
        });
      });
      await consumer.disconnect();
      expect(got).toEqual(['one', 'two', 'three']);
    }, 120_000);

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

    it('broker:kill 1 SIGKILLs kafka-1 (exit 137); broker:start 1 brings it back with its data', async () => {
      const kill = await script(['scripts/broker.ts', 'kill', '1', '--backend', 'docker']);
      expect(kill.code, kill.output).toBe(0);
      expect(state(project, 'kafka-1')).toMatchObject({ state: 'exited', status: expect.stringMatching(/Exited \(137\)/) });
      const cluster = await open('single');
      expect(await cluster.isUp()).toBe(false);

      await cluster.startBroker(1); // a restart on the same volume: "already formatted" is fine
      expect(state(project, 'kafka-1')).toMatchObject({ state: 'running', status: expect.stringMatching(/\(healthy\)/) });
      expect((await cluster.brokers()).map((b) => b.up)).toEqual([true]); // what cluster:status shows
      expect(await withAdmin(bootstrap, (admin) => admin.listTopics())).toContain('docker-engine-kept');
      expect(serviceLogs(project, 'kafka-1')).toMatch(/formatted already/);
    }, 300_000);

    it('broker:stop 1 is a controlled shutdown (SIGTERM), and start works after it', async () => {
      const cluster = await open('single');
      await cluster.stopBroker(1);
      expect(state(project, 'kafka-1')).toMatchObject({ state: 'exited', status: expect.stringMatching(GRACEFUL_EXIT) });
      await cluster.startBroker(1);
      expect(state(project, 'kafka-1')?.state).toBe('running');
    }, 300_000);

    it('cluster:down leaves nothing running (the volume stays); cluster:reset leaves no volume', async () => {
      const cluster = await open('single');
      await cluster.down();
      expect([...projectContainers(project).values()].filter((c) => c.state === 'running')).toEqual([]);
      expect(volumeExists('kafka-lab-single-data')).toBe(true);

      await cluster.up(); // the same data comes back
      expect(await withAdmin(bootstrap, (admin) => admin.listTopics())).toContain('docker-engine-kept');

      const reset = await script(['scripts/cluster-reset.ts', '--backend', 'docker', '--profile', 'single']);
      expect(reset.code, reset.output).toBe(0);
      expect(projectContainers(project).size).toBe(0);
      expect(volumeExists('kafka-lab-single-data')).toBe(false);
    }, 300_000);
  });

  describe('multi profile: replication and failover on one cluster', () => {
    const project = projectName('multi');
    const bootstrap = ['127.0.0.1:9092', '127.0.0.1:9093', '127.0.0.1:9094'];
    const topic = 'docker-failover';
    // A producer (acks=all, idempotent) and a consumer group that run through every fault below.
    const acked: string[] = [];
    const received = new Set<string>();
    let sendErrors = 0;
    let producing = true;
    let producerLoop: Promise<void> | null = null;
    let stopConsumer: (() => Promise<void>) | null = null;

    afterAll(async () => {
      producing = false;
      await producerLoop?.catch(() => undefined);
      await stopConsumer?.().catch(() => undefined);
    });

    it('three brokers come up healthy, and Kafka lists all three from every port', async () => {
      const started = Date.now();
      const up = await script(['scripts/cluster-up.ts', '--backend', 'docker', '--profile', 'multi']);
      expect(up.code, up.output).toBe(0);
      console.log(`multi profile up and healthy in ${((Date.now() - started) / 1000).toFixed(1)} s`);
      const rows = projectContainers(project);
      for (const id of [1, 2, 3]) expect(rows.get(`kafka-${id}`), `kafka-${id}`).toMatchObject({ state: 'running', status: expect.stringMatching(/\(healthy\)/) });
      for (const port of [9092, 9093, 9094]) expect(await describeCluster([`127.0.0.1:${port}`])).toEqual({ clusterId: 'a2Fma2EtbGFiLW11bHRpMw', ids: [1, 2, 3] });
    }, 300_000);

    it('a topic with RF 3 replicates to all three; producer and consumer start', async () => {
      await withAdmin(bootstrap, (admin) =>
        createTopicsAndWait(admin, [{ topic, numPartitions: 3, replicationFactor: 3, configEntries: [{ name: 'min.insync.replicas', value: '2' }] }]),
      );
      const initial = await until('full ISRs', async () => {
        const ps = await partitions(bootstrap, topic);
        return ps.every((p) => p.isr.length === 3) && ps;
      }, 30_000);
      expect(new Set(initial.map((p) => p.leader)).size).toBe(3); // one leader per broker

      const client = kafka(bootstrap, 30);
      const producer = client.producer({ idempotent: true, maxInFlightRequests: 1 });
      await producer.connect();
      producerLoop = (async () => {
        for (let i = 0; producing; i++) {
          const value = `m${i}`;
          try {
            await producer.send({ topic, acks: -1, messages: [{ key: String(i % 3), value }] });
            acked.push(value);
          } catch {
            sendErrors++;
          }
          await sleep(20);
        }
        await producer.disconnect();
      })();
      const consumer = client.consumer({ groupId: 'docker-failover-group', sessionTimeout: 10_000, heartbeatInterval: 1_000 });
      await consumer.connect();
      await consumer.subscribe({ topic, fromBeginning: true });
      await consumer.run({ eachMessage: async ({ message }) => void received.add(message.value!.toString()) });
      stopConsumer = () => consumer.disconnect();
      await until('the first messages consumed', async () => received.size >= 20, 60_000);
    }, 180_000);

    it('broker:kill the leader of partition 0: a new leader from its ISR after the 5 s session timeout; clients carry on', async () => {
      const before = (await partitions(bootstrap, topic))[0]!;
      const killed = before.leader;
      const t0 = Date.now(); // before the script: the broker dies inside it, and the session timeout runs from there
      const kill = await script(['scripts/broker.ts', 'kill', String(killed), '--backend', 'docker']);
      expect(kill.code, kill.output).toBe(0);
      expect(state(project, `kafka-${killed}`)).toMatchObject({ state: 'exited', status: expect.stringMatching(/Exited \(137\)/) });

      const alive = bootstrap.filter((b) => !b.endsWith(`:${9091 + killed}`));
      const after = await until('a new leader for partition 0', async () => {
        const p = (await partitions(alive, topic))[0]!;
        return p.leader !== killed && p.leader >= 0 && p;
      }, 60_000);
      const seconds = (Date.now() - t0) / 1000;
      console.log(`partition 0: leader ${killed} killed, broker ${after.leader} leads after ${seconds.toFixed(1)} s`);
      expect(before.isr).toContain(after.leader); // elected from the ISR, not an unclean election
      expect(after.isr).not.toContain(killed);
      expect(seconds).toBeGreaterThan(2); // fenced by the session timeout, not at once (the process did not say goodbye)

      const ackedAtFailover = acked.length;
      await until('acks and consumption after the failover', async () => acked.length > ackedAtFailover + 20 && acked.slice(-5).every((v) => received.has(v)), 90_000);
    }, 240_000);

    it('broker:start brings the killed broker back: it catches up and rejoins every ISR', async () => {
      const cluster = await open('multi');
      const down = (await cluster.brokers()).find((b) => !b.up)!.id;
      await cluster.startBroker(down);
      expect(state(project, `kafka-${down}`)).toMatchObject({ state: 'running', status: expect.stringMatching(/\(healthy\)/) });
      await until(`broker ${down} back in every ISR`, async () => (await partitions(bootstrap, topic)).every((p) => p.isr.includes(down)), 90_000);
    }, 300_000);

    it('broker:stop is a controlled shutdown: leadership moves before the process exits; start rejoins the ISR', async () => {
      const cluster = await open('multi');
      const leader = (await partitions(bootstrap, topic))[1]!.leader;
      await cluster.stopBroker(leader);
      expect(state(project, `kafka-${leader}`)).toMatchObject({ state: 'exited', status: expect.stringMatching(GRACEFUL_EXIT) });
      expect(serviceLogs(project, `kafka-${leader}`)).toMatch(/controlled shutdown/i);
      // no session timeout to wait for: the moment the container has exited, nothing is led by it any more
      const alive = bootstrap.filter((b) => !b.endsWith(`:${9091 + leader}`));
      const now = await partitions(alive, topic);
      expect(now.map((p) => p.leader)).not.toContain(leader);

      await cluster.startBroker(leader);
      await until(`broker ${leader} back in every ISR`, async () => (await partitions(bootstrap, topic)).every((p) => p.isr.includes(leader)), 90_000);
      expect((await cluster.brokers()).map((b) => b.up)).toEqual([true, true, true]);
    }, 300_000);

    it('no acknowledged message was lost through kill, start, stop and start', async () => {
      producing = false;
      await producerLoop;
      await until('every acked message consumed', async () => acked.every((v) => received.has(v)), 90_000);
      console.log(`${acked.length} messages acked (${sendErrors} sends failed and were not acked), all ${acked.length} consumed`);
      expect(acked.length).toBeGreaterThan(100);
      await stopConsumer?.();
      stopConsumer = null;
    }, 180_000);

    it('Ctrl-C during lab 07, after it killed a leader: the lab starts that container again and deletes its topic; the cluster stays up', async () => {
      const child = spawn(process.execPath, ['--import', 'tsx', 'scripts/lab.ts', '07', '--backend', 'docker'], { cwd: PROJECT_ROOT, env, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
      let output = '';
      child.stdout.on('data', (c: Buffer) => (output += c.toString()));
      child.stderr.on('data', (c: Buffer) => (output += c.toString()));
      const exited = new Promise<number>((resolve) => child.on('close', (code) => resolve(code ?? -1)));
      await until('lab 07 has killed a leader', async () => output.includes('after the kill'), 180_000);
      const victim = Number(/Kill broker (\d)/.exec(output)![1]);
      expect(state(project, `kafka-${victim}`)?.state).toBe('exited');
      for (let i = 0; i < 3; i++) process.kill(-child.pid!, 'SIGINT'); // as a terminal, yarn and tsx deliver one Ctrl-C
      const code = await exited;
      expect(code, output).toBe(130);
      expect(output).toContain(`↺ restarted broker ${victim}, which the lab killed`);
      expect(output).toContain('↺ deleted topic lab07-orders');
      expect(state(project, `kafka-${victim}`)?.state).toBe('running');
      expect(await withAdmin(bootstrap, (admin) => admin.listTopics())).not.toContain('lab07-orders');
    }, 300_000);

    it('cluster:reset removes every container and volume of the profile', async () => {
      const reset = await script(['scripts/cluster-reset.ts', '--backend', 'docker', '--profile', 'multi']);
      expect(reset.code, reset.output).toBe(0);
      expect(projectContainers(project).size).toBe(0);
      for (const id of [1, 2, 3]) expect(volumeExists(`kafka-lab-multi-data-${id}`)).toBe(false);
    }, 300_000);
  });

  describe('testcontainers helpers (src/testing/containers.ts)', () => {
    it('startKafkaContainer: one broker on a free port that kafkajs produces to and consumes from', async () => {
      const broker = await startKafkaContainer({ image: engine.image });
      try {
        const client = kafka(broker.bootstrapServers);
        await withAdmin(broker.bootstrapServers, (admin) => createTopicsAndWait(admin, [{ topic: 'tc-hello', numPartitions: 1, replicationFactor: 1 }]));
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
      const started = await startKafkaCompose({ profile: 'single', image: engine.image });
      try {
        expect(started.projectName).toBe('kafka-lab-tc-single');
        expect(projectContainers('kafka-lab-tc-single').get('kafka-1')).toMatchObject({ state: 'running', status: expect.stringMatching(/\(healthy\)/) });
        expect((await describeCluster(started.bootstrapServers)).ids).toEqual([1]);
      } finally {
        await started.stop();
      }
      expect(projectContainers('kafka-lab-tc-single').size).toBe(0);
      expect(volumeExists('kafka-lab-single-data')).toBe(false);
    }, 300_000);
  });
});
