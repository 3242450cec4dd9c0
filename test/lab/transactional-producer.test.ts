/**
 * A lab's transactional producer on a cluster that cannot create __transaction_state (a broker of three is down, the
 * topic wants three replicas): one line saying so and what to do, not kafkajs' "Failed to find group coordinator".
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { Cluster } from '../../src/cluster/types.js';
import { bufferOutput } from '../../src/lab/output.js';
import { defineLab, runLab } from '../../src/lab/runner.js';
import { startTestCluster, type TestCluster } from '../helpers/embedded.js';

let t: TestCluster;
beforeAll(async () => {
  t = await startTestCluster({ brokers: 3 });
  await t.cluster.killBroker(3);
  await sleep(1500); // fenced after the 1 s session timeout of test clusters
});
afterAll(async () => t?.destroy());

it('says that __transaction_state needs every broker up, and how to start them', async () => {
  const cluster: Cluster = {
    backend: 'embedded',
    profile: 'multi',
    up: async () => undefined,
    down: async () => undefined,
    reset: async () => undefined,
    status: async () => ({ backend: 'embedded', profile: 'multi', clusterId: null, controller: 1, brokers: [], topics: [], groups: [] }),
    bootstrapServers: () => t.cluster.bootstrapServers.slice(0, 2),
    brokers: async () => [],
    killBroker: async () => undefined,
    stopBroker: async () => undefined,
    startBroker: async () => undefined,
    electPreferredLeaders: async () => 0,
    isUp: async () => true,
  };
  const out = bufferOutput();
  const lab = defineLab({
    id: '97', slug: 'txn', title: 'T', profile: 'multi',
    async run(lab) {
      const producer = await lab.producer({ clientId: 'txn-down', transactionalId: 'lab97-tx', retry: { retries: 2, initialRetryTime: 100, maxRetryTime: 500 } });
      await producer.transaction();
    },
  });
  const result = await runLab(lab, { verify: true, out, cluster });
  expect(result.ok).toBe(false);
  expect(out.text()).toMatch(/no transaction coordinator answered for lab97-tx \(COORDINATOR_NOT_AVAILABLE\): .*needs every broker up.*`yarn broker:start <id>`/);
}, 60_000);
