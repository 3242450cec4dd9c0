/**
 * Kafka's own load tools (ProducerPerformance, ConsumerPerformance from the kafka-tools jar of the jvm runtime), run as
 * `java -cp '<libs>/*' …` so the client is a JVM and not the limit; their summary lines parsed into numbers.
 */
import { spawn } from 'node:child_process';
import { classpath, runtimeDir, runtimeState } from '../src/cluster/jvm/runtime.js';
import { probeJava } from '../src/cluster/jvm/java.js';
import { KAFKA_VERSION } from '../src/common/kafka-version.js';

export interface KafkaTools {
  java: string;
  classpath: string;
}

/** Java 17+ and the installed runtime, or the reason they cannot run. */
export function findKafkaTools(env: NodeJS.ProcessEnv = process.env): KafkaTools | { skipped: string } {
  const java = probeJava(env);
  if (!java.ok) return { skipped: java.problem };
  const dir = runtimeDir(KAFKA_VERSION, env);
  if (runtimeState(dir).kind !== 'installed') return { skipped: `the Kafka ${KAFKA_VERSION} runtime is not installed (\`yarn kafka:install\`)` };
  return { java: java.java.path, classpath: classpath(dir) };
}

export interface ToolProduce {
  records: number;
  msgsPerSec: number;
  /** 10^6 bytes of values per second (the tool itself prints MiB/s) */
  mbPerSec: number;
  avgLatencyMs: number;
  maxLatencyMs: number;
  p50Ms: number;
  p95Ms: number;
  p99Ms: number;
  p999Ms: number;
}

const PRODUCER_SUMMARY =
  /(\d+) records sent, ([\d.]+) records\/sec \(([\d.]+) MB\/sec\), ([\d.]+) ms avg latency, ([\d.]+) ms max latency, (\d+) ms 50th, (\d+) ms 95th, (\d+) ms 99th, (\d+) ms 99\.9th/;

/** The final summary line of ProducerPerformance (the periodic lines have no percentiles). */
export function parseProducerPerformance(output: string, recordBytes: number): ToolProduce {
  const lines = output.split('\n').filter((l) => PRODUCER_SUMMARY.test(l));
  const m = PRODUCER_SUMMARY.exec(lines.at(-1) ?? '');
  if (!m) throw new Error(`no ProducerPerformance summary in its output: ${tail(output)}`);
  const msgsPerSec = Number(m[2]);
  return {
    records: Number(m[1]),
    msgsPerSec,
    mbPerSec: (msgsPerSec * recordBytes) / 1e6,
    avgLatencyMs: Number(m[4]),
    maxLatencyMs: Number(m[5]),
    p50Ms: Number(m[6]),
    p95Ms: Number(m[7]),
    p99Ms: Number(m[8]),
    p999Ms: Number(m[9]),
  };
}

export interface ToolConsume {
  records: number;
  /** fetch time only (ConsumerPerformance's fetch.nMsg.sec: the group join is not counted) */
  msgsPerSec: number;
  mbPerSec: number;
  rebalanceMs: number;
}

/** ConsumerPerformance's CSV: a header line naming the columns, then one line of values. */
export function parseConsumerPerformance(output: string, recordBytes: number): ToolConsume {
  const lines = output.split('\n').map((l) => l.trim());
  const h = lines.findIndex((l) => l.startsWith('start.time'));
  if (h < 0 || !lines[h + 1]) throw new Error(`no ConsumerPerformance result in its output: ${tail(output)}`);
  const names = lines[h]!.split(/,\s*/);
  const values = lines[h + 1]!.split(/,\s*/);
  const col = (name: string) => {
    const i = names.indexOf(name);
    if (i < 0 || values[i] === undefined) throw new Error(`ConsumerPerformance printed no ${name}: ${tail(output)}`);
    return Number(values[i]);
  };
  const msgsPerSec = col('fetch.nMsg.sec');
  return { records: col('data.consumed.in.nMsg'), msgsPerSec, mbPerSec: (msgsPerSec * recordBytes) / 1e6, rebalanceMs: col('rebalance.time.ms') };
}

function tail(output: string): string {
  return output.trim().split('\n').slice(-3).join(' | ') || '(nothing)';
}

/** Runs a tool class to its end; rejects with the output's tail on a non-zero exit or after timeoutMs. */
export function runTool(tools: KafkaTools, mainClass: string, args: string[], timeoutMs: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(tools.java, ['-Xmx512m', '-cp', tools.classpath, mainClass, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    const keep = (chunk: Buffer) => (output = (output + chunk.toString()).slice(-65536));
    child.stdout.on('data', keep);
    child.stderr.on('data', keep);
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.on('error', (e) => {
      clearTimeout(timer);
      reject(e);
    });
    child.on('exit', (code, signal) => {
      clearTimeout(timer);
      if (code === 0) resolve(output);
      else reject(new Error(`${mainClass.split('.').at(-1)} ${signal ? `killed (${signal === 'SIGKILL' ? `over ${timeoutMs / 1000} s` : signal})` : `exit code ${code}`}: ${tail(output)}`));
    });
  });
}

export interface ProducePerfOptions {
  bootstrap: string[];
  topic: string;
  records: number;
  recordBytes: number;
  timeoutMs?: number;
}

/** ProducerPerformance at full speed, acks=all, the producer's defaults otherwise (idempotent, linger 5 ms, 16 KiB batches). */
export async function producerPerformance(tools: KafkaTools, o: ProducePerfOptions): Promise<ToolProduce> {
  const args = ['--bootstrap-server', o.bootstrap.join(','), '--topic', o.topic, '--num-records', String(o.records), '--record-size', String(o.recordBytes), '--throughput', '-1', '--command-property', 'acks=all'];
  return parseProducerPerformance(await runTool(tools, 'org.apache.kafka.tools.ProducerPerformance', args, o.timeoutMs ?? 600_000), o.recordBytes);
}

/** ConsumerPerformance: a new group reads `records` from the beginning. */
export async function consumerPerformance(tools: KafkaTools, o: ProducePerfOptions): Promise<ToolConsume> {
  const args = ['--bootstrap-server', o.bootstrap.join(','), '--topic', o.topic, '--num-records', String(o.records), '--timeout', '60000', '--group', `bench-tool-${Date.now()}`];
  return parseConsumerPerformance(await runTool(tools, 'org.apache.kafka.tools.ConsumerPerformance', args, o.timeoutMs ?? 600_000), o.recordBytes);
}
