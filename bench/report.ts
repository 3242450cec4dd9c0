/** Renders a BenchResult: one row per figure, a column per backend, embedded ÷ jvm beside it; terminal and Markdown. */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { formatTable } from '../src/cli/table.js';
import type { BackendName } from './backends.js';
import type { BackendResult } from './measure-backend.js';
import type { BenchResult } from './run.js';

const n0 = (x: number | undefined) => (x !== undefined && Number.isFinite(x) ? Math.round(x).toLocaleString('en-US') : '—');
const n1 = (x: number | undefined) => (x !== undefined && Number.isFinite(x) ? x.toFixed(1) : '—');
const r2 = (x: number | undefined) => (x !== undefined && Number.isFinite(x) ? `${x < 0.1 ? x.toFixed(3) : x.toFixed(2)}` : '');
const BACKENDS: BackendName[] = ['embedded', 'jvm', 'docker'];

type Row = { measure: string; cell: (b: BackendResult) => string; ratio?: string; goal?: string };

function cells(r: BenchResult, row: Row): string[] {
  return BACKENDS.map((name) => {
    const b = r.backends[name];
    if (!b || 'skipped' in b) return 'skipped';
    const text = row.cell(b);
    return text === '' ? '—' : text;
  });
}

const rate = (t: { msgsPerSec: number; mbPerSec: number } | undefined) => (t ? `${n0(t.msgsPerSec)} msg/s · ${n1(t.mbPerSec)} MB/s` : '');
const tool = (b: BackendResult) => (b.produceTool && !('skipped' in b.produceTool) ? b.produceTool : undefined);
const toolConsume = (b: BackendResult) => (b.consumeTool && !('skipped' in b.consumeTool) ? b.consumeTool : undefined);
const mb = (xs: number[] | undefined) => (xs && xs.length > 1 ? ` (${xs.map((x) => n0(x)).join(' + ')})` : '');
const metMark = (met: boolean | null) => (met === null ? 'not measured' : met ? 'met' : 'NOT met');

export function rows(r: BenchResult): Row[] {
  const q = r.ratios;
  const goal = (i: number) => {
    const g = r.goals[i]!;
    return `${g.target}: ${metMark(g.met)}`;
  };
  return [
    { measure: 'cluster start, single (ms)', cell: (b) => n0(b.startMs.single), ratio: r2(q.startSingle), ...(q.startMulti === undefined ? { goal: goal(0) } : {}) },
    { measure: 'cluster start, multi (ms)', cell: (b) => n0(b.startMs.multi), ratio: r2(q.startMulti), ...(q.startMulti === undefined ? {} : { goal: goal(0) }) },
    { measure: 'produce, kafkajs', cell: (b) => rate(b.produce), ratio: r2(q.produceKafkajs), goal: goal(3) },
    { measure: '↳ broker CPU (µs/msg)', cell: (b) => (b.produce ? `${n1(b.produce.serverCpuUsPerMsg)} (${n0(b.produce.serverCpuPct)}% core)` : ''), ratio: r2(q.brokerCpuPerMsgKafkajs) },
    { measure: 'produce, ProducerPerformance', cell: (b) => rate(tool(b)), ratio: r2(q.produceTool), goal: goal(2) },
    { measure: '↳ latency p50 / p99 / p99.9 (ms)', cell: (b) => (tool(b) ? `${tool(b)!.p50Ms} / ${tool(b)!.p99Ms} / ${tool(b)!.p999Ms}` : ''), ratio: r2(q.produceToolP99) },
    { measure: '↳ broker CPU (µs/msg)', cell: (b) => (tool(b) ? `${n1(tool(b)!.brokerCpuUsPerMsg)} (${n0(tool(b)!.brokerCpuPct)}% core)` : ''), ratio: r2(q.brokerCpuPerMsgTool) },
    { measure: 'consume, ConsumerPerformance', cell: (b) => rate(toolConsume(b)), ratio: r2(q.consumeTool) },
    { measure: 'consume, kafkajs', cell: (b) => rate(b.consume), ratio: r2(q.consumeKafkajs) },
    { measure: 'end-to-end p50 / p99 (ms)', cell: (b) => (b.latency ? `${n1(b.latency.p50Ms)} / ${n1(b.latency.p99Ms)}` : ''), ratio: q.latencyP50 === undefined ? '' : `${r2(q.latencyP50)} / ${r2(q.latencyP99)}` },
    {
      measure: 'failover gap p50 / max (ms)',
      cell: (b) => (b.failover ? `${n0(b.failover.p50Ms)} / ${n0(b.failover.maxMs)}` : ''),
      ratio: q.failoverGapDiffMs === undefined ? '' : `${q.failoverGapDiffMs >= 0 ? '+' : ''}${n0(q.failoverGapDiffMs)} ms`,
      goal: goal(4),
    },
    { measure: 'RSS idle, total (MB)', cell: (b) => (b.memory ? `${n0(b.memory.idleTotalMB)}${mb(b.memory.idleMB)}` : ''), ratio: r2(q.rssIdleTotal), goal: goal(1) },
    { measure: 'RSS after the run, total (MB)', cell: (b) => (b.memory ? `${n0(b.memory.afterTotalMB)}${mb(b.memory.afterMB)}` : ''), ratio: r2(q.rssAfterTotal) },
  ];
}

function labsRow(r: BenchResult): string[] {
  return BACKENDS.map((name) => {
    const l = r.labs[name];
    if (!l || 'skipped' in l) return 'skipped';
    return `${n1(l.seconds)} s${l.exitCode !== 0 ? ` (exit ${l.exitCode})` : ''}`;
  });
}

function table(r: BenchResult): string[][] {
  const out = rows(r).map((row) => [row.measure, ...cells(r, row), row.ratio ?? '', row.goal ?? '']);
  out.push(['labs:verify (s)', ...labsRow(r), r2(r.ratios.labs), '']);
  return out;
}

/** Why things were skipped, the ceiling, the settings: the lines under the table. */
function notes(r: BenchResult): string[] {
  const s = r.settings;
  const out: string[] = [];
  out.push(`settings: ${s.messages.toLocaleString('en-US')} messages × ${s.valueBytes} B per run, ${s.partitions} partitions, RF ${s.replicationFactor}, acks=all; kafkajs ${s.batch}/send, ${s.concurrency} in flight, ${s.warmup.toLocaleString('en-US')} warm-up; failover at broker session timeout ${s.brokerSessionTimeoutMs} ms${r.quick ? ' (embedded --quick: 1000 ms)' : ''}`);
  if (r.quick) out.push('--quick: a smoke run (few messages, a cold JVM): its ratios say the harness works, not how fast anything is');
  if ('skipped' in r.nullBroker) out.push(`null broker: skipped (${r.nullBroker.skipped})`);
  else out.push(`null broker (the kafkajs client's ceiling): ${rate(r.nullBroker.produce)}, client CPU ${n0(r.nullBroker.produce.clientCpuPct)}%`);
  for (const name of BACKENDS) {
    const b = r.backends[name];
    if (!b) continue;
    if ('skipped' in b) out.push(`${name}: skipped: ${b.skipped}`);
    else {
      if (b.profile === 'single') out.push(`${name}: the figures below the start times are of a 1-broker cluster (RF 1): no ratios beside them`);
      if (b.error) out.push(`${name}: stopped early: ${b.error}`);
      if (b.produceTool && 'skipped' in b.produceTool) out.push(`${name}: Kafka's tools skipped: ${b.produceTool.skipped}`);
      if (b.inProcessStartMs) {
        const parts = (['single', 'multi'] as const).filter((p) => b.inProcessStartMs![p] !== undefined).map((p) => `${p} ${n0(b.inProcessStartMs![p])} ms`);
        out.push(`${name}: cluster start without its Node process (in a running process): ${parts.join(', ')}`);
      }
      if (b.memory?.afterGc) out.push(`${name}: after GC RSS ${n0(b.memory.afterGc.rssMB)} MB, heap ${n0(b.memory.afterGc.heapMB)} MB, buffers ${n0(b.memory.afterGc.buffersMB)} MB (after ${b.memory.messages.toLocaleString('en-US')} messages)`);
      if (b.failover) out.push(`${name}: failover gaps ${b.failover.gapsMs.map((g) => n0(g)).join(', ')} ms`);
    }
  }
  for (const name of BACKENDS) {
    const l = r.labs[name];
    if (l && 'skipped' in l) out.push(`labs:verify ${name}: skipped: ${l.skipped}`);
    else if (l && l.lastLines) out.push(`labs:verify ${name}: exit ${l.exitCode}: ${l.lastLines.join(' | ')}`);
  }
  return out;
}

const HEADERS = ['measure', 'embedded', 'jvm', 'docker', 'embedded ÷ jvm', 'goal'];

export function renderTable(r: BenchResult): string {
  const t = formatTable(
    HEADERS.map((header, i) => ({ header, ...(i > 0 && i < 5 ? { align: 'right' as const } : {}) })),
    table(r),
  );
  return [t, '', ...notes(r)].join('\n');
}

export function renderMarkdown(r: BenchResult): string {
  const m = r.machine;
  return [
    `# yarn bench${r.quick ? ' --quick' : ''} — ${r.date}`,
    '',
    `- machine: ${m.cpu}, ${m.cores} cores, ${m.memoryGiB} GiB, ${m.os}, load average ${m.loadAvg1m.toFixed(1)} at start${m.loadAvgEnd1m === undefined ? '' : `, ${m.loadAvgEnd1m.toFixed(1)} at the end`}`,
    `- node ${r.node}, ${r.java ?? 'no Java'}, Kafka ${r.kafka}, commit ${r.commit}`,
    '',
    `| ${HEADERS.join(' | ')} |`,
    '|---|---:|---:|---:|---:|---|',
    ...table(r).map((cols) => `| ${cols.join(' | ')} |`),
    '',
    ...notes(r).map((line) => `- ${line}`),
    '',
    '```json',
    JSON.stringify(r, null, 2),
    '```',
    '',
  ].join('\n');
}

/**
 * Writes bench/results/<date>.md (full runs) or, overwritten and git-ignored, latest-quick.md / latest-partial.md
 * (--quick; --produce-only or --backends) and returns its path.
 */
export function writeReport(r: BenchResult, dir: string, partial = false): string {
  mkdirSync(dir, { recursive: true });
  const name = r.quick ? 'latest-quick' : partial ? 'latest-partial' : r.date.replace(/[:]/g, '-').replace(/\..*$/, '');
  const file = join(dir, `${name}.md`);
  writeFileSync(file, renderMarkdown(r));
  return file;
}
