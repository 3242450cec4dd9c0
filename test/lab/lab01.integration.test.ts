/** Runs lab 01 in verify mode, in process, against an EmbeddedCluster on free ports. */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { EmbeddedCluster } from '../../src/broker/embedded-cluster.js';
import { bufferOutput } from '../../src/lab/output.js';
import { runLab } from '../../src/lab/runner.js';
import lab01 from '../../labs/01-first-message/lab.js';
import { InProcessCluster } from '../../src/cluster/in-process.js';

describe('lab 01 against an in-process embedded cluster', () => {
  let dir: string;
  let embedded: EmbeddedCluster | undefined;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'kafka-lab-lab01-'));
    const { EmbeddedCluster } = await import('../../src/broker/embedded-cluster.js');
    embedded = await EmbeddedCluster.start({ brokers: 1, dataDir: dir, config: { brokerSessionTimeoutMs: 2000 } });
  }, 60_000);

  afterAll(async () => {
    await embedded?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('passes in verify mode and cleans up after itself (twice in a row)', async () => {
    for (let run = 0; run < 2; run++) {
      const out = bufferOutput();
      const result = await runLab(lab01, { verify: true, out, cluster: new InProcessCluster(embedded!, 'single') });
      expect(result.ok, out.text()).toBe(true);
      expect(result.checks.length).toBeGreaterThanOrEqual(4);
      expect(out.text()).toContain('PASS lab 01');
    }
  }, 120_000);
});
