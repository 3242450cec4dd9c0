/**
 * The kafkajs fix in src/clients/kafkajs-fixes.ts: a consumer stopped while a broker is leaving the cluster (so its
 * fetchers are being rebuilt) stops for good. Without the fix kafkajs 2.2.4 could start fetchers after the stop that
 * spin on the stopped runner, in microtasks only: disconnect() never returned and no timer ran again.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, expect, it } from 'vitest';
import '../../src/clients/kafka.js'; // what loads the fix, as every lab and script does
import { createTopicsAndWait } from '../../src/clients/topics.js';
import { startTestCluster, type TestCluster } from '../helpers/embedded.js';

let t: TestCluster;
beforeAll(async () => {
  t = await startTestCluster({ brokers: 3 });
  const admin = t.kafka().admin();
  await admin.connect();
  await createTopicsAndWait(admin, [{ topic: 'spin', numPartitions: 6, replicationFactor: 3 }]);
  await admin.disconnect();
});
afterAll(async () => t?.destroy());

it('a consumer disconnected right after a broker dies stops, and the event loop keeps turning', async () => {
  for (let round = 0; round < 4; round++) {
    const consumer = t.kafka({ clientId: `spin-${round}` }).consumer({ groupId: `spin-${round}`, maxWaitTimeInMs: 100, heartbeatInterval: 200 });
    await consumer.connect();
    await consumer.subscribe({ topic: 'spin', fromBeginning: true });
    await consumer.run({ eachMessage: async () => undefined });
    await sleep(1500);
    const victim = 1 + (round % 3);
    await t.cluster.killBroker(victim);
    await sleep(20 * round); // a little later each round, to land in the rebuild at different points
    // without the fix this never settles: not even the 15 s timer runs (the loop starves it), so the run hangs
    const stopped = await Promise.race([consumer.disconnect().then(() => true), sleep(15_000).then(() => false)]);
    expect(stopped, `round ${round}: disconnect() returned`).toBe(true);
    await t.cluster.startBroker(victim);
  }
}, 120_000);
