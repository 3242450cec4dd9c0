import { execFile, spawnSync } from 'node:child_process';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type KafkaTarget, on, startTarget, targetSkip } from '../helpers/target.js';

const run = promisify(execFile);
const PYTHON = '/usr/bin/python3';
const missing = spawnSync(PYTHON, ['-c', 'import kafka']).status !== 0;
if (missing) console.warn('SKIPPED kafka-python tests: Debian python3-kafka is not installed; `apt-get install -y python3-kafka` enables them (.ci/run does)');

/** kafka-python: a third client with its own protocol code (pure Python), talking to a 3-broker cluster. */
const SCRIPT = `
import json, sys
from kafka import KafkaProducer, KafkaConsumer, KafkaAdminClient
from kafka.admin import NewTopic
servers = sys.argv[1].split(',')
admin = KafkaAdminClient(bootstrap_servers=servers)
admin.create_topics([NewTopic('py', num_partitions=3, replication_factor=3)])
producer = KafkaProducer(bootstrap_servers=servers, acks='all')
for i in range(30):
    producer.send('py', key=b'k%d' % (i % 5), value=b'v%d' % i)
producer.flush()
consumer = KafkaConsumer('py', bootstrap_servers=servers, group_id='py-group', auto_offset_reset='earliest',
                         enable_auto_commit=False, consumer_timeout_ms=4000)
records = [{'key': m.key.decode(), 'value': m.value.decode(), 'partition': m.partition, 'offset': m.offset} for m in consumer]
consumer.commit()
consumer.close()
topics = admin.describe_topics(['py'])
print(json.dumps({'records': records, 'groups': admin.list_consumer_groups(),
                  'partitions': [{'leader': p['leader'], 'replicas': p['replicas'], 'isr': p['isr']} for p in topics[0]['partitions']]}))
`;

const skip = missing ? 'python3-kafka is not installed' : targetSkip('test/broker/kafka-python.test.ts');

describe.skipIf(skip !== null)(on('kafka-python against 3 brokers'), () => {
  let t: KafkaTarget;
  beforeAll(async () => {
    t = await startTarget({ brokers: 3 });
  }, 180_000);
  afterAll(async () => {
    await t?.destroy();
  }, 120_000);

  it('creates a replicated topic, produces with acks=all, consumes as a group and commits', async () => {
    const { stdout } = await run(PYTHON, ['-c', SCRIPT, t.bootstrapServers.join(',')], { timeout: 90_000 });
    const result = JSON.parse(stdout);
    expect(result.records).toHaveLength(30);
    const partitionOfKey = new Map<string, number>();
    for (const r of result.records) {
      expect(partitionOfKey.get(r.key) ?? r.partition).toBe(r.partition);
      partitionOfKey.set(r.key, r.partition);
    }
    expect(result.groups).toEqual([['py-group', 'consumer']]);
    for (const p of result.partitions) {
      expect(p.replicas.sort()).toEqual([1, 2, 3]);
      expect(p.isr.sort()).toEqual([1, 2, 3]);
    }
    // what the Python group committed is what kafkajs sees
    const admin = t.kafka().admin();
    await admin.connect();
    const committed = await admin.fetchOffsets({ groupId: 'py-group', topics: ['py'] });
    expect(committed[0]!.partitions.reduce((n, p) => n + Number(p.offset), 0)).toBe(30);
    await admin.disconnect();
  });
});
