/**
 * Admin APIs Kafka's tools and consoles use, checked on whatever test/helpers/target.ts gives (the embedded cluster,
 * or real Kafka through the jvm backend), raw with the kit's codec: IncrementalAlterConfigs (`kafka-configs --alter`,
 * the Java admin client), read back with DescribeConfigs; DescribeLogDirs (`kafka-log-dirs`, a console's log sizes).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ErrorCode } from '../../src/broker/protocol/errors.js';
import { requestOnce } from '../../src/cluster/kafka-requests.js';
import { eventually } from '../helpers/embedded.js';
import { type KafkaTarget, createTopicsAndWait, on, startTarget, targetSkip } from '../helpers/target.js';

const skip = targetSkip('test/broker/admin-apis.test.ts');
let t: KafkaTarget;
beforeAll(async () => {
  if (skip) return;
  t = await startTarget({ brokers: 1 });
  const admin = t.kafka().admin();
  await admin.connect();
  await createTopicsAndWait(admin, [
    { topic: 'iac', numPartitions: 1 },
    { topic: 'dld', numPartitions: 2 },
  ]);
  await admin.disconnect();
}, 180_000);
afterAll(async () => {
  await t?.destroy();
}, 120_000);

const TOPIC = 2;
const [SET, DELETE, APPEND, SUBTRACT] = [0, 1, 2, 3];
const ask = (apiKey: number, version: number, body: unknown) => requestOnce(t.bootstrapServers[0]!, apiKey, version, body, 30_000);

async function alter(name: string, configs: Array<[string, number, string | null]>, version = 0, validateOnly = false) {
  const response = await ask(44, version, {
    resources: [{ resourceType: TOPIC, resourceName: name, configs: configs.map(([n, op, value]) => ({ name: n, configOperation: op, value })) }],
    validateOnly,
  });
  return response.responses[0].errorCode as number;
}

async function overrides(name: string): Promise<Record<string, string>> {
  const response = await ask(32, 1, { resources: [{ resourceType: TOPIC, resourceName: name, configurationKeys: null }], includeSynonyms: false });
  const entries = response.results[0].configs as Array<{ name: string; value: string; configSource: number }>;
  const DYNAMIC_TOPIC_CONFIG = 1;
  return Object.fromEntries(entries.filter((e) => e.configSource === DYNAMIC_TOPIC_CONFIG).map((e) => [e.name, e.value]));
}

/** Kafka's brokers apply a config change when its metadata record reaches them: a moment after the answer. */
async function expectOverrides(name: string, expected: Record<string, string>, exact = true) {
  const matches = (got: Record<string, string>) =>
    exact ? JSON.stringify(Object.entries(got).sort()) === JSON.stringify(Object.entries(expected).sort()) : Object.entries(expected).every(([k, v]) => got[k] === v);
  let last: Record<string, string> = {};
  await eventually(async () => matches((last = await overrides(name))), 15_000, 100).catch(() => undefined);
  if (exact) expect(last).toEqual(expected);
  else expect(last).toMatchObject(expected);
}

describe.skipIf(skip)(on('IncrementalAlterConfigs'), () => {
  it('sets, deletes, appends to and subtracts from topic overrides; refuses what is invalid, all or nothing', async () => {
    expect(await alter('iac', [['retention.ms', SET, '60000'], ['max.message.bytes', SET, '2000']])).toBe(ErrorCode.NONE);
    await expectOverrides('iac', { 'retention.ms': '60000', 'max.message.bytes': '2000' });
    expect(await alter('iac', [['retention.ms', DELETE, null]], 1)).toBe(ErrorCode.NONE);
    await expectOverrides('iac', { 'max.message.bytes': '2000' });
    // APPEND starts from the default when there is no override: delete → delete,compact
    expect(await alter('iac', [['cleanup.policy', APPEND, 'compact']])).toBe(ErrorCode.NONE);
    await expectOverrides('iac', { 'cleanup.policy': 'delete,compact' }, false);
    expect(await alter('iac', [['cleanup.policy', SUBTRACT, 'delete']])).toBe(ErrorCode.NONE);
    await expectOverrides('iac', { 'cleanup.policy': 'compact' }, false);

    const codes = {
      appendToNonList: await alter('iac', [['retention.ms', APPEND, '1']]),
      badValue: await alter('iac', [['retention.ms', SET, 'soon'], ['segment.ms', SET, '1000']]),
      unknownName: await alter('iac', [['no.such.config', SET, '1']]),
      duplicateKeys: await alter('iac', [['retention.ms', SET, '1000'], ['retention.ms', DELETE, null]]),
      unknownTopic: await alter('no-such-topic', [['retention.ms', SET, '1000']]),
      validateOnly: await alter('iac', [['retention.ms', SET, '5000']], 0, true),
    };
    expect(codes).toEqual({
      appendToNonList: ErrorCode.INVALID_CONFIG,
      badValue: ErrorCode.INVALID_CONFIG,
      unknownName: ErrorCode.INVALID_CONFIG,
      duplicateKeys: ErrorCode.INVALID_REQUEST,
      unknownTopic: ErrorCode.UNKNOWN_TOPIC_OR_PARTITION,
      validateOnly: ErrorCode.NONE,
    });
    // nothing of the refused or validate-only requests was applied
    await expectOverrides('iac', { 'max.message.bytes': '2000', 'cleanup.policy': 'compact' });
  });
});

describe.skipIf(skip)(on('DescribeLogDirs'), () => {
  it('lists the broker\'s log dir with each partition\'s size on disk; v4 adds the disk\'s total and usable bytes', async () => {
    const producer = t.kafka().producer();
    await producer.connect();
    await producer.send({ topic: 'dld', messages: Array.from({ length: 20 }, (_, i) => ({ partition: 0, value: `record ${i}` })) });
    await producer.disconnect();
    for (const version of [1, 4]) {
      const response = await ask(35, version, { topics: null });
      expect(response.results).toHaveLength(1);
      const [dir] = response.results;
      expect(dir.errorCode).toBe(ErrorCode.NONE);
      expect(dir.logDir).toMatch(/^\//);
      const dld = dir.topics.find((x: { name: string }) => x.name === 'dld');
      const parts = [...dld.partitions].sort((a: { partitionIndex: number }, b: { partitionIndex: number }) => a.partitionIndex - b.partitionIndex);
      expect(parts.map((p: { partitionIndex: number }) => p.partitionIndex)).toEqual([0, 1]);
      expect(parts[0].partitionSize).toBeGreaterThan(0);
      expect(parts[1].partitionSize).toBe(0);
      expect(parts.every((p: { offsetLag: number; isFutureKey: boolean }) => p.offsetLag === 0 && !p.isFutureKey)).toBe(true);
      if (version >= 4) {
        expect(dir.totalBytes).toBeGreaterThan(0);
        expect(dir.usableBytes).toBeGreaterThan(0);
      }
    }
    const one = await ask(35, 1, { topics: [{ topic: 'dld', partitions: [1] }] });
    expect(one.results[0].topics).toEqual([{ name: 'dld', partitions: [expect.objectContaining({ partitionIndex: 1 })] }]);
  });
});
