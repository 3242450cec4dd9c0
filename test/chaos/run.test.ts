/** A short chaos run against an in-process 3-broker cluster: the whole pipeline, end to end. */
import { describe, expect, it } from 'vitest';
import { createKafka } from '../../src/clients/index.js';
import { renderLive, renderReport, runChaos, startChaosCluster, type LiveState } from '../../src/chaos/index.js';

describe('chaos run', () => {
  it('survives a short seeded schedule with nothing lost and nothing reordered', async () => {
    const inProcess = await startChaosCluster();
    const retry = { initialRetryTime: 100, multiplier: 2, maxRetryTime: 500, retries: 12 };
    const kafka = createKafka({ clientId: 'chaos-test', brokers: inProcess.cluster.bootstrapServers(), logLevel: 'nothing', retry, config: { connectionTimeout: 1000, requestTimeout: 10_000 } });
    const frames: LiveState[] = [];
    const lines: string[] = [];
    try {
      const report = await runChaos({
        cluster: inProcess.cluster,
        kafka,
        seed: 3,
        faults: 5,
        timing: { downMs: [300, 900], gapMs: [100, 300] },
        partitions: 3,
        producers: 2,
        rate: 40,
        retry,
        log: (l) => lines.push(l),
        onFrame: (f) => frames.push(f),
      });
      expect(report.faults.map((f) => f.index)).toEqual([1, 2, 3, 4, 5]);
      expect(report.faults.every((f) => f.targets.length >= 1)).toBe(true);
      expect(report.acknowledged).toBeGreaterThan(20);
      expect(report.lost).toBe(0);
      expect(report.orderViolations).toBe(0);
      expect(report.drained).toBe(true);
      expect(report.uniqueConsumed).toBeGreaterThanOrEqual(report.acknowledged);
      expect(report.ok).toBe(true);
      expect(lines.filter((l) => l.startsWith('fault '))).toHaveLength(5);
      expect(frames.at(-1)?.phase).toBe('done');
      expect(renderLive(frames.at(-1)!)).toMatch(/acknowledged \d+/);
      expect(renderReport(report)).toMatch(/lost\s+0/);
      const json = JSON.parse(JSON.stringify(report));
      for (const k of ['acknowledged', 'consumed', 'lost', 'duplicates', 'orderViolations']) expect(typeof json[k]).toBe('number');
    } finally {
      await inProcess.close();
    }
  }, 120_000);

  it('counts sends that fail for good as failed, never as lost, and replaces their producer', async () => {
    const inProcess = await startChaosCluster();
    // A retry budget far below a fault's downtime: sends fail while a broker is down.
    const retry = { initialRetryTime: 50, multiplier: 2, maxRetryTime: 100, retries: 1 };
    const kafka = createKafka({ clientId: 'chaos-test-failing', brokers: inProcess.cluster.bootstrapServers(), logLevel: 'nothing', retry, config: { connectionTimeout: 500, requestTimeout: 3000 } });
    try {
      const report = await runChaos({ cluster: inProcess.cluster, kafka, seed: 11, faults: 5, timing: { downMs: [800, 1200], gapMs: [100, 200] }, partitions: 3, producers: 3, rate: 100, retry });
      expect(report.failed).toBeGreaterThan(0);
      expect(report.producerRestarts).toBe(report.failed);
      expect(report.lost).toBe(0);
      expect(report.orderViolations).toBe(0);
      expect(report.ok).toBe(true);
    } finally {
      await inProcess.close();
    }
  }, 120_000);
});
