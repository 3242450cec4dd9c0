/**
 * Everything `yarn bench` measures on one backend, with the same settings on each: start time per profile, produce with
 * kafkajs and with Kafka's ProducerPerformance, consume with both, end-to-end latency, broker CPU per message and RSS
 * (from /proc), failover gap. One backend at a time: they would share the cores otherwise.
 */
import { type BackendName, type BenchCluster, partitionWatcher, startCluster } from './backends.js';
import { type KafkaTools, type ToolConsume, type ToolProduce, consumerPerformance, producerPerformance } from './kafka-tools.js';
import { type Failover, type Latency, type Throughput, createTopic, measureConsume, measureFailover, measureLatency, measureProduce, quantile } from './measure.js';
import { procAvailable, rssBytes, totalCpuMicros } from './proc.js';

export interface BackendPlan {
  messages: number;
  warmup: number;
  valueBytes: number;
  batch: number;
  concurrency: number;
  partitions: number;
  /** start samples per profile; 0 skips that profile */
  startSamples: { single: number; multi: number };
  /** the cluster the throughput, memory, latency and failover figures come from (RF = its broker count) */
  profile: 'single' | 'multi';
  kafkajs: boolean;
  consume: boolean;
  latencySeconds: number;
  kills: number;
  /** embedded only; the real-Kafka backends use compose/*.yml's 5000 */
  brokerSessionTimeoutMs?: number;
  tools: KafkaTools | { skipped: string };
  cpuProfDir?: string;
  log: (line: string) => void;
  progress?: (done: number, total: number) => void;
}

export interface BrokerCpu {
  /** broker processes' CPU time per message (µs), summed over every broker */
  brokerCpuUsPerMsg: number;
  /** the same as % of one core over the run */
  brokerCpuPct: number;
}

export interface Memory {
  messages: number;
  /** per broker process (MB); embedded: one process runs all brokers, so one entry */
  idleMB: number[];
  afterMB: number[];
  idleTotalMB: number;
  afterTotalMB: number;
  /** embedded only: after two forced GCs */
  afterGc?: { rssMB: number; heapMB: number; buffersMB: number };
}

export interface BackendResult {
  backend: BackendName;
  /** the profile of everything but the start times */
  profile: 'single' | 'multi';
  startMs: { single?: number; multi?: number };
  /** embedded: the cluster's start in an already running process (median, same samples) */
  inProcessStartMs?: { single?: number; multi?: number };
  produce?: Throughput;
  produceTool?: (ToolProduce & BrokerCpu) | { skipped: string };
  consume?: Throughput;
  consumeTool?: ToolConsume | { skipped: string };
  latency?: Latency;
  failover?: Failover;
  memory?: Memory;
  /** the part that failed, when one did (the rest stays) */
  error?: string;
}

const MB = 1024 * 1024;

async function brokerCpuMicros(cluster: BenchCluster): Promise<number> {
  return totalCpuMicros((await cluster.pids()).values());
}

async function rssPerBroker(cluster: BenchCluster): Promise<number[]> {
  const pids = [...new Set((await cluster.pids()).values())];
  return pids.map((pid) => (rssBytes(pid) ?? 0) / MB);
}

const sum = (xs: number[]) => xs.reduce((a, b) => a + b, 0);

/** Starts `samples` brand-new clusters of the profile (the last one is kept open when `keepLast`). */
async function timeStarts(backend: BackendName, profile: 'single' | 'multi', samples: number, keepLast: boolean, plan: BackendPlan) {
  const times: number[] = [];
  const inProcess: number[] = [];
  let kept: BenchCluster | null = null;
  for (let i = 0; i < samples; i++) {
    const { cluster, startMs, inProcessMs } = await startCluster(backend, {
      profile,
      log: plan.log,
      ...(plan.brokerSessionTimeoutMs ? { brokerSessionTimeoutMs: plan.brokerSessionTimeoutMs } : {}),
      ...(keepLast && i === samples - 1 && plan.cpuProfDir ? { cpuProfDir: plan.cpuProfDir } : {}) });
    times.push(startMs);
    if (inProcessMs !== undefined) inProcess.push(inProcessMs);
    if (keepLast && i === samples - 1) kept = cluster;
    else await cluster.close();
  }
  const median = (xs: number[]) => (xs.length ? quantile(xs.sort((a, b) => a - b), 0.5) : undefined);
  return { ms: median(times)!, inProcessMs: median(inProcess), cluster: kept };
}

export async function measureBackend(backend: BackendName, plan: BackendPlan): Promise<BackendResult> {
  const { log } = plan;
  const out: BackendResult = { backend, profile: plan.profile, startMs: {} };
  let cluster: BenchCluster | null = null;
  try {
    // the measured profile's start is the last sample of that profile: its cluster stays up for the measurements
    const other = plan.profile === 'multi' ? 'single' : 'multi';
    for (const profile of [other, plan.profile] as const) {
      const samples = profile === plan.profile ? Math.max(1, plan.startSamples[profile]) : plan.startSamples[profile];
      if (samples === 0) continue;
      const started = await timeStarts(backend, profile, samples, profile === plan.profile, plan);
      out.startMs[profile] = started.ms;
      if (started.inProcessMs !== undefined) (out.inProcessStartMs ??= {})[profile] = started.inProcessMs;
      log(`  start (${profile}): ${started.ms.toFixed(0)} ms`);
      if (started.cluster) cluster = started.cluster;
    }
    const c = cluster!;
    const rf = plan.profile === 'multi' ? 3 : 1;
    const bootstrap = c.bootstrap;
    await createTopic(bootstrap, 'bench', plan.partitions,rf);
    await createTopic(bootstrap, 'bench-tool', plan.partitions,rf);
    const idle = await rssPerBroker(c);

    if (plan.kafkajs) {
      log(`  kafkajs: producing ${plan.messages.toLocaleString('en-US')} × ${plan.valueBytes} B (acks=all, ${plan.batch} per send, ${plan.concurrency} in flight)`);
      out.produce = await measureProduce(bootstrap, {
        topic: 'bench',
        messages: plan.messages,
        valueBytes: plan.valueBytes,
        batch: plan.batch,
        concurrency: plan.concurrency,
        warmup: plan.warmup,
        ...(plan.progress ? { progress: plan.progress } : {}),
        // CPU and RSS come from /proc: elsewhere those rows stay empty
        ...(procAvailable() ? { serverCpuMicros: () => brokerCpuMicros(c) } : {}),
      });
      log(`    ${Math.round(out.produce.msgsPerSec).toLocaleString('en-US')} msg/s, broker ${out.produce.serverCpuUsPerMsg?.toFixed(1) ?? '?'} µs/msg`);
    }

    if ('skipped' in plan.tools) out.produceTool = { skipped: plan.tools.skipped };
    else {
      log(`  ProducerPerformance: ${plan.messages.toLocaleString('en-US')} × ${plan.valueBytes} B (acks=all)`);
      const cpu0 = await brokerCpuMicros(c);
      const t0 = performance.now();
      const tool = await producerPerformance(plan.tools, { bootstrap, topic: 'bench-tool', records: plan.messages, recordBytes: plan.valueBytes });
      const micros = await brokerCpuMicros(c) - cpu0;
      const wall = (performance.now() - t0) * 1000;
      out.produceTool = { ...tool, brokerCpuUsPerMsg: micros / tool.records, brokerCpuPct: (micros / wall) * 100 };
      log(`    ${Math.round(tool.msgsPerSec).toLocaleString('en-US')} msg/s, latency p50/p99/p99.9 ${tool.p50Ms}/${tool.p99Ms}/${tool.p999Ms} ms, broker ${out.produceTool.brokerCpuUsPerMsg.toFixed(1)} µs/msg`);
    }

    if (plan.consume) {
      if (!('skipped' in plan.tools)) {
        log('  ConsumerPerformance: reading them back');
        out.consumeTool = await consumerPerformance(plan.tools, { bootstrap, topic: 'bench-tool', records: plan.messages, recordBytes: plan.valueBytes });
        log(`    ${Math.round(out.consumeTool.msgsPerSec).toLocaleString('en-US')} msg/s`);
      } else out.consumeTool = { skipped: plan.tools.skipped };
      if (plan.kafkajs) {
        const total = plan.messages + plan.warmup;
        log(`  kafkajs: consuming ${total.toLocaleString('en-US')} from the beginning`);
        out.consume = await measureConsume(bootstrap, 'bench', total);
        log(`    ${Math.round(out.consume.msgsPerSec).toLocaleString('en-US')} msg/s`);
      }
    }

    const after = await rssPerBroker(c);
    if (procAvailable()) out.memory = {
      messages: (plan.kafkajs ? plan.messages + plan.warmup : 0) + ('skipped' in plan.tools ? 0 : plan.messages),
      idleMB: idle,
      afterMB: after,
      idleTotalMB: sum(idle),
      afterTotalMB: sum(after),
    };
    if (c.gcMemory && out.memory) {
      const m = await c.gcMemory();
      out.memory.afterGc = { rssMB: m.rss / MB, heapMB: m.heapUsed / MB, buffersMB: m.arrayBuffers / MB };
    }
    if (out.memory) log(`  RSS ${out.memory.idleTotalMB.toFixed(0)} MB idle → ${out.memory.afterTotalMB.toFixed(0)} MB after ${out.memory.messages.toLocaleString('en-US')} messages`);

    if (plan.latencySeconds > 0) {
      await createTopic(bootstrap, 'bench-latency', 1,rf);
      log(`  end-to-end latency at 1000 msg/s for ${plan.latencySeconds} s`);
      out.latency = await measureLatency(bootstrap, 'bench-latency', { seconds: plan.latencySeconds, ratePerSec: 1000 });
      log(`    p50 ${out.latency.p50Ms.toFixed(1)} ms, p99 ${out.latency.p99Ms.toFixed(1)} ms`);
    }

    if (plan.kills > 0) {
      await createTopic(bootstrap, 'bench-failover', 1,rf);
      log(`  failover gap over ${plan.kills} leader kill(s)`);
      const watch = partitionWatcher(bootstrap, 'bench-failover');
      try {
        out.failover = await measureFailover(
          bootstrap,
          'bench-failover',
          plan.kills,
          {
            leader: async () => (await watch.partition()).leader,
            kill: (id) => c.kill(id),
            start: (id) => c.start(id),
            isrSize: async () => (await watch.partition()).isr.length,
          },
          rf,
        );
      } finally {
        await watch.close().catch(() => {});
      }
      log(`    gaps ${out.failover.gapsMs.map((g) => g.toFixed(0)).join(', ')} ms`);
    }
  } catch (error) {
    out.error = (error as Error).message.split('\n')[0];
    log(`  ${backend}: ${out.error}`);
  } finally {
    await cluster?.close().catch(() => {});
  }
  return out;
}
