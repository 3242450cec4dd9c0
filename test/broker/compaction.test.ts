/**
 * Log compaction as a consumer sees it, on the embedded cluster and (KAFKA_LAB_TEST_BACKEND=jvm) on Apache Kafka
 * 4.4.0: a topic written with cleanup.policy=delete, then switched to compact; every replica's log shrinks (each
 * broker cleans its own copy, DescribeLogDirs per broker), a consumer from the beginning reads the newest record per
 * key at its original offset (gaps, not renumbering), a tombstone stays until delete.retention.ms after the first
 * cleaning and then goes, and kafkajs, kcat and kafka-python read across the gaps alike. A record without a key is
 * refused on the compacted topic: INVALID_RECORD.
 */
import { execFile, spawnSync } from 'node:child_process';
import { setTimeout as sleep } from 'node:timers/promises';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTopicsAndWait } from '../../src/clients/topics.js';
import { replicaSizesFrom } from '../../src/cluster/kafka-requests.js';
import { kafkaErrorType } from '../../src/clients/kafka.js';
import { eventually } from '../helpers/embedded.js';
import { on, startTarget, targetSkip, type KafkaTarget } from '../helpers/target.js';

const run = promisify(execFile);
const skip = targetSkip('test/broker/compaction.test.ts');
const kcatMissing = spawnSync('kcat', ['-V']).error !== undefined;
const pythonMissing = spawnSync('/usr/bin/python3', ['-c', 'import kafka']).status !== 0;
if (kcatMissing) console.warn('compaction.test.ts: the kcat check is skipped: kcat is not installed (`apt-get install -y kcat`)');
if (pythonMissing) console.warn('compaction.test.ts: the kafka-python check is skipped: `apt-get install -y python3-kafka` enables it');

const TOPIC = 'profiles';
/** Each batch rolls a segment (they are sent 150 ms apart): only the newest batch stays in the active segment. */
const ROLL = { 'segment.ms': '100', 'min.cleanable.dirty.ratio': '0.01', 'delete.retention.ms': '3000' };
const KEYS = ['alice', 'bob', 'carol'];
const ROUNDS = 4;

let t: KafkaTarget;
let addresses: string[];

/** What a kafkajs consumer reading from the beginning gets, as "offset key=value" ("offset key" for a tombstone). */
async function readFromBeginning(): Promise<string[]> {
  const admin = t.kafka().admin();
  await admin.connect();
  const end = Number((await admin.fetchTopicOffsets(TOPIC))[0]!.high);
  await admin.disconnect();
  const consumer = t.kafka().consumer({ groupId: `read-${Date.now()}-${Math.random()}` });
  await consumer.connect();
  await consumer.subscribe({ topic: TOPIC, fromBeginning: true });
  const got: string[] = [];
  let done!: () => void;
  const finished = new Promise<void>((resolve) => (done = resolve));
  await consumer.run({
    eachMessage: async ({ message }) => {
      got.push(line(message.offset, message.key?.toString() ?? null, message.value?.toString() ?? null));
      if (Number(message.offset) >= end - 1) done();
    },
  });
  await Promise.race([finished, sleep(20_000)]);
  await consumer.disconnect();
  return got;
}

const line = (offset: string | number, key: string | null, value: string | null) => `${offset} ${key}${value === null ? '' : `=${value}`}`;

async function send(messages: Array<{ key: string | null; value: string | null }>): Promise<number> {
  const producer = t.kafka().producer();
  await producer.connect();
  let offset = -1;
  try {
    for (const m of messages) {
      const [meta] = await producer.send({ topic: TOPIC, acks: -1, messages: [m] });
      offset = Number(meta!.baseOffset);
      await sleep(150);
    }
  } finally {
    await producer.disconnect();
  }
  return offset;
}

async function sizes(): Promise<number[]> {
  return Promise.all(addresses.map(async (a) => (await replicaSizesFrom(a, TOPIC))[0]?.bytes ?? -1));
}

describe.skipIf(skip !== null)(on('log compaction (3 brokers)'), () => {
  /** Everything the topic got, in order: what an uncompacted log holds. */
  const written: Array<{ offset: number; key: string; value: string | null }> = [];
  let before: number[];

  beforeAll(async () => {
    t = await startTarget({ brokers: 3 });
    addresses = (await t.cluster.brokers()).map((b) => `${b.host}:${b.port}`);
    const admin = t.kafka().admin();
    await admin.connect();
    const configEntries = Object.entries({ 'cleanup.policy': 'delete', ...ROLL }).map(([name, value]) => ({ name, value }));
    await createTopicsAndWait(admin, [{ topic: TOPIC, numPartitions: 1, replicationFactor: 3, configEntries }]);
    await admin.disconnect();
    for (let round = 0; round < ROUNDS; round++) {
      for (const key of KEYS) {
        const value = `${key}-v${round}`;
        written.push({ offset: await send([{ key, value }]), key, value });
      }
    }
    written.push({ offset: await send([{ key: 'bob', value: null }]), key: 'bob', value: null }); // bob leaves
    written.push({ offset: await send([{ key: 'dave', value: 'dave-v0' }]), key: 'dave', value: 'dave-v0' }); // the active segment
    await eventually(async () => (await sizes()).every((s) => s > 0), 30_000);
    before = await sizes();
  }, 180_000);

  afterAll(async () => {
    await t?.destroy();
  });

  it('with cleanup.policy=delete nothing is compacted: a consumer reads every record', async () => {
    expect(await readFromBeginning()).toEqual(written.map((w) => line(w.offset, w.key, w.value)));
  });

  it('refuses a record without a key once the topic is compacted (INVALID_RECORD), and describes the policy', async () => {
    const admin = t.kafka().admin();
    await admin.connect();
    const configEntries = Object.entries({ 'cleanup.policy': 'compact', ...ROLL }).map(([name, value]) => ({ name, value }));
    await admin.alterConfigs({ validateOnly: false, resources: [{ type: 2, name: TOPIC, configEntries }] });
    const described = await admin.describeConfigs({ includeSynonyms: false, resources: [{ type: 2, name: TOPIC, configNames: ['cleanup.policy'] }] });
    await admin.disconnect();
    expect(described.resources[0]!.configEntries.find((e) => e.configName === 'cleanup.policy')?.configValue).toBe('compact');
    const producer = t.kafka().producer({ retry: { retries: 0 } });
    await producer.connect();
    const refused = await producer.send({ topic: TOPIC, messages: [{ key: null, value: 'no key' }] }).then(
      () => 'accepted',
      (error) => kafkaErrorType(error),
    );
    await producer.disconnect();
    expect(refused).toBe('INVALID_RECORD');
  });

  it('every replica shrinks; a consumer from the beginning reads the newest record per key at its own offset', async () => {
    const newest = new Map<string, (typeof written)[number]>();
    for (const w of written.slice(0, -1)) newest.set(w.key, w);
    const expected = [...[...newest.values()].sort((a, b) => a.offset - b.offset), written.at(-1)!].map((w) => line(w.offset, w.key, w.value));
    await eventually(async () => {
      expect(await readFromBeginning()).toEqual(expected);
      return true;
    }, 60_000);
    expect(expected).toContain(line(written.at(-2)!.offset, 'bob', null)); // the tombstone, for now
    await eventually(async () => {
      const after = await sizes();
      expect(after.every((s, i) => s < before[i]! / 2)).toBe(true);
      return true;
    }, 60_000);
  });

  it('kcat and kafka-python read across the gaps too', async () => {
    const expected = await readFromBeginning();
    if (!kcatMissing) {
      const { stdout } = await run('kcat', ['-b', t.bootstrapServers.join(','), '-C', '-t', TOPIC, '-o', 'beginning', '-e', '-q', '-Z', '-f', '%o %k=%s\\n'], {
        timeout: 60_000,
      });
      // kcat prints a tombstone's value as NULL with -Z; "=NULL" stands for it here
      expect(stdout.trim().split('\n').map((l) => l.replace(/=NULL$/, ''))).toEqual(expected);
    }
    if (!pythonMissing) {
      const script = [
        'import sys',
        'from kafka import KafkaConsumer, TopicPartition',
        `c = KafkaConsumer(bootstrap_servers=sys.argv[1].split(','), enable_auto_commit=False, consumer_timeout_ms=10000)`,
        `tp = TopicPartition('${TOPIC}', 0)`,
        'c.assign([tp]); c.seek_to_beginning(tp)',
        'for m in c:',
        "    print(m.offset, m.key.decode() + ('' if m.value is None else '=' + m.value.decode()))",
      ].join('\n');
      const { stdout } = await run('/usr/bin/python3', ['-c', script, t.bootstrapServers.join(',')], { timeout: 60_000 });
      expect(stdout.trim().split('\n')).toEqual(expected);
    }
  });

  it('the tombstone goes once delete.retention.ms has passed and the log is cleaned again', async () => {
    await sleep(3500);
    const last = await send([{ key: 'erin', value: 'erin-v0' }]); // rolls dave's segment: dirty again
    await eventually(async () => {
      const got = await readFromBeginning();
      expect(got.some((l) => l.endsWith(' bob'))).toBe(false);
      expect(got.at(-1)).toBe(line(last, 'erin', 'erin-v0'));
      expect(got.map((l) => l.split(' ')[1]!.split('=')[0])).toEqual(['alice', 'carol', 'dave', 'erin']);
      return true;
    }, 60_000);
  });
});
