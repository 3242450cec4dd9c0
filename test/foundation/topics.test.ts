import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  type CurrentTopic,
  type TopicAdmin,
  TopicSetError,
  applyTopicSet,
  formatPlan,
  parseTopicSet,
  planTopics,
  topicNameProblem,
} from '../../src/topics/index.js';

const root = join(import.meta.dirname, '..', '..');
const fixture = (name: string) => `test/foundation/fixtures/${name}.yaml`;

function problems(file: string, brokerCount = 3): string[] {
  try {
    parseTopicSet(readFileSync(join(root, file), 'utf8'), file, { brokerCount });
  } catch (error) {
    expect(error).toBeInstanceOf(TopicSetError);
    return (error as TopicSetError).problems.map((p) => `${p.file}:${p.line}:${p.col}: ${p.message}`);
  }
  throw new Error(`${file} validated, but should not have`);
}

describe('topic set validation', () => {
  it('accepts the course topic set and fills in defaults', () => {
    const set = parseTopicSet(readFileSync(join(root, 'topics/course.yaml'), 'utf8'), 'topics/course.yaml', { brokerCount: 3 });
    expect(set.topics.map((t) => [t.name, t.partitions, t.replicationFactor])).toEqual([
      ['orders', 6, 3],
      ['payments', 3, 3],
      ['customers', 3, 3],
      ['orders.dlq', 1, 3],
    ]);
    expect(set.topics[0]!.configs).toEqual({ 'min.insync.replicas': '2', 'retention.ms': '604800000' });
    expect(set.topics[2]!.configs['cleanup.policy']).toBe('compact');
  });

  it('accepts the single-broker topic set on one broker', () => {
    const set = parseTopicSet(readFileSync(join(root, 'topics/single.yaml'), 'utf8'), 'topics/single.yaml', { brokerCount: 1 });
    expect(set.topics.every((t) => t.replicationFactor === 1)).toBe(true);
  });

  it('reports unknown keys, bad types and bad config values with line:col, all at once', () => {
    expect(problems(fixture('bad-keys'))).toEqual([
      'test/foundation/fixtures/bad-keys.yaml:3:5: unknown key "partitons" in a topic (did you mean "partitions"?)',
      'test/foundation/fixtures/bad-keys.yaml:6:24: replicationFactor must be a whole number, not the text "two"',
      'test/foundation/fixtures/bad-keys.yaml:8:7: unknown topic config "retention.msec" (did you mean "retention.ms"?)',
      'test/foundation/fixtures/bad-keys.yaml:9:23: config "cleanup.policy" must be delete, compact or "compact,delete", not the text "shred"',
    ]);
  });

  it('reports invalid, duplicate, missing and reserved names', () => {
    expect(problems(fixture('bad-names'))).toEqual([
      'test/foundation/fixtures/bad-names.yaml:3:11: topic name "bad name!" contains " ": use only letters, digits, ".", "_" and "-"',
      'test/foundation/fixtures/bad-names.yaml:4:11: topic "orders" is already defined at line 2',
      'test/foundation/fixtures/bad-names.yaml:5:5: this topic has no "name:"',
      'test/foundation/fixtures/bad-names.yaml:6:11: "__internal" starts with "__", which Kafka reserves for internal topics',
    ]);
  });

  it('reports YAML errors (a duplicate key) with their position', () => {
    expect(problems(fixture('bad-syntax'))).toEqual(['test/foundation/fixtures/bad-syntax.yaml:4:5: YAML: this key appears twice in the same mapping']);
  });

  it('checks replication factor against the brokers, and min.insync.replicas against RF', () => {
    expect(problems(fixture('bad-rf'), 3)).toEqual([
      'test/foundation/fixtures/bad-rf.yaml:6:28: min.insync.replicas 4 is more than replicationFactor 3: every acks=all write would fail',
    ]);
    expect(problems(fixture('bad-rf'), 1)).toEqual([
      'test/foundation/fixtures/bad-rf.yaml:4:24: replicationFactor 3 is more than the 1 broker(s) in the cluster',
      'test/foundation/fixtures/bad-rf.yaml:6:28: min.insync.replicas 4 is more than replicationFactor 3: every acks=all write would fail',
    ]);
  });

  it('rejects a file that is not a topic set', () => {
    expect(() => parseTopicSet('- a\n- b\n', 'x.yaml')).toThrow('x.yaml:1:1: a topic set is a mapping with a "topics:" list, not a list');
    expect(() => parseTopicSet('topic:\n  - name: a\n', 'x.yaml')).toThrow(/x\.yaml:1:1: unknown key "topic" in the topic set \(did you mean "topics"\?\)/);
    expect(() => parseTopicSet('topics: orders\n', 'x.yaml')).toThrow('x.yaml:1:9: "topics" must be a list (items start with "- "), not the text "orders"');
  });

  it("follows Kafka's topic name rules", () => {
    expect(topicNameProblem('orders.v1-x_2')).toBeNull();
    expect(topicNameProblem('..')).toMatch(/not a valid topic name/);
    expect(topicNameProblem('a'.repeat(250))).toMatch(/249/);
    expect(() => parseTopicSet('topics:\n  - name: a.b\n  - name: a_b\n', 'x.yaml')).toThrow(/x\.yaml:3:11: topic "a_b" collides with "a\.b"/);
  });
});

const spec = (name: string, partitions: number, replicationFactor: number, configs: Record<string, string> = {}) => ({
  name,
  partitions,
  replicationFactor,
  configs,
  line: 1,
  col: 1,
});

describe('apply plan', () => {
  const current: CurrentTopic[] = [
    { name: 'orders', partitions: 3, replicationFactor: 3, configs: { 'retention.ms': '1000', 'segment.ms': '60000' } },
    { name: 'payments', partitions: 3, replicationFactor: 3, configs: {} },
  ];

  it('creates what is missing, adds partitions, alters configs, leaves the rest', () => {
    const plan = planTopics(
      [spec('orders', 6, 3, { 'retention.ms': '2000' }), spec('payments', 3, 3), spec('customers', 3, 3, { 'cleanup.policy': 'compact' })],
      current,
    );
    expect(plan.entries).toEqual([
      { action: 'add-partitions', topic: 'orders', from: 3, to: 6 },
      { action: 'alter-configs', topic: 'orders', changes: [{ key: 'retention.ms', from: '1000', to: '2000' }] },
      { action: 'unchanged', topic: 'payments' },
      { action: 'create', topic: 'customers', partitions: 3, replicationFactor: 3, configs: { 'cleanup.policy': 'compact' } },
    ]);
    expect(plan.changes).toBe(true);
    expect(plan.blocked).toBe(false);
    expect(formatPlan(plan)).toEqual([
      '~ orders: partitions 3 → 6',
      '~ orders: retention.ms 1000 → 2000',
      '= payments: up to date',
      '+ create customers (3 partitions, RF 3) cleanup.policy=compact',
    ]);
  });

  it('is empty when the cluster already matches (idempotent)', () => {
    const plan = planTopics([spec('orders', 3, 3, { 'retention.ms': '1000' }), spec('payments', 3, 3)], current);
    expect(plan.changes).toBe(false);
    expect(plan.entries.every((e) => e.action === 'unchanged')).toBe(true);
  });

  it('blocks fewer partitions and a different replication factor', () => {
    const plan = planTopics([spec('orders', 2, 1)], current);
    expect(plan.blocked).toBe(true);
    expect(plan.entries.map((e) => e.action)).toEqual(['blocked', 'blocked']);
    expect(formatPlan(plan)[0]).toMatch(/^✗ orders: cannot apply: replication factor is 3, the file says 1/);
    expect(formatPlan(plan)[1]).toMatch(/Kafka cannot remove partitions/);
  });
});

/** An in-memory stand-in for the few admin calls apply uses: it records calls, it is not a Kafka. */
function fakeAdmin(topics: CurrentTopic[], brokers = 3) {
  const calls: Array<[string, unknown]> = [];
  const state = new Map(topics.map((t) => [t.name, structuredClone(t)]));
  const admin = {
    describeCluster: async () => ({ brokers: Array.from({ length: brokers }, (_, i) => ({ nodeId: i + 1, host: '127.0.0.1', port: 9092 + i })), controller: 1, clusterId: 'x' }),
    listTopics: async () => [...state.keys()],
    fetchTopicMetadata: async ({ topics: names }: { topics: string[] }) => ({
      topics: names.map((n) => ({
        name: n,
        partitions: Array.from({ length: state.get(n)!.partitions }, (_, p) => ({ partitionId: p, leader: 1, replicas: Array.from({ length: state.get(n)!.replicationFactor }, (_, i) => i + 1), isr: [] })),
      })),
    }),
    describeConfigs: async ({ resources }: { resources: Array<{ name: string }> }) => ({
      resources: resources.map((r) => ({
        resourceName: r.name,
        configEntries: Object.entries(state.get(r.name)!.configs).map(([configName, configValue]) => ({ configName, configValue, isDefault: false, configSource: 1, isSensitive: false })),
      })),
    }),
    createTopics: async (arg: { topics: Array<{ topic: string; numPartitions: number; replicationFactor: number; configEntries: Array<{ name: string; value: string }> }> }) => {
      calls.push(['createTopics', arg]);
      for (const t of arg.topics) state.set(t.topic, { name: t.topic, partitions: t.numPartitions, replicationFactor: t.replicationFactor, configs: Object.fromEntries(t.configEntries.map((e) => [e.name, e.value])) });
      return true;
    },
    createPartitions: async (arg: { topicPartitions: Array<{ topic: string; count: number }> }) => {
      calls.push(['createPartitions', arg]);
      for (const t of arg.topicPartitions) state.get(t.topic)!.partitions = t.count;
      return true;
    },
    alterConfigs: async (arg: { resources: Array<{ name: string; configEntries: Array<{ name: string; value: string }> }> }) => {
      calls.push(['alterConfigs', arg]);
      for (const r of arg.resources) state.get(r.name)!.configs = Object.fromEntries(r.configEntries.map((e) => [e.name, e.value]));
    },
  };
  return { admin: admin as unknown as TopicAdmin, calls, state };
}

describe('applyTopicSet', () => {
  const file = 'set.yaml';
  const yaml = `topics:
  - name: orders
    partitions: 4
    replicationFactor: 3
    configs:
      retention.ms: 2000
  - name: audit
    replicationFactor: 3
`;

  it('applies once, then has nothing to do; alterConfigs keeps overrides the file does not mention', async () => {
    const { admin, calls, state } = fakeAdmin([{ name: 'orders', partitions: 3, replicationFactor: 3, configs: { 'retention.ms': '1000', 'segment.ms': '60000' } }]);
    const first = await applyTopicSet(admin, file, yaml);
    expect(first.applied).toBe(true);
    expect(calls.map((c) => c[0])).toEqual(['createTopics', 'createPartitions', 'alterConfigs']);
    expect(state.get('orders')!.configs).toEqual({ 'retention.ms': '2000', 'segment.ms': '60000' });
    expect(state.get('audit')).toMatchObject({ partitions: 1, replicationFactor: 3 });

    calls.length = 0;
    const second = await applyTopicSet(admin, file, yaml);
    expect(second.applied).toBe(false);
    expect(second.plan.changes).toBe(false);
    expect(calls).toEqual([]);
  });

  it('--dry-run plans without touching anything', async () => {
    const { admin, calls } = fakeAdmin([]);
    const result = await applyTopicSet(admin, file, yaml, { dryRun: true });
    expect(result.lines).toEqual(['+ create orders (4 partitions, RF 3) retention.ms=2000', '+ create audit (1 partition, RF 3)']);
    expect(calls).toEqual([]);
  });

  it('changes nothing at all when one entry cannot be applied', async () => {
    const { admin, calls } = fakeAdmin([{ name: 'orders', partitions: 8, replicationFactor: 3, configs: {} }]);
    await expect(applyTopicSet(admin, file, yaml)).rejects.toThrow(/nothing applied: one change in set\.yaml cannot be made in place/);
    expect(calls).toEqual([]);
  });

  it('validates against the live broker count before reading topics', async () => {
    const { admin, calls } = fakeAdmin([], 1);
    await expect(applyTopicSet(admin, file, yaml)).rejects.toThrow(/set\.yaml:4:24: replicationFactor 3 is more than the 1 broker\(s\)/);
    expect(calls).toEqual([]);
  });
});
