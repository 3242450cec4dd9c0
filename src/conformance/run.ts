/**
 * The runner: each scenario × client on both clusters at once, then the comparison. Drivers are opened once per
 * client and cluster and kept for the run; after each scenario the clusters get back every broker it stopped.
 */
import { KAFKA_VERSION } from '../common/kafka-version.js';
import { startEmbedded, startJvm, type RunningCluster } from './backends.js';
import { recordingContext } from './context.js';
import { clientProblem, openDriver, prepareClient } from './drivers/index.js';
import { knownDivergence, KNOWN_DIVERGENCES, type KnownDivergence } from './known-divergences.js';
import { compare, type Difference } from './normalise.js';
import type { Backend, ClientName, Driver, Observation, Scenario } from './types.js';

export type Verdict = 'pending' | 'running' | 'match' | 'known' | 'differs' | 'skipped';

export interface SideResult {
  observations: Observation[];
  ms: number;
  /** the scenario threw (also recorded as its last observation, so it compares) */
  error?: string;
}

export interface PairResult {
  scenario: string;
  title: string;
  level: Scenario['level'];
  client: ClientName;
  verdict: Verdict;
  skipped?: string;
  embedded?: SideResult;
  jvm?: SideResult;
  differences: Array<Difference & { known?: KnownDivergence }>;
}

export interface Report {
  kafkaVersion: string;
  startedAt: string;
  ms: number;
  clusterStartMs: Record<Backend, number>;
  results: PairResult[];
  /** known divergences that were expected and did not show: their entries can go */
  noLongerDiffering: KnownDivergence[];
}

export interface RunOptions {
  scenarios: Scenario[];
  clients: ClientName[];
  /** the CI set: each scenario with its quick clients only */
  quick: boolean;
  onUpdate(results: PairResult[]): void;
  log(line: string): void;
}

export function plannedPairs(options: Pick<RunOptions, 'scenarios' | 'clients' | 'quick'>): PairResult[] {
  const pairs: PairResult[] = [];
  for (const s of options.scenarios) {
    const clients = options.quick && s.quickClients ? s.quickClients : s.clients;
    for (const client of options.clients) {
      if (!clients.includes(client)) continue;
      pairs.push({ scenario: s.name, title: s.title, level: s.level, client, verdict: 'pending', differences: [] });
    }
  }
  return pairs;
}

export async function runConformance(options: RunOptions): Promise<Report> {
  const started = Date.now();
  const results = plannedPairs(options);
  const problems = new Map<ClientName, string | null>();
  for (const client of new Set(results.map((r) => r.client))) {
    let problem = clientProblem(client);
    if (!problem) {
      try {
        options.log(`preparing ${client}`);
        prepareClient(client);
      } catch (error) {
        problem = (error as Error).message;
      }
    }
    problems.set(client, problem);
  }
  for (const r of results) {
    const problem = problems.get(r.client);
    if (problem) Object.assign(r, { verdict: 'skipped', skipped: problem });
  }
  options.onUpdate(results);

  const clusterStartMs = { embedded: 0, jvm: 0 };
  const timed = async (backend: Backend, start: () => Promise<RunningCluster>) => {
    const t = Date.now();
    const c = await start();
    clusterStartMs[backend] = Date.now() - t;
    return c;
  };
  options.log(`starting the embedded cluster and Kafka ${KAFKA_VERSION} (jvm backend, 3 nodes, free ports, temp home)`);
  const started2 = await Promise.allSettled([timed('embedded', startEmbedded), timed('jvm', () => startJvm(options.log))]);
  const clusters = started2.flatMap((s) => (s.status === 'fulfilled' ? [s.value] : []));
  const drivers = new Map<string, Driver>();
  try {
    const failedStart = started2.find((s): s is PromiseRejectedResult => s.status === 'rejected');
    if (failedStart) throw failedStart.reason;
    const [embedded, jvm] = clusters as [RunningCluster, RunningCluster];
    const driverFor = (client: ClientName, running: RunningCluster) => {
      const key = `${client}@${running.backend}`;
      if (!drivers.has(key)) drivers.set(key, openDriver(client, running.bootstrap()));
      return drivers.get(key)!;
    };
    for (const r of results) {
      if (r.verdict === 'skipped') continue;
      const scenario = options.scenarios.find((s) => s.name === r.scenario)!;
      const cannot = scenario.needs.map((c) => driverFor(r.client, embedded).cannot(c)).find((x) => x !== null);
      if (cannot) {
        Object.assign(r, { verdict: 'skipped', skipped: cannot });
        options.onUpdate(results);
        continue;
      }
      r.verdict = 'running';
      options.onUpdate(results);
      const side = async (running: RunningCluster): Promise<SideResult> => {
        const recording = recordingContext(scenario.name, r.client, running, driverFor(r.client, running), options.log);
        const t = performance.now();
        let error: string | undefined;
        try {
          await scenario.run(recording.ctx);
        } catch (e) {
          error = (e as Error).message;
          recording.observations.push({ step: '(the scenario stopped)', value: error.replace(/127\.0\.0\.1:\d+/g, '<broker>') });
        } finally {
          await recording.close();
          await running.heal().catch((e) => options.log(`${running.backend}: could not restart every broker: ${(e as Error).message}`));
        }
        return { observations: recording.observations, ms: performance.now() - t, ...(error ? { error } : {}) };
      };
      [r.embedded, r.jvm] = await Promise.all([side(embedded), side(jvm)]);
      judge(r);
      options.onUpdate(results);
    }
  } finally {
    await Promise.all([...drivers.values()].map((d) => d.close().catch(() => undefined)));
    await Promise.all(clusters.map((c) => c.destroy().catch(() => undefined)));
  }
  return { kafkaVersion: KAFKA_VERSION, startedAt: new Date(started).toISOString(), ms: Date.now() - started, clusterStartMs, results, noLongerDiffering: noLongerDiffering(results) };
}

/** Compares a pair's two sides and gives its verdict against the known divergences. */
function judge(r: PairResult): void {
  if (!r.embedded || !r.jvm) return;
  r.differences = compare(r.embedded.observations, r.jvm.observations).map((d) => ({ ...d, known: knownDivergence(r.scenario, r.client, d.step) }));
  r.verdict = r.differences.length === 0 ? 'match' : r.differences.every((d) => d.known) ? 'known' : 'differs';
}

function noLongerDiffering(results: PairResult[]): KnownDivergence[] {
  const ran = results.filter((r) => r.embedded);
  return KNOWN_DIVERGENCES.filter((k) => {
    const covered = ran.filter((r) => r.scenario === k.scenario && (k.client === undefined || k.client === r.client));
    return covered.length > 0 && covered.every((r) => !r.differences.some((d) => d.known === k));
  });
}

/** A saved report judged again against today's normaliser and known divergences (`--from report.json`). */
export function rejudge(report: Report, scenarios: Scenario[] = []): Report {
  for (const r of report.results) {
    r.level = scenarios.find((s) => s.name === r.scenario)?.level ?? r.level;
    judge(r);
  }
  return { ...report, noLongerDiffering: noLongerDiffering(report.results) };
}

/** A must-match scenario differs in a way not listed as known. */
export const failing = (report: Report): PairResult[] => report.results.filter((r) => r.level === 'must-match' && r.verdict === 'differs');
