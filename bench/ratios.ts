/** embedded ÷ jvm for every figure measured on both, and the goals as ratios (reported, never asserted). */
import type { BackendResult } from './measure-backend.js';
import type { BenchResult } from './run.js';

export interface Ratios {
  startSingle?: number;
  startMulti?: number;
  rssIdleTotal?: number;
  rssAfterTotal?: number;
  produceKafkajs?: number;
  produceTool?: number;
  produceToolP99?: number;
  brokerCpuPerMsgKafkajs?: number;
  brokerCpuPerMsgTool?: number;
  consumeKafkajs?: number;
  consumeTool?: number;
  latencyP50?: number;
  latencyP99?: number;
  /** embedded p50 − jvm p50 (ms): the goal is about the difference, not the ratio */
  failoverGapDiffMs?: number;
  labs?: number;
}

export interface Goal {
  name: string;
  target: string;
  /** the figure the target is about, as reported */
  value: number | null;
  /** null: not measured in this run (a backend skipped, --quick) */
  met: boolean | null;
}

const measured = (b: BenchResult['backends'][keyof BenchResult['backends']]): BackendResult | null => (b && !('skipped' in b) ? b : null);

function ratio(a: number | undefined, b: number | undefined): number | undefined {
  return a !== undefined && b !== undefined && Number.isFinite(a) && Number.isFinite(b) && b !== 0 ? a / b : undefined;
}

const tool = (b: BackendResult | null) => (b?.produceTool && !('skipped' in b.produceTool) ? b.produceTool : undefined);
const toolConsume = (b: BackendResult | null) => (b?.consumeTool && !('skipped' in b.consumeTool) ? b.consumeTool : undefined);

export function ratios(r: BenchResult): Ratios {
  const e = measured(r.backends.embedded);
  const j = measured(r.backends.jvm);
  if (!e || !j) return {};
  const out: Ratios = {};
  const set = (key: keyof Ratios, value: number | undefined) => {
    if (value !== undefined) out[key] = value;
  };
  set('startSingle', ratio(e.startMs.single, j.startMs.single));
  set('startMulti', ratio(e.startMs.multi, j.startMs.multi));
  // the rest compares like with like only: the same profile on both (--quick measures a one-broker jvm cluster)
  if (e.profile !== j.profile) return out;
  set('rssIdleTotal', ratio(e.memory?.idleTotalMB, j.memory?.idleTotalMB));
  set('rssAfterTotal', ratio(e.memory?.afterTotalMB, j.memory?.afterTotalMB));
  set('produceKafkajs', ratio(e.produce?.msgsPerSec, j.produce?.msgsPerSec));
  set('produceTool', ratio(tool(e)?.msgsPerSec, tool(j)?.msgsPerSec));
  set('produceToolP99', ratio(tool(e)?.p99Ms, tool(j)?.p99Ms));
  set('brokerCpuPerMsgKafkajs', ratio(e.produce?.serverCpuUsPerMsg, j.produce?.serverCpuUsPerMsg));
  set('brokerCpuPerMsgTool', ratio(tool(e)?.brokerCpuUsPerMsg, tool(j)?.brokerCpuUsPerMsg));
  set('consumeKafkajs', ratio(e.consume?.msgsPerSec, j.consume?.msgsPerSec));
  set('consumeTool', ratio(toolConsume(e)?.msgsPerSec, toolConsume(j)?.msgsPerSec));
  set('latencyP50', ratio(e.latency?.p50Ms, j.latency?.p50Ms));
  set('latencyP99', ratio(e.latency?.p99Ms, j.latency?.p99Ms));
  if (e.failover && j.failover) out.failoverGapDiffMs = e.failover.p50Ms - j.failover.p50Ms;
  const le = r.labs.embedded;
  const lj = r.labs.jvm;
  if (le && lj && !('skipped' in le) && !('skipped' in lj)) set('labs', ratio(le.seconds, lj.seconds));
  return out;
}

export function goals(r: BenchResult): Goal[] {
  const q = r.ratios;
  const goal = (name: string, target: string, value: number | undefined, met: (v: number) => boolean): Goal => ({
    name,
    target,
    value: value ?? null,
    met: value === undefined ? null : met(value),
  });
  const memory = q.rssIdleTotal === undefined && q.rssAfterTotal === undefined ? undefined : Math.max(q.rssIdleTotal ?? 0, q.rssAfterTotal ?? 0);
  return [
    goal(q.startMulti === undefined && q.startSingle !== undefined ? 'start (single)' : 'start (multi)', 'embedded ≤ 1/20 of jvm', q.startMulti ?? q.startSingle, (v) => v <= 1 / 20),
    goal('memory (total RSS, idle and after)', 'embedded ≤ 1/4 of jvm', memory, (v) => v <= 1 / 4),
    goal("produce with Kafka's tool", 'embedded ≥ 0.5 × jvm', q.produceTool, (v) => v >= 0.5),
    goal('produce with kafkajs', 'embedded ≥ jvm', q.produceKafkajs, (v) => v >= 1),
    goal('failover gap (p50)', 'within 0.5 s of jvm, same session timeout', q.failoverGapDiffMs, (v) => Math.abs(v) <= 500),
  ];
}
