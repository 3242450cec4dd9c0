/**
 * `yarn bench`: the embedded cluster beside real Kafka (jvm, docker where it can run) and beside a null broker, same
 * settings, one run. See docs/bench.md for what each number means. Backends run one after the other, never together.
 */
import { execSync, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { cpus, loadavg, tmpdir, totalmem, type as osType, release } from 'node:os';
import { join } from 'node:path';
import { KAFKA_VERSION } from '../src/common/kafka-version.js';
import { type BackendName, unavailable } from './backends.js';
import { findKafkaTools } from './kafka-tools.js';
import { type BackendPlan, type BackendResult, measureBackend } from './measure-backend.js';
import { type Throughput, measureProduce } from './measure.js';
import { freePortsOutsideEphemeral } from '../src/cluster/ports.js';
import { type Goal, type Ratios, goals, ratios } from './ratios.js';
import { ServerProcess } from './server.js';

export interface BenchOptions {
  quick: boolean;
  /** node --cpu-prof the embedded cluster's process; profiles go to this directory */
  cpuProfDir?: string;
  /** only produce (kafkajs and Kafka's tool) on embedded and jvm, no start samples, labs, failover: for profiling loops */
  produceOnly?: boolean;
  /** message count of the throughput runs */
  messages?: number;
  /** backends to measure (default all three; the ones left out are reported as skipped) */
  backends?: BackendName[];
  /** backends to time labs:verify on (full run): default embedded, jvm */
  labs?: BackendName[];
  log: (line: string) => void;
  root: string;
}

export interface LabsTiming {
  seconds: number;
  exitCode: number;
  lastLines?: string[];
}

export interface BenchResult {
  quick: boolean;
  date: string;
  machine: { cpu: string; cores: number; memoryGiB: number; os: string; loadAvg1m: number; loadAvgEnd1m?: number };
  node: string;
  java: string | null;
  kafka: string;
  commit: string;
  settings: {
    messages: number;
    warmup: number;
    valueBytes: number;
    batch: number;
    concurrency: number;
    partitions: number;
    replicationFactor: number;
    acks: 'all';
    /** failure detection (broker session timeout) of every backend measured for failover */
    brokerSessionTimeoutMs: number;
  };
  nullBroker: { produce: Throughput } | { skipped: string };
  backends: Partial<Record<BackendName, BackendResult | { skipped: string }>>;
  labs: Partial<Record<BackendName, LabsTiming | { skipped: string }>>;
  /** embedded ÷ jvm for each figure (a difference for the failover gap) */
  ratios: Ratios;
  goals: Goal[];
}

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

function javaVersion(java: string): string | null {
  try {
    const out = execSync(`"${java}" -version 2>&1`, { stdio: ['ignore', 'pipe', 'ignore'] }).toString();
    return out.split('\n')[0]?.trim() ?? null;
  } catch {
    return null;
  }
}

export async function runBench(opts: BenchOptions): Promise<BenchResult> {
  const { quick, log } = opts;
  const machineAtStart = machine(); // the load average before we add ours
  const commitAtStart = commit(opts.root); // what was measured, even if something is committed during the run
  const tools = findKafkaTools();
  const settings: BenchResult['settings'] = {
    messages: opts.messages ?? (quick ? 20_000 : 100_000),
    warmup: quick ? 5_000 : 30_000,
    valueBytes: 1024,
    batch: 100,
    concurrency: 8,
    partitions: 3,
    replicationFactor: 3,
    acks: 'all',
    brokerSessionTimeoutMs: 5000,
  };
  let lastProgress = 0;
  const progress = (done: number, total: number) => {
    const line = `    … ${done.toLocaleString('en-US')} / ${total.toLocaleString('en-US')}`;
    if (process.stderr.isTTY) process.stderr.write(`${line}\r`);
    else if (Date.now() - lastProgress > 5000) {
      lastProgress = Date.now();
      log(line);
    }
  };
  const common = { messages: settings.messages, warmup: settings.warmup, valueBytes: settings.valueBytes, batch: settings.batch, concurrency: settings.concurrency, partitions: settings.partitions, tools, log, progress };

  // the ceiling of the kafkajs client: the null broker (stores and replicates nothing)
  let nullBroker: BenchResult['nullBroker'] = { skipped: 'produce-only run' };
  if (!opts.produceOnly) {
    log(`null broker: kafkajs producing ${settings.messages.toLocaleString('en-US')} × ${settings.valueBytes} B`);
    const server = await ServerProcess.spawn();
    try {
      const { bootstrap } = await server.call<{ bootstrap: string[] }>('start-null', { brokers: 3, partitions: settings.partitions });
      const produce = await measureProduce(bootstrap, { topic: 'bench-null', ...common, serverCpuMicros: async () => (await server.call<{ micros: number }>('cpu')).micros });
      nullBroker = { produce };
      log(`  ${Math.round(produce.msgsPerSec).toLocaleString('en-US')} msg/s`);
    } finally {
      await server.stop(true);
    }
  }

  const plans: Record<BackendName, BackendPlan | string> = {
    embedded: {
      ...common,
      profile: 'multi',
      startSamples: opts.produceOnly ? { single: 0, multi: 1 } : quick ? { single: 1, multi: 1 } : { single: 3, multi: 3 },
      kafkajs: true,
      consume: !opts.produceOnly,
      latencySeconds: opts.produceOnly ? 0 : quick ? 2 : 10,
      kills: opts.produceOnly ? 0 : quick ? 1 : 3,
      // --quick: a 1 s detection delay keeps its single kill short (its gap then has no jvm figure beside it)
      brokerSessionTimeoutMs: quick ? 1000 : settings.brokerSessionTimeoutMs,
      ...(opts.cpuProfDir ? { cpuProfDir: opts.cpuProfDir } : {}),
    },
    // --quick: one single-broker start and a short ProducerPerformance run, so the jvm path and the tool's parser run
    // in CI (a 3-JVM start alone takes 15-70 s on a busy 2-core machine)
    jvm: {
      ...common,
      ...(quick ? { messages: 5_000, warmup: 0 } : {}),
      profile: quick ? 'single' : 'multi',
      // one start per profile: a real-Kafka start takes 10-50 s here, and the full run must stay well under 15 minutes
      startSamples: opts.produceOnly ? { single: 0, multi: 1 } : quick ? { single: 1, multi: 0 } : { single: 1, multi: 1 },
      kafkajs: !quick,
      consume: !opts.produceOnly && !quick,
      latencySeconds: opts.produceOnly || quick ? 0 : 10,
      kills: opts.produceOnly || quick ? 0 : 3,
    },
    docker:
      quick || opts.produceOnly
        ? `${quick ? '--quick' : 'produce-only run'} (the full run measures docker where an engine answers and 9092-9094 are free)`
        : { ...common, profile: 'multi', startSamples: { single: 1, multi: 1 }, kafkajs: true, consume: true, latencySeconds: 10, kills: 3 },
  };

  const backends: BenchResult['backends'] = {};
  for (const name of ['embedded', 'jvm', 'docker'] as const) {
    const plan = plans[name];
    const why = opts.backends && !opts.backends.includes(name) ? 'not asked for (--backends)' : typeof plan === 'string' ? plan : await unavailable(name);
    if (why) {
      backends[name] = { skipped: why };
      log(`${name}: skipped: ${why}`);
      continue;
    }
    log(`${name}: ${(plan as BackendPlan).profile === 'multi' ? `3 brokers, RF 3, ${settings.partitions} partitions` : `1 broker (--quick), RF 1, ${settings.partitions} partitions`}`);
    backends[name] = await measureBackend(name, plan as BackendPlan);
  }

  const labs: BenchResult['labs'] = {};
  const labBackends = opts.labs ?? ['embedded', 'jvm'];
  for (const name of ['embedded', 'jvm', 'docker'] as const) {
    if (opts.produceOnly) labs[name] = { skipped: 'produce-only run' };
    else if (quick) labs[name] = { skipped: '--quick (the full run times labs:verify)' };
    else if (!labBackends.includes(name)) labs[name] = { skipped: `not asked for (\`--labs ${[...labBackends, name].join(',')}\` adds it)` };
    else if ('skipped' in (backends[name] ?? { skipped: '' })) labs[name] = { skipped: (backends[name] as { skipped: string }).skipped };
    else labs[name] = await timeLabs(opts, name);
  }

  const result: BenchResult = {
    quick,
    date: new Date().toISOString(),
    machine: { ...machineAtStart, loadAvgEnd1m: loadavg()[0]! },
    node: process.version,
    java: 'skipped' in tools ? null : javaVersion(tools.java),
    kafka: KAFKA_VERSION,
    commit: commitAtStart,
    settings,
    nullBroker,
    backends,
    labs,
    ratios: {},
    goals: [],
  };
  result.ratios = ratios(result);
  result.goals = goals(result);
  return result;
}

/**
 * Wall time of `yarn labs:verify --backend <name>`, in a temp home. embedded and jvm run on free ports (never
 * 9092-9094): the single-profile labs and the multi-profile labs then run as two calls, as one port list fits one
 * profile. docker has fixed ports: one call.
 */
async function timeLabs(opts: BenchOptions, backend: BackendName): Promise<LabsTiming> {
  opts.log(`lab suite: yarn labs:verify --backend ${backend}`);
  const home = mkdtempSync(join(tmpdir(), `kafka-lab-bench-labs-${backend}-`));
  const runs: Array<{ only?: string; ports?: number[]; controllerPorts?: number[] }> = [];
  if (backend === 'docker') runs.push({});
  else {
    const free = await freePortsOutsideEphemeral(8);
    runs.push({ only: '01,02,03,04,05', ports: free.slice(0, 1), controllerPorts: free.slice(1, 2) });
    runs.push({ only: '06,07,08,09', ports: free.slice(2, 5), controllerPorts: free.slice(5, 8) });
  }
  const t0 = performance.now();
  let exitCode = 0;
  let output = '';
  try {
    for (const run of runs) {
      const env: NodeJS.ProcessEnv = { ...process.env, CI: 'true', KAFKA_LAB_HOME: home };
      if (run.ports) env.KAFKA_LAB_PORTS = run.ports.join(',');
      if (run.controllerPorts) env.KAFKA_LAB_CONTROLLER_PORTS = run.controllerPorts.join(',');
      const args = ['-s', 'labs:verify', '--backend', backend, ...(run.only ? ['--only', run.only] : [])];
      const code = await new Promise<number>((resolve) => {
        const child = spawn('yarn', args, { cwd: opts.root, stdio: ['ignore', 'pipe', 'pipe'], env });
        const keep = (chunk: Buffer) => (output = (output + chunk.toString()).slice(-8192));
        child.stdout.on('data', keep);
        child.stderr.on('data', keep);
        child.on('exit', (code) => resolve(code ?? 1));
        child.on('error', () => resolve(127));
      });
      // a failing lab does not stop the clock: the other profile's labs still run, the exit code says it failed
      if (code !== 0) exitCode = code;
    }
  } finally {
    rmSync(home, { recursive: true, force: true });
  }
  const seconds = (performance.now() - t0) / 1000;
  opts.log(`  ${seconds.toFixed(1)} s (exit code ${exitCode})`);
  if (exitCode === 0) return { seconds, exitCode };
  // eslint-disable-next-line no-control-regex
  const lastLines = output.replace(/\x1b\[[0-9;]*m/g, '').trim().split('\n').slice(-6);
  for (const line of lastLines) opts.log(`    ${line}`);
  return { seconds, exitCode, lastLines };
}
