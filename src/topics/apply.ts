/**
 * Applying a topic set through the kafkajs admin API:
 *   validate the file (with the live broker count) → read what exists → plan → (dry run: stop) → create, add
 *   partitions, alter configs. Running it twice changes nothing the second time.
 */
import kafkajs, { type Admin } from 'kafkajs';
import { UserError } from '../cluster/types.js';
import { createTopicsAndWait } from '../clients/topics.js';
import { type TopicSet, type ValidateOptions, loadTopicSet, parseTopicSet } from './parse.js';
import { type CurrentTopic, type Plan, formatPlan, planTopics } from './plan.js';

// kafkajs is CommonJS and Node's ESM loader does not see ConfigResourceTypes as a named export.
const { ConfigResourceTypes } = kafkajs;

/** The subset of the kafkajs admin we use (tests can pass a fake). */
export type TopicAdmin = Pick<Admin, 'describeCluster' | 'listTopics' | 'fetchTopicMetadata' | 'describeConfigs' | 'createTopics' | 'createPartitions' | 'alterConfigs'>;

/** DescribeConfigs source 1 = DYNAMIC_TOPIC_CONFIG: set on the topic itself. */
const TOPIC_CONFIG_SOURCE = 1;

/**
 * The cluster's default.replication.factor (what CreateTopics with -1 gets), read from a live broker; null when it
 * cannot be read (it is then only shown as "the cluster's default").
 */
export async function readDefaultReplicationFactor(admin: TopicAdmin, brokerId: number): Promise<number | null> {
  try {
    const described = await admin.describeConfigs({
      includeSynonyms: false,
      resources: [{ type: ConfigResourceTypes.BROKER, name: String(brokerId), configNames: ['default.replication.factor'] }],
    });
    const value = described.resources[0]?.configEntries.find((e) => e.configName === 'default.replication.factor')?.configValue;
    const n = Number(value);
    return value !== undefined && value !== null && Number.isInteger(n) && n > 0 ? n : null;
  } catch {
    return null;
  }
}

export async function readCurrentTopics(admin: TopicAdmin, names: string[]): Promise<CurrentTopic[]> {
  const existing = new Set(await admin.listTopics());
  const wanted = names.filter((n) => existing.has(n));
  if (wanted.length === 0) return [];
  const { topics } = await admin.fetchTopicMetadata({ topics: wanted });
  const described = await admin.describeConfigs({
    includeSynonyms: false,
    resources: wanted.map((name) => ({ type: ConfigResourceTypes.TOPIC, name })),
  });
  const configs = new Map<string, Record<string, string>>();
  for (const r of described.resources) {
    const own: Record<string, string> = {};
    for (const entry of r.configEntries) {
      const source = (entry as { configSource?: number }).configSource;
      const isTopicLevel = source === undefined ? !entry.isDefault : source === TOPIC_CONFIG_SOURCE;
      if (isTopicLevel && entry.configValue !== null && !entry.isSensitive) own[entry.configName] = entry.configValue;
    }
    configs.set(r.resourceName, own);
  }
  return topics.map((t) => ({
    name: t.name,
    partitions: t.partitions.length,
    replicationFactor: Math.max(0, ...t.partitions.map((p) => p.replicas.length)),
    configs: configs.get(t.name) ?? {},
  }));
}

export interface ApplyResult {
  set: TopicSet;
  plan: Plan;
  applied: boolean;
  lines: string[];
}

export interface ApplyOptions {
  dryRun?: boolean;
  /** progress lines while applying */
  log?: (line: string) => void;
}

export async function applyTopicSet(admin: TopicAdmin, file: string, source: string | null, options: ApplyOptions = {}): Promise<ApplyResult> {
  const cluster = await admin.describeCluster();
  const validate: ValidateOptions = { brokerCount: cluster.brokers.length };
  const read = (options: ValidateOptions) => (source === null ? loadTopicSet(file, options) : parseTopicSet(source, file, options));
  let set = read(validate);
  // Topics without a replication factor get the cluster's default, as Kafka gives -1: read it to show it, and check
  // min.insync.replicas against it.
  let defaultRf: number | null = null;
  if (set.topics.some((t) => t.replicationFactor === null) && cluster.brokers[0]) {
    defaultRf = await readDefaultReplicationFactor(admin, cluster.brokers[0].nodeId);
    if (defaultRf !== null) set = read({ ...validate, defaultReplicationFactor: defaultRf });
  }
  const current = await readCurrentTopics(
    admin,
    set.topics.map((t) => t.name),
  );
  const plan = planTopics(set.topics, current, defaultRf);
  const lines = formatPlan(plan);
  if (plan.blocked) {
    const blocked = plan.entries.filter((e) => e.action === 'blocked');
    throw new UserError(
      `nothing applied: ${blocked.length === 1 ? 'one change' : `${blocked.length} changes`} in ${file} cannot be made in place:\n${lines.filter((l) => l.startsWith('✗')).map((l) => '  ' + l).join('\n')}`,
    );
  }
  if (options.dryRun || !plan.changes) return { set, plan, applied: false, lines };

  const creates = plan.entries.filter((e) => e.action === 'create');
  if (creates.length > 0) {
    options.log?.(`creating ${creates.map((e) => e.topic).join(', ')}`);
    await createTopicsAndWait(
      admin,
      creates.map((e) => ({
        topic: e.topic,
        numPartitions: e.partitions,
        // undefined: kafkajs sends -1, and the controller uses default.replication.factor
        ...(e.replicationFactor !== null ? { replicationFactor: e.replicationFactor } : {}),
        configEntries: Object.entries(e.configs).map(([name, value]) => ({ name, value })),
      })),
    );
  }
  const grows = plan.entries.filter((e) => e.action === 'add-partitions');
  if (grows.length > 0) {
    options.log?.(`adding partitions to ${grows.map((e) => e.topic).join(', ')}`);
    await admin.createPartitions({ topicPartitions: grows.map((e) => ({ topic: e.topic, count: e.to })) });
  }
  const alters = plan.entries.filter((e) => e.action === 'alter-configs');
  if (alters.length > 0) {
    options.log?.(`changing configs of ${alters.map((e) => e.topic).join(', ')}`);
    // kafkajs speaks the old AlterConfigs API, which REPLACES a topic's whole set of overrides: send the ones it
    // has plus ours, or configs the file does not mention would silently fall back to their defaults.
    const byName = new Map(current.map((t) => [t.name, t.configs]));
    await admin.alterConfigs({
      validateOnly: false,
      resources: alters.map((e) => {
        const merged = { ...byName.get(e.topic), ...Object.fromEntries(e.changes.map((c) => [c.key, c.to])) };
        return { type: ConfigResourceTypes.TOPIC, name: e.topic, configEntries: Object.entries(merged).map(([name, value]) => ({ name, value })) };
      }),
    });
  }
  return { set, plan, applied: true, lines };
}
