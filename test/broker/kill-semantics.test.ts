/**
 * broker:kill is a SIGKILL, broker:stop a clean shutdown — also on disk. On Kafka 4.4.0 (measured, docs/fidelity.md) a
 * SIGKILLed broker leaves no clean-shutdown marker and checkpoints as old as their last periodic write, and recovers
 * its logs on restart; a stopped one writes them all. The embedded broker's files differ from Kafka's, so this test
 * looks at the embedded cluster's own (the jvm side was measured by hand).
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { eventually, startTestCluster, type TestCluster } from '../helpers/embedded.js';
import { createTopicsAndWait } from '../helpers/target.js';

let t: TestCluster | undefined;
afterEach(async () => {
  await t?.destroy();
  t = undefined;
});

async function writeSix(cluster: TestCluster) {
  const admin = cluster.kafka().admin();
  await admin.connect();
  await createTopicsAndWait(admin, [{ topic: 'k', numPartitions: 1 }]);
  await admin.disconnect();
  const producer = cluster.kafka().producer({ idempotent: true, maxInFlightRequests: 1 });
  await producer.connect();
  for (let i = 0; i < 6; i++) await producer.send({ topic: 'k', acks: -1, messages: [{ value: `m${i}` }] });
  await producer.disconnect();
  return join(cluster.dataDir, 'broker-1', 'k-0');
}

const hwOnDisk = (dir: string) => Number(readFileSync(join(dir, 'hw-checkpoint'), 'utf8').trim());

async function readAll(cluster: TestCluster): Promise<string[]> {
  const consumer = cluster.kafka().consumer({ groupId: `g-${Math.random()}` });
  const seen: string[] = [];
  await consumer.connect();
  await consumer.subscribe({ topic: 'k', fromBeginning: true });
  await consumer.run({ eachMessage: async ({ message }) => void seen.push(message.value!.toString()) });
  await eventually(() => seen.length >= 6, 30_000);
  await consumer.disconnect();
  return seen;
}

describe('killing and stopping an embedded broker, on disk', () => {
  it('a kill leaves the logs unclosed: stale HW checkpoint, no producer snapshot or clean marker; the restart recovers them', async () => {
    t = await startTestCluster({ brokers: 1 });
    const dir = await writeSix(t);
    await t.cluster.killBroker(1);
    expect(existsSync(join(dir, '.clean-shutdown'))).toBe(false);
    expect(existsSync(join(dir, 'producer-snapshot.json'))).toBe(false);
    // The HW checkpoint is written at most every 5 s, as Kafka's replica.high.watermark.checkpoint.interval.ms: six
    // quick writes leave it behind the real high watermark.
    expect(hwOnDisk(dir)).toBeLessThan(6);
    await t.cluster.startBroker(1);
    expect(await readAll(t)).toEqual(['m0', 'm1', 'm2', 'm3', 'm4', 'm5']);
  });

  it('a graceful stop closes them: the last HW, the producer snapshot and the clean marker are written', async () => {
    t = await startTestCluster({ brokers: 1 });
    const dir = await writeSix(t);
    await t.cluster.stopBroker(1);
    expect(existsSync(join(dir, '.clean-shutdown'))).toBe(true);
    expect(existsSync(join(dir, 'producer-snapshot.json'))).toBe(true);
    expect(hwOnDisk(dir)).toBe(6);
    await t.cluster.startBroker(1);
    expect(await readAll(t)).toEqual(['m0', 'm1', 'm2', 'm3', 'm4', 'm5']);
  });
});
