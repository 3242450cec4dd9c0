import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect, it } from 'vitest';
import { EmbeddedCluster } from '../../src/broker/index.js';
import { rawRequest } from '../helpers/raw.js';

it('answers Metadata with the addresses of the listener the client came through', async () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'kafka-lab-listeners-'));
  const cluster = await EmbeddedCluster.start({
    dataDir,
    brokers: [
      {
        id: 1,
        listeners: [
          { name: 'HOST', host: '127.0.0.1', port: 0 },
          { name: 'DOCKER', host: '127.0.0.1', port: 0, advertisedHost: 'kafka-1', advertisedPort: 19092 },
        ],
      },
    ],
  });
  try {
    const hostPort = cluster.brokers()[0]!.port;
    const dockerPort = (cluster.context.brokers.get(1) as unknown as { listeners: Array<{ spec: { port: number } }> }).listeners[1]!.spec.port;
    const viaHost = await rawRequest(hostPort, 3, 1, { topics: null });
    expect(viaHost.brokers).toEqual([{ nodeId: 1, host: '127.0.0.1', port: hostPort, rack: null }]);
    const viaDocker = await rawRequest(dockerPort, 3, 1, { topics: null });
    expect(viaDocker.brokers).toEqual([{ nodeId: 1, host: 'kafka-1', port: 19092, rack: null }]);
    const coordinator = await rawRequest(dockerPort, 10, 0, { key: 'some-group' });
    expect([coordinator.host, coordinator.port]).toEqual(['kafka-1', 19092]);
  } finally {
    await cluster.close();
    rmSync(dataDir, { recursive: true, force: true });
  }
});
