/** Renders a BenchResult: rows shared by the terminal table and the Markdown report. */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { formatTable } from '../src/cli/table.js';
import type { Throughput } from './measure.js';
import type { BenchResult } from './run.js';

const n0 = (x: number) => (Number.isFinite(x) ? Math.round(x).toLocaleString('en-US') : '—');
const n1 = (x: number) => (Number.isFinite(x) ? x.toFixed(1) : '—');
const cpu = (t: Throughput) =>
  t.serverCpuUsPerMsg === undefined ? '' : `; server ${n1(t.serverCpuUsPerMsg)} µs/msg (CPU ${n0(t.serverCpuPct!)}%), client CPU ${n0(t.clientCpuPct!)}%`;

export function rows(r: BenchResult): Array<[string, string, string]> {
  const e = r.embedded;
  const out: Array<[string, string, string]> = [];
  const s = r.settings;
  out.push(['produce, null broker (ceiling)', `${n0(r.nullBroker.produce.msgsPerSec)} msg/s · ${n1(r.nullBroker.produce.mbPerSec)} MB/s`, `${s.valueBytes} B values, ${s.batch}/send, ${s.concurrency} in flight, acks=all${cpu(r.nullBroker.produce)}`]);
  out.push(['produce, embedded 3 brokers RF 3', `${n0(e.produce.msgsPerSec)} msg/s · ${n1(e.produce.mbPerSec)} MB/s`, `${n0(e.produce.messages)} messages, ${s.partitions} partitions${cpu(e.produce)}`]);
  out.push(['efficiency (embedded ÷ null)', r.efficiency.toFixed(2), 'goal ≥ 0.80']);
  if (e.consume) out.push(['consume, embedded', `${n0(e.consume.msgsPerSec)} msg/s · ${n1(e.consume.mbPerSec)} MB/s`, `${n0(e.consume.messages)} messages, one consumer`]);
  if (e.latency) out.push(['end-to-end latency p50 / p99', `${n1(e.latency.p50Ms)} / ${n1(e.latency.p99Ms)} ms`, `${e.latency.ratePerSec} msg/s steady, ${e.latency.samples} samples`]);
  if (e.failover) {
    out.push([
      'failover gap p50 / max',
      `${n0(e.failover.p50Ms)} / ${n0(e.failover.maxMs)} ms`,
      `${e.failover.kills} leader kill(s); detection delay ${e.failover.detectionDelayMs} ms`,
    ]);
  }
  if (e.startMs) out.push(['cluster start single / multi', `${n0(e.startMs.single)} / ${n0(e.startMs.multi)} ms`, 'until metadata lists every broker']);
  if (e.memory) {
    out.push(['RSS idle → after → after GC', `${n0(e.memory.idleMB)} → ${n0(e.memory.afterMB)} → ${n0(e.memory.afterGcMB)} MB`, `${n0(e.memory.messages)} messages; after GC: heap ${n0(e.memory.heapAfterGcMB)} MB, buffers ${e.memory.buffersAfterGcMB === undefined ? '?' : n0(e.memory.buffersAfterGcMB)} MB; ${n0(e.memory.diskMB)} MB in ${e.memory.segments} segment files`]);
  }
  out.push([
    'lab suite (labs:verify)',
    'skipped' in r.labs ? 'skipped' : `${n1(r.labs.seconds)} s`,
    'skipped' in r.labs ? r.labs.skipped : `exit code ${r.labs.exitCode}${r.labs.exitCode !== 0 ? ' (a lab failed: see its output)' : ''}`,
  ]);
  if ('skipped' in r.docker) out.push(['docker backend', 'skipped', r.docker.skipped]);
  else {
    out.push(['produce, docker (Apache Kafka)', `${n0(r.docker.produce.msgsPerSec)} msg/s · ${n1(r.docker.produce.mbPerSec)} MB/s`, '']);
    out.push(['consume, docker (Apache Kafka)', `${n0(r.docker.consume.msgsPerSec)} msg/s · ${n1(r.docker.consume.mbPerSec)} MB/s`, '']);
  }
  return out;
}

export function renderTable(r: BenchResult): string {
  return formatTable([{ header: 'measure' }, { header: 'result', align: 'right' }, { header: 'notes' }], rows(r));
}

export function renderMarkdown(r: BenchResult): string {
  const m = r.machine;
  return [
    `# yarn bench${r.quick ? ' --quick' : ''} — ${r.date}`,
    '',
    `- machine: ${m.cpu}, ${m.cores} cores, ${m.memoryGiB} GiB, ${m.os}, load average ${m.loadAvg1m?.toFixed(1) ?? '?'} at start`,
    `- node ${r.node}, commit ${r.commit}`,
    `- settings: ${r.settings.messages.toLocaleString('en-US')} messages × ${r.settings.valueBytes} B, ${r.settings.batch} per send, ${r.settings.concurrency} sends in flight, ${r.settings.partitions} partitions, RF ${r.settings.replicationFactor}, acks=all, brokerSessionTimeoutMs ${r.settings.brokerSessionTimeoutMs}`,
    '',
    '| measure | result | notes |',
    '|---|---:|---|',
    ...rows(r).map(([a, b, c]) => `| ${a} | ${b} | ${c} |`),
    '',
    '```json',
    JSON.stringify(r, null, 2),
    '```',
    '',
  ].join('\n');
}

/** Writes bench/results/<date>.md (full runs) or bench/results/latest-quick.md (overwritten) and returns its path. */
export function writeReport(r: BenchResult, dir: string): string {
  mkdirSync(dir, { recursive: true });
  const file = join(dir, r.quick ? 'latest-quick.md' : `${r.date.replace(/[:]/g, '-').replace(/\..*$/, '')}.md`);
  writeFileSync(file, renderMarkdown(r));
  return file;
}
