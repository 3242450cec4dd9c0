/**
 * `yarn bench`: what the kit costs, measured beside its ceiling. See docs/bench.md for what each number means.
 * The servers (embedded cluster, null broker) run in child processes (bench/child.ts); the kafkajs client runs here.
 */
import { execSync, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { cpus, loadavg, tmpdir, totalmem, type as osType, release } from 'node:os';
import { join } from 'node:path';
import { DEFAULT_CONFIG } from '../src/broker/config.js';
import {
  type Failover,
  type Latency,
  type Throughput,
  createTopic,
  measureConsume,
  measureFailover,
  measureLatency,
  measureProduce,
  quantile,
  withCpu,
} from './measure.js';
import { waitForBrokers } from '../src/cluster/ready.js';
import { ServerProcess } from './server.js';

export interface BenchOptions {
  quick: boolean;
  /** node --cpu-prof the server processes; profiles go to this directory */
  cpuProfDir?: string;
  /** only the produce comparison (embedded vs null broker): for profiling loops */
  produceOnly?: boolean;
  /** override the message count of the throughput runs */
  messages?: number;
  log: (line: string) => void;
  root: string;
}

export interface BenchResult {
  quick: boolean;
  date: string;
  machine: { cpu: string; cores: number; memoryGiB: number; os: string; loadAvg1m: number };
  node: string;
  commit: string;
  settings: {
    messages: number;
    valueBytes: number;
    batch: number;
    concurrency: number;
    partitions: number;
    replicationFactor: number;
    acks: 'all';
    brokerSessionTimeoutMs: number;
  };
  embedded: {
    produce: Throughput;
    consume?: Throughput;
    latency?: Latency;
    failover?: Failover & { detectionDelayMs: number };
    startMs?: { single: number; multi: number };
    memory?: {
      messages: number;
      idleMB: number;
      afterMB: number;
      afterGcMB: number;
      heapAfterGcMB: number;
      /** Buffers the process still holds after GC (Node's arrayBuffers) */
      buffersAfterGcMB: number;
      diskMB: number;
      segments: number;
    };
  };
  nullBroker: { produce: Throughput };
  /** embedded ÷ null-broker produce msgs/s, same run (goal ≥ 0.8) */
  efficiency: number;
  labs: { seconds: number; exitCode: number; lastLines?: string[] } | { skipped: string };
  docker: { produce: Throughput; consume: Throughput } | { skipped: string };
}

const MB = 1024 * 1024;

function machine(): BenchResult['machine'] {
  const list = cpus();
  return { cpu: list[0]?.model.trim() ?? 'unknown', cores: list.length, memoryGiB: Math.round((totalmem() / 1024 ** 3) * 10) / 10, os: `${osType()} ${release()}`, loadAvg1m: loadavg()[0]! };
}

function commit(root: string): string {
  try {
    const sha = execSync('git rev-parse --short HEAD', { cwd: root, stdio: ['ignore', 'pipe', 'ignore'] }).toString().trim();
    const dirty = execSync('git status --porcelain --untracked-files=no', { cwd: root, stdio: ['ignore', 'pipe', 'ignore'] }).toString().trim();
    return dirty ? `${sha} (uncommitted changes)` : sha;
  } catch {
    return 'unknown';
  }
}

const cpuOf = (server: ServerProcess) => async () => (await server.call<{ micros: number }>('cpu')).micros;

async function withServer<T>(opts: BenchOptions, tag: string, fn: (server: ServerProcess) => Promise<T>): Promise<T> {
  // one directory per server; Node writes a profile per thread (the main one is the largest)
  const prof = opts.cpuProfDir ? ['--cpu-prof', '--cpu-prof-dir', join(opts.cpuProfDir, `${tag}-${Date.now()}`)] : [];
  const server = await ServerProcess.spawn(prof);
  try {
    return await fn(server);
  } finally {
    await server.stop(true);
  }
}

export async function runBench(opts: BenchOptions): Promise<BenchResult> {
  const { quick, log } = opts;
  const machineAtStart = machine(); // the load average before we add ours
  const settings: BenchResult['settings'] = {
    messages: opts.messages ?? (quick ? 20_000 : 1_000_000),
    valueBytes: 1024,
    batch: 100,
    concurrency: 8,
    partitions: 3,
    replicationFactor: 3,
    acks: 'all',
    brokerSessionTimeoutMs: quick ? 1000 : DEFAULT_CONFIG.brokerSessionTimeoutMs,
  };
  const warmup = quick ? 10_000 : 50_000;
  let lastProgress = 0;
  const produceOpts = (topic: string) => ({
    topic,
    messages: settings.messages,
    valueBytes: settings.valueBytes,
    batch: settings.batch,
    concurrency: settings.concurrency,
    warmup,
    progress: (done: number, total: number) => {
      const line = `  … ${done.toLocaleString('en-US')} / ${total.toLocaleString('en-US')}`;
      if (process.stderr.isTTY) process.stderr.write(`${line}\r`);
      else if (Date.now() - lastProgress > 5000) {
        lastProgress = Date.now();
        log(line);
      }
    },
  });

  // 1. the ceiling: the null broker
  log(`null broker: producing ${settings.messages.toLocaleString('en-US')} × ${settings.valueBytes} B (acks=all, ${settings.batch} per send, ${settings.concurrency} in flight)`);
  const nullProduce = await withServer(opts, 'null', async (server) => {
    const { bootstrap } = await server.call<{ bootstrap: string[] }>('start-null', { brokers: 3, partitions: settings.partitions });
    return measureProduce(bootstrap, { ...produceOpts('bench-null'), serverCpuMicros: cpuOf(server) });
  });
  log(`  ${fmtRate(nullProduce)}`);

  // 2. the embedded 3-broker cluster: produce, consume, latency, memory, failover
  const dataDir = mkdtempSync(join(tmpdir(), 'kafka-lab-bench-'));
  const embedded = await withServer(opts, 'embedded', async (server) => {
    const { bootstrap } = await server.call<{ bootstrap: string[] }>('start-embedded', {
      brokers: 3,
      dataDir,
      config: { brokerSessionTimeoutMs: settings.brokerSessionTimeoutMs },
    });
    await waitForBrokers({ bootstrap, ids: [1, 2, 3], timeoutMs: 60_000 });
    await createTopic(bootstrap, 'bench', settings.partitions, 3);
    const idle = await server.call('memory', { gc: false });
    log(`embedded (3 brokers, RF 3): producing ${settings.messages.toLocaleString('en-US')} × ${settings.valueBytes} B`);
    const produce = await measureProduce(bootstrap, { ...produceOpts('bench'), serverCpuMicros: cpuOf(server) });
    log(`  ${fmtRate(produce)}`);
    const out: BenchResult['embedded'] = { produce };
    if (opts.produceOnly) return out;
    const total = settings.messages + warmup;
    log(`embedded: consuming ${total.toLocaleString('en-US')} messages from the beginning`);
    out.consume = await withCpu(cpuOf(server), () => measureConsume(bootstrap, 'bench', total));
    log(`  ${fmtRate(out.consume)}`);
    const after = await server.call('memory', { gc: false });
    const afterGc = await server.call('memory', { gc: true });
    const disk = await server.call<{ bytes: number; segments: number }>('disk');
    out.memory = {
      messages: total,
      idleMB: idle.rss / MB,
      afterMB: after.rss / MB,
      afterGcMB: afterGc.rss / MB,
      heapAfterGcMB: afterGc.heapUsed / MB,
      buffersAfterGcMB: afterGc.arrayBuffers / MB,
      diskMB: disk.bytes / MB,
      segments: disk.segments,
    };
    log(`  RSS ${out.memory.idleMB.toFixed(0)} MB idle → ${out.memory.afterMB.toFixed(0)} MB after ${total.toLocaleString('en-US')} messages (${out.memory.afterGcMB.toFixed(0)} MB after GC, of it heap ${out.memory.heapAfterGcMB.toFixed(0)} MB and buffers ${out.memory.buffersAfterGcMB.toFixed(0)} MB; ${out.memory.diskMB.toFixed(0)} MB on disk)`);

    await createTopic(bootstrap, 'bench-latency', 1, 3);
    const ratePerSec = 1000;
    log(`embedded: end-to-end latency at ${ratePerSec} msg/s for ${quick ? 2 : 10} s`);
    out.latency = await measureLatency(bootstrap, 'bench-latency', { seconds: quick ? 2 : 10, ratePerSec });
    log(`  p50 ${out.latency.p50Ms.toFixed(1)} ms, p99 ${out.latency.p99Ms.toFixed(1)} ms (${out.latency.samples} samples)`);

    await createTopic(bootstrap, 'bench-failover', 1, 3);
    const kills = quick ? 1 : 5;
    log(`embedded: failover gap over ${kills} leader kill(s) (brokerSessionTimeoutMs ${settings.brokerSessionTimeoutMs})`);
    const partition = () => server.call<{ leader: number; isr: number[] }>('partition', { topic: 'bench-failover', partition: 0 });
    const failover = await measureFailover(
      bootstrap,
      'bench-failover',
      kills,
      {
        leader: async () => (await partition()).leader,
        kill: async (id) => (await server.call<{ at: number }>('kill', { id })).at,
        start: async (id) => void (await server.call('start-broker', { id })),
        isrSize: async () => (await partition()).isr.length,
      },
      3,
    );
    out.failover = { ...failover, detectionDelayMs: settings.brokerSessionTimeoutMs };
    log(`  gap p50 ${failover.p50Ms.toFixed(0)} ms, max ${failover.maxMs.toFixed(0)} ms`);
    return out;
  }).finally(() => rmSync(dataDir, { recursive: true, force: true }));

  const efficiency = embedded.produce.msgsPerSec / nullProduce.msgsPerSec;
  log(`efficiency (embedded ÷ null broker): ${efficiency.toFixed(2)}`);

  if (!opts.produceOnly) {
    // 3. cluster start time per profile: from the start command until metadata lists every broker
    const samples = quick ? 1 : 3;
    const startMs = { single: 0, multi: 0 };
    for (const [profile, brokers] of [['single', 1], ['multi', 3]] as const) {
      const times: number[] = [];
      for (let i = 0; i < samples; i++) {
        const dir = mkdtempSync(join(tmpdir(), 'kafka-lab-bench-start-'));
        try {
          times.push(
            await withServer(opts, `start-${profile}`, async (server) => {
              const t0 = performance.now();
              const { bootstrap } = await server.call<{ bootstrap: string[] }>('start-embedded', { brokers, dataDir: dir });
              await waitForBrokers({ bootstrap, ids: Array.from({ length: brokers }, (_, i) => i + 1), timeoutMs: 60_000, pollMs: 10 });
              return performance.now() - t0;
            }),
          );
        } finally {
          rmSync(dir, { recursive: true, force: true });
        }
      }
      startMs[profile] = quantile(times.sort((a, b) => a - b), 0.5);
      log(`cluster start (${profile}): ${startMs[profile].toFixed(0)} ms`);
    }
    embedded.startMs = startMs;
  }

  const labs = opts.produceOnly
    ? { skipped: 'produce-only run' }
    : quick
      ? { skipped: '--quick (the full run times `yarn labs:verify --backend embedded`)' }
      : await timeLabs(opts);
  const docker = opts.produceOnly
    ? { skipped: 'produce-only run' }
    : quick
      ? { skipped: '--quick (the full run measures the docker backend where an engine and apache/kafka are present)' }
      : await dockerBench(opts, settings, produceOpts);

  return {
    quick,
    date: new Date().toISOString(),
    machine: machineAtStart,
    node: process.version,
    commit: commit(opts.root),
    settings,
    embedded,
    nullBroker: { produce: nullProduce },
    efficiency,
    labs,
    docker,
  };
}

async function timeLabs(opts: BenchOptions): Promise<BenchResult['labs']> {
  opts.log('lab suite: yarn labs:verify --backend embedded');
  const t0 = performance.now();
  let output = '';
  const exitCode = await new Promise<number>((resolve) => {
    const child = spawn('yarn', ['-s', 'labs:verify', '--backend', 'embedded'], { cwd: opts.root, stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, CI: 'true' } });
    const keep = (chunk: Buffer) => (output = (output + chunk.toString()).slice(-8192));
    child.stdout.on('data', keep);
    child.stderr.on('data', keep);
    child.on('exit', (code) => resolve(code ?? 1));
    child.on('error', () => resolve(127));
  });
  const seconds = (performance.now() - t0) / 1000;
  opts.log(`  ${seconds.toFixed(1)} s (exit code ${exitCode})`);
  if (exitCode === 0) return { seconds, exitCode };
  // eslint-disable-next-line no-control-regex
  const lastLines = output.replace(/\x1b\[[0-9;]*m/g, '').trim().split('\n').slice(-6);
  for (const line of lastLines) opts.log(`    ${line}`);
  return { seconds, exitCode, lastLines };
}

/** The docker backend, only where an engine answers and the real Kafka image is present. */
async function dockerBench(
  opts: BenchOptions,
  settings: BenchResult['settings'],
  produceOpts: (topic: string) => Parameters<typeof measureProduce>[1],
): Promise<BenchResult['docker']> {
  const { defaultProbes, labHome, openBackend } = await import('../src/cluster/index.js');
  const { isStandinImage, kafkaImage } = await import('../src/cluster/docker.js');
  const probe = await defaultProbes({ home: labHome() }).docker();
  if (!probe.usable) return { skipped: `docker backend skipped: ${probe.detail}` };
  if (isStandinImage(kafkaImage())) return { skipped: `docker backend skipped: ${kafkaImage()} is the stand-in image (our own broker), not Apache Kafka` };
  opts.log(`docker backend (${probe.detail}): multi profile`);
  const cluster = await openBackend('docker', 'multi', { log: () => {} });
  const wasUp = await cluster.isUp();
  try {
    await cluster.up();
    const bootstrap = cluster.bootstrapServers();
    const topic = `bench-${Date.now()}`;
    await createTopic(bootstrap, topic, settings.partitions, 3);
    const produce = await measureProduce(bootstrap, produceOpts(topic));
    opts.log(`  produce ${fmtRate(produce)}`);
    const consume = await measureConsume(bootstrap, topic, settings.messages);
    opts.log(`  consume ${fmtRate(consume)}`);
    return { produce, consume };
  } catch (error) {
    return { skipped: `docker backend failed: ${(error as Error).message}` };
  } finally {
    if (!wasUp) await cluster.down().catch(() => {});
  }
}

export function fmtRate(t: Throughput): string {
  const cpu =
    t.clientCpuPct === undefined
      ? ''
      : `; CPU client ${t.clientCpuPct.toFixed(0)}%, server ${t.serverCpuPct!.toFixed(0)}% = ${t.serverCpuUsPerMsg!.toFixed(1)} µs/msg`;
  return `${Math.round(t.msgsPerSec).toLocaleString('en-US')} msg/s, ${t.mbPerSec.toFixed(1)} MB/s (${t.messages.toLocaleString('en-US')} in ${t.seconds.toFixed(2)} s${cpu})`;
}
