import { execFile, spawnSync } from 'node:child_process';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually } from '../helpers/embedded.js';
import { type KafkaTarget, createTopicsAndWait, on, startTarget, targetSkip } from '../helpers/target.js';

const run = promisify(execFile);
const kcatMissing = spawnSync('kcat', ['-V']).error !== undefined;
if (kcatMissing) console.warn('SKIPPED kcat tests: kcat (librdkafka) is not installed; `apt-get install -y kcat` enables them (.ci/run does)');

/** kcat is built on librdkafka: a client nobody here wrote, with its own idea of the protocol. */
async function kcat(t: KafkaTarget, args: string[], input?: string): Promise<string> {
  const child = run('kcat', ['-b', t.bootstrapServers.join(','), ...args], { timeout: 60_000 });
  if (input !== undefined) {
    child.child.stdin!.end(input);
  }
  const { stdout } = await child;
  return stdout;
}

const skip = kcatMissing ? 'kcat is not installed' : targetSkip('test/broker/kcat.test.ts');

describe.skipIf(skip !== null)(on('kcat (librdkafka) against 3 brokers'), () => {
  let t: KafkaTarget;
  beforeAll(async () => {
    t = await startTarget({ brokers: 3 });
    const admin = t.kafka().admin();
    await admin.connect();
    await createTopicsAndWait(admin, [{ topic: 'kcat', numPartitions: 3, replicationFactor: 3 }]);
    await admin.disconnect();
  }, 180_000);
  afterAll(async () => {
    await t?.destroy();
  }, 120_000);

  it('reads metadata: brokers, topics, leaders, replicas and ISR', async () => {
    const metadata = JSON.parse(await kcat(t, ['-L', '-J']));
    expect(metadata.brokers.map((b: { id: number }) => b.id).sort()).toEqual([1, 2, 3]);
    const topic = metadata.topics.find((x: { topic: string }) => x.topic === 'kcat');
    expect(topic.partitions).toHaveLength(3);
    for (const p of topic.partitions) {
      expect(p.replicas).toHaveLength(3);
      expect(p.isrs).toHaveLength(3);
    }
  });

  it('produces keyed messages and consumes them back, as a simple consumer and as a group', async () => {
    const lines = Array.from({ length: 30 }, (_, i) => `key${i % 6}:value${i}`).join('\n') + '\n';
    await kcat(t, ['-P', '-t', 'kcat', '-K:', '-X', 'enable.idempotence=true'], lines);
    const out = await kcat(t, ['-C', '-t', 'kcat', '-o', 'beginning', '-e', '-J']);
    const messages = out.trim().split('\n').map((l) => JSON.parse(l));
    expect(messages).toHaveLength(30);
    // the same key always lands on the same partition
    const partitionOfKey = new Map<string, number>();
    for (const m of messages) {
      expect(partitionOfKey.get(m.key) ?? m.partition).toBe(m.partition);
      partitionOfKey.set(m.key, m.partition);
    }
    // kafkajs reads what librdkafka wrote
    const consumer = t.kafka().consumer({ groupId: 'kafkajs-reads-kcat' });
    const seen: string[] = [];
    await consumer.connect();
    await consumer.subscribe({ topic: 'kcat', fromBeginning: true });
    await consumer.run({ eachMessage: async ({ message }) => void seen.push(message.value!.toString()) });
    await eventually(() => seen.length === 30);
    await consumer.disconnect();

    const group = await kcat(t, ['-G', 'kcat-group', 'kcat', '-o', 'beginning', '-e', '-J', '-X', 'auto.offset.reset=earliest']);
    const groupMessages = group.trim().split('\n').filter(Boolean).map((l) => JSON.parse(l));
    expect(groupMessages).toHaveLength(30);
    const admin = t.kafka().admin();
    await admin.connect();
    const committed = await eventually(async () => {
      const offsets = await admin.fetchOffsets({ groupId: 'kcat-group', topics: ['kcat'] });
      const total = offsets[0]!.partitions.reduce((n, p) => n + Math.max(0, Number(p.offset)), 0);
      return total === 30 ? offsets : null;
    });
    expect(committed).toBeTruthy();
    await admin.disconnect();
  });

  it('keeps producing through a leader kill (librdkafka failover)', { timeout: 120_000 }, async () => {
    const admin = t.kafka().admin();
    await admin.connect();
    await createTopicsAndWait(admin, [{ topic: 'kcat-failover', numPartitions: 1, replicationFactor: 3, configEntries: [{ name: 'min.insync.replicas', value: '2' }] }]);
    const { topics } = await admin.fetchTopicMetadata({ topics: ['kcat-failover'] });
    const leader = topics[0]!.partitions[0]!.leader;
    await kcat(t, ['-P', '-t', 'kcat-failover', '-X', 'enable.idempotence=true'], 'before-1\nbefore-2\n');
    await t.cluster.killBroker(leader);
    await kcat(t, ['-P', '-t', 'kcat-failover', '-X', 'enable.idempotence=true', '-X', 'message.timeout.ms=20000'], 'after-1\nafter-2\n');
    const out = await kcat(t, ['-C', '-t', 'kcat-failover', '-o', 'beginning', '-e', '-J']);
    const values = out.trim().split('\n').map((l) => JSON.parse(l).payload);
    expect(values).toEqual(['before-1', 'before-2', 'after-1', 'after-2']);
    await t.cluster.startBroker(leader);
    await eventually(async () => {
      const m = await admin.fetchTopicMetadata({ topics: ['kcat-failover'] });
      return m.topics[0]!.partitions[0]!.isr.length === 3;
    }, 60_000);
    await admin.disconnect();
  });
});
