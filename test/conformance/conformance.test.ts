/**
 * One real run of the suite: a small scenario with two clients (kafkajs in this process, kcat = librdkafka in
 * another), and a raw-protocol scenario, each on the embedded cluster and on Kafka 4.4.0 (the jvm backend, free ports,
 * temp home). Skips with the reason where Java or the Kafka runtime is missing (fails under KAFKA_LAB_REQUIRE_JVM=1).
 */
import { describe, expect, it } from 'vitest';
import { KNOWN_DIVERGENCES } from '../../src/conformance/known-divergences.js';
import { runConformance, type PairResult, type Report } from '../../src/conformance/run.js';
import { SCENARIOS } from '../../src/conformance/scenarios/index.js';
import { clientProblem } from '../../src/conformance/drivers/index.js';
import { jvmSkip } from '../helpers/jvm.js';

const skip = jvmSkip('test/conformance/conformance.test.ts') ?? (clientProblem('kcat') ? `${clientProblem('kcat')}` : null);
if (skip) console.warn(`test/conformance/conformance.test.ts: skipped: ${skip}`);

describe.skipIf(skip !== null)('yarn conformance, one small run on both backends', () => {
  it('runs produce-consume with kafkajs and kcat, and fetch-wait raw, and compares them', async () => {
    const report: Report = await runConformance({
      scenarios: SCENARIOS.filter((s) => ['produce-consume', 'fetch-wait'].includes(s.name)),
      clients: ['kafkajs', 'kcat', 'raw'],
      quick: false,
      onUpdate: () => {},
      log: () => {},
    });
    const pair = (scenario: string, client: string) => report.results.find((r) => r.scenario === scenario && r.client === client) as PairResult;
    expect(report.results.map((r) => `${r.scenario} × ${r.client}`)).toEqual(['produce-consume × kafkajs', 'produce-consume × kcat', 'fetch-wait × raw']);
    for (const client of ['kafkajs', 'kcat']) {
      const r = pair('produce-consume', client);
      expect(r.verdict, JSON.stringify(r.differences)).toBe('match');
      const read = r.jvm!.observations.find((o) => o.step === 'read 6 from offset 0')!.value;
      expect(read).toEqual({ records: [[0, 'a'], [1, 'b'], [2, 'c'], [3, 'd'], [4, 'e'], [5, 'f']] });
    }
    // what Kafka does is the reference: minBytes=0 answers at once, minBytes=1 on an empty partition waits maxWaitMs
    const fetch = pair('fetch-wait', 'raw');
    const took = (step: string) => (fetch.jvm!.observations.find((o) => o.step === step)!.value as { took: { ms: number } }).took.ms;
    expect(took('empty partition, minBytes=0, maxWaitMs=3000')).toBeLessThan(1000);
    expect(took('empty partition, minBytes=1, maxWaitMs=3000')).toBeGreaterThan(2500);
    // whatever differs is a listed known divergence (not a silent one), and a listed one that no longer shows is reported
    expect(fetch.differences.filter((d) => !d.known)).toEqual([]);
    for (const k of report.noLongerDiffering) expect(KNOWN_DIVERGENCES).toContain(k);
  }, 300_000);
});
