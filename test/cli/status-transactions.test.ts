/**
 * cluster:status shows open transactions: ListTransactions + DescribeTransactions at each coordinator, against a real
 * (embedded) cluster with a kafkajs transaction left open, then gone once it commits.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { createTopicsAndWait } from '../../src/clients/topics.js';
import { buildClusterStatus } from '../../src/cluster/admin-status.js';
import { renderStatus } from '../../src/cli/status-view.js';
import { startTestCluster, type TestCluster } from '../helpers/embedded.js';

let t: TestCluster;
beforeAll(async () => {
  t = await startTestCluster({ brokers: 3 });
  const admin = t.kafka().admin();
  await admin.connect();
  await createTopicsAndWait(admin, [{ topic: 'orders', numPartitions: 2, replicationFactor: 3 }]);
  await admin.disconnect();
});
afterAll(async () => t?.destroy());

const status = () =>
  buildClusterStatus({
    backend: 'embedded',
    profile: 'multi',
    bootstrapServers: t.cluster.bootstrapServers,
    brokers: t.cluster.brokers().map((b) => ({ id: b.id, host: b.host, port: b.port, up: b.up })),
    controller: t.cluster.controllerId(),
  });

it('lists an open transaction with its coordinator, producer, age and partitions, and drops it once committed', async () => {
  const producer = t.kafka().producer({ transactionalId: 'status-tx', idempotent: true, maxInFlightRequests: 1 });
  await producer.connect();
  const txn = await producer.transaction();
  await txn.send({ topic: 'orders', messages: [{ value: 'a', partition: 1 }] });

  const open = await status();
  expect(open.unread).toBeUndefined();
  expect(open.transactions).toEqual([expect.objectContaining({ transactionalId: 'status-tx', state: 'Ongoing', timeoutMs: 60_000, partitions: [{ topic: 'orders', partitions: [1] }] })]);
  expect(open.transactions![0]!.openForMs).toBeGreaterThanOrEqual(0);
  const text = renderStatus(open);
  expect(text).toMatch(/status-tx\s+Ongoing/);
  expect(text).toContain('orders[1]');

  await txn.commit();
  await producer.disconnect();
  expect((await status()).transactions).toEqual([]);
  expect(renderStatus(await status())).not.toContain('status-tx');
});
