import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect, it } from 'vitest';
import { EmbeddedCluster } from '../../src/broker/index.js';
import { freePortsOutsideEphemeral } from '../../src/cluster/ports.js';
import { describeOnce, waitForBrokers } from '../../src/cluster/ready.js';

// Lab 08 kills broker 1 and then waits for the cluster to serve again: readiness must not hang on the first address.
it('asks the next bootstrap address when the first refuses the connection, and says why when none answers', async () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'kafka-lab-ready-'));
  const cluster = await EmbeddedCluster.start({ dataDir, brokers: [{ id: 2, listeners: [{ name: 'HOST', host: '127.0.0.1', port: 0 }] }] });
  try {
    const [dead] = await freePortsOutsideEphemeral(1);
    const live = `127.0.0.1:${cluster.brokers()[0]!.port}`;
    expect(await describeOnce([`127.0.0.1:${dead}`, live])).toEqual([2]);
    await waitForBrokers({ bootstrap: [`127.0.0.1:${dead}`, live], ids: [2], timeoutMs: 5_000 });
    await expect(describeOnce([`127.0.0.1:${dead}`])).rejects.toThrow(/ECONNREFUSED/);
  } finally {
    await cluster.close();
    rmSync(dataDir, { recursive: true, force: true });
  }
});
