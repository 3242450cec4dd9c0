/**
 * Topic sets in YAML, validated completely before anything touches a cluster. Every problem is reported with
 * file:line:col, all at once.
 *
 *   topics:
 *     - name: orders
 *       partitions: 3
 *       replicationFactor: 3
 *       configs:
 *         min.insync.replicas: 2
 *         retention.ms: 604800000
 *
 * Optional top-level `defaults:` (partitions, replicationFactor, configs) fill what a topic leaves out. A topic with no
 * replicationFactor anywhere gets the cluster's default.replication.factor, as Kafka does for -1 (3 on the multi
 * profile, 1 on the single one).
 */
import { readFileSync } from 'node:fs';
import { LineCounter, type Node, type Pair, type Scalar, type YAMLMap, type YAMLSeq, isMap, isScalar, isSeq, parseDocument } from 'yaml';
import { UserError } from '../cluster/types.js';

export interface TopicSpec {
  name: string;
  partitions: number;
  /** null: the cluster's default.replication.factor (CreateTopics with -1) */
  replicationFactor: number | null;
  configs: Record<string, string>;
  /** where the topic is defined, for messages */
  line: number;
  col: number;
}

export interface TopicSet {
  file: string;
  topics: TopicSpec[];
}

export interface TopicProblem {
  file: string;
  line: number;
  col: number;
  message: string;
}

export function formatProblem(p: TopicProblem): string {
  return `${p.file}:${p.line}:${p.col}: ${p.message}`;
}

export class TopicSetError extends UserError {
  constructor(readonly problems: TopicProblem[]) {
    super(
      problems.length === 1
        ? formatProblem(problems[0]!)
        : `${problems.length} problems in ${problems[0]!.file}:\n${problems.map((p) => '  ' + formatProblem(p)).join('\n')}`,
    );
    this.name = 'TopicSetError';
  }
}

export const DEFAULT_PARTITIONS = 1;
/** No replication factor in the file: the cluster's default.replication.factor decides. */
export const DEFAULT_REPLICATION_FACTOR = null;

/** Topic-level configs Kafka accepts (kafka.apache.org/documentation/#topicconfigs), and how to check a value. */
type Check = 'int' | 'long' | 'bool' | 'ratio' | { oneOf: string[] } | 'cleanup' | 'string';
export const TOPIC_CONFIGS: Record<string, Check> = {
  'cleanup.policy': 'cleanup',
  'compression.type': { oneOf: ['uncompressed', 'zstd', 'lz4', 'snappy', 'gzip', 'producer'] },
  'compression.gzip.level': 'int',
  'compression.lz4.level': 'int',
  'compression.zstd.level': 'int',
  'delete.retention.ms': 'long',
  'file.delete.delay.ms': 'long',
  'flush.messages': 'long',
  'flush.ms': 'long',
  'follower.replication.throttled.replicas': 'string',
  'index.interval.bytes': 'int',
  'leader.replication.throttled.replicas': 'string',
  'local.retention.bytes': 'long',
  'local.retention.ms': 'long',
  'max.compaction.lag.ms': 'long',
  'max.message.bytes': 'int',
  'message.timestamp.after.max.ms': 'long',
  'message.timestamp.before.max.ms': 'long',
  'message.timestamp.type': { oneOf: ['CreateTime', 'LogAppendTime'] },
  'min.cleanable.dirty.ratio': 'ratio',
  'min.compaction.lag.ms': 'long',
  'min.insync.replicas': 'int',
  preallocate: 'bool',
  'remote.storage.enable': 'bool',
  'retention.bytes': 'long',
  'retention.ms': 'long',
  'segment.bytes': 'int',
  'segment.index.bytes': 'int',
  'segment.jitter.ms': 'long',
  'segment.ms': 'long',
  'unclean.leader.election.enable': 'bool',
};

const TOPIC_KEYS = ['name', 'partitions', 'replicationFactor', 'configs'] as const;
const DEFAULT_KEYS = ['partitions', 'replicationFactor', 'configs'] as const;
const ROOT_KEYS = ['topics', 'defaults'] as const;
const MAX_PARTITIONS = 1000;

function distance(a: string, b: string): number {
  const d = Array.from({ length: a.length + 1 }, (_, i) => [i, ...Array<number>(b.length).fill(0)]);
  for (let j = 1; j <= b.length; j++) d[0]![j] = j;
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      d[i]![j] = Math.min(d[i - 1]![j]! + 1, d[i]![j - 1]! + 1, d[i - 1]![j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1));
    }
  }
  return d[a.length]![b.length]!;
}

/** ' (did you mean "x"?)' when a known word is close enough. */
export function suggest(word: string, known: readonly string[]): string {
  const norm = (s: string) => s.toLowerCase().replace(/[-_.]/g, '');
  let best: string | null = null;
  let bestScore = Infinity;
  for (const k of known) {
    const score = norm(k) === norm(word) ? 0 : distance(word.toLowerCase(), k.toLowerCase());
    if (score < bestScore) {
      best = k;
      bestScore = score;
    }
  }
  return best !== null && bestScore <= Math.max(2, Math.floor(word.length / 4)) ? ` (did you mean "${best}"?)` : '';
}

/** Kafka's own rule (Topic.validate): 1-249 of [a-zA-Z0-9._-], not "." or "..". */
export function topicNameProblem(name: string): string | null {
  if (name.length === 0) return 'a topic name cannot be empty';
  if (name === '.' || name === '..') return `"${name}" is not a valid topic name`;
  if (name.length > 249) return `topic name is ${name.length} characters long; Kafka allows 249`;
  const bad = /[^a-zA-Z0-9._-]/.exec(name);
  if (bad) return `topic name "${name}" contains "${bad[0]}": use only letters, digits, ".", "_" and "-"`;
  if (name.startsWith('__')) return `"${name}" starts with "__", which Kafka reserves for internal topics`;
  return null;
}

interface Ctx {
  file: string;
  lc: LineCounter;
  problems: TopicProblem[];
}

function at(ctx: Ctx, node: Node | null | undefined, message: string, fallbackOffset = 0): void {
  const offset = node?.range?.[0] ?? fallbackOffset;
  const pos = ctx.lc.linePos(offset);
  ctx.problems.push({ file: ctx.file, line: pos.line, col: pos.col, message });
}

function describeNode(node: unknown): string {
  if (isMap(node)) return 'a mapping';
  if (isSeq(node)) return 'a list';
  if (isScalar(node)) {
    const v = node.value;
    if (v === null) return 'empty';
    if (typeof v === 'string') return `the text "${v}"`;
    return `${typeof v} ${String(v)}`;
  }
  return 'nothing';
}

function keyName(pair: Pair): string {
  return isScalar(pair.key) ? String(pair.key.value) : String(pair.key);
}

function checkKeys(ctx: Ctx, map: YAMLMap, known: readonly string[], where: string): void {
  for (const pair of map.items) {
    const key = keyName(pair);
    if (!known.includes(key)) at(ctx, pair.key as Node, `unknown key "${key}" in ${where}${suggest(key, known)}`);
  }
}

function positiveInt(ctx: Ctx, node: unknown, label: string, max: number): number | undefined {
  if (!isScalar(node) || typeof node.value !== 'number' || !Number.isInteger(node.value)) {
    at(ctx, node as Node, `${label} must be a whole number, not ${describeNode(node)}`);
    return undefined;
  }
  if (node.value < 1 || node.value > max) {
    at(ctx, node, `${label} must be between 1 and ${max}, not ${node.value}`);
    return undefined;
  }
  return node.value;
}

function configValue(ctx: Ctx, key: string, node: unknown): string | undefined {
  if (!isScalar(node) || node.value === null || typeof node.value === 'object') {
    at(ctx, node as Node, `config "${key}" needs a single value, not ${describeNode(node)}`);
    return undefined;
  }
  const raw = node.value as string | number | boolean;
  const text = String(raw);
  const check = TOPIC_CONFIGS[key];
  const fail = (what: string) => {
    at(ctx, node, `config "${key}" must be ${what}, not ${describeNode(node)}`);
    return undefined;
  };
  if (check === 'int' || check === 'long') {
    if (!/^-?\d+$/.test(text)) return fail('a whole number');
    if (check === 'int' && Math.abs(Number(text)) > 2 ** 31 - 1) return fail('a 32-bit whole number');
  } else if (check === 'bool') {
    if (text !== 'true' && text !== 'false') return fail('true or false');
  } else if (check === 'ratio') {
    const n = Number(text);
    if (!Number.isFinite(n) || n < 0 || n > 1) return fail('a number between 0 and 1');
  } else if (check === 'cleanup') {
    const parts = text.split(',').map((s) => s.trim());
    if (parts.length === 0 || parts.some((p) => p !== 'delete' && p !== 'compact')) return fail('delete, compact or "compact,delete"');
    return [...new Set(parts)].sort().join(',');
  } else if (check && typeof check === 'object') {
    if (!check.oneOf.includes(text)) return fail(`one of ${check.oneOf.join(', ')}`);
  }
  return text;
}

function readConfigs(ctx: Ctx, node: unknown, where: string): { values: Record<string, string>; nodes: Record<string, Node> } {
  const values: Record<string, string> = {};
  const nodes: Record<string, Node> = {};
  if (node === undefined || (isScalar(node) && node.value === null)) return { values, nodes };
  if (!isMap(node)) {
    at(ctx, node as Node, `configs of ${where} must be a mapping of config names to values, not ${describeNode(node)}`);
    return { values, nodes };
  }
  for (const pair of node.items) {
    const key = keyName(pair);
    if (!(key in TOPIC_CONFIGS)) {
      at(ctx, pair.key as Node, `unknown topic config "${key}"${suggest(key, Object.keys(TOPIC_CONFIGS))}`);
      continue;
    }
    const value = configValue(ctx, key, pair.value);
    if (value !== undefined) {
      values[key] = value;
      nodes[key] = pair.value as Node;
    }
  }
  return { values, nodes };
}

export interface ValidateOptions {
  /** brokers in the target cluster: replicationFactor and min.insync.replicas may not exceed it */
  brokerCount?: number;
  /** the cluster's default.replication.factor, when known: min.insync.replicas is checked against it */
  defaultReplicationFactor?: number;
}

/** Parse and validate a topic set; throws TopicSetError listing every problem. */
export function parseTopicSet(source: string, file: string, options: ValidateOptions = {}): TopicSet {
  const lc = new LineCounter();
  const doc = parseDocument(source, { lineCounter: lc, prettyErrors: false, uniqueKeys: true });
  const ctx: Ctx = { file, lc, problems: [] };
  for (const error of doc.errors) {
    const pos = lc.linePos(error.pos[0]);
    const message = error.code === 'DUPLICATE_KEY' ? 'this key appears twice in the same mapping' : error.message.split('\n')[0]!.replace(/ at line \d+, column \d+:?$/, '');
    ctx.problems.push({ file, line: pos.line, col: pos.col, message: `YAML: ${message}` });
  }
  if (ctx.problems.length > 0) throw new TopicSetError(ctx.problems);

  const root = doc.contents;
  if (!isMap(root)) {
    at(ctx, root as Node, `a topic set is a mapping with a "topics:" list, not ${describeNode(root)}`);
    throw new TopicSetError(ctx.problems);
  }
  checkKeys(ctx, root, ROOT_KEYS, 'the topic set');

  let defaults: { partitions: number; replicationFactor: number | null; configs: Record<string, string> } = {
    partitions: DEFAULT_PARTITIONS,
    replicationFactor: DEFAULT_REPLICATION_FACTOR,
    configs: {},
  };
  const defaultsNode = root.get('defaults', true);
  if (defaultsNode !== undefined) {
    if (!isMap(defaultsNode)) at(ctx, defaultsNode as Node, `defaults must be a mapping, not ${describeNode(defaultsNode)}`);
    else {
      checkKeys(ctx, defaultsNode, DEFAULT_KEYS, 'defaults');
      const p = defaultsNode.get('partitions', true);
      const r = defaultsNode.get('replicationFactor', true);
      defaults = {
        partitions: p === undefined ? DEFAULT_PARTITIONS : (positiveInt(ctx, p, 'defaults.partitions', MAX_PARTITIONS) ?? DEFAULT_PARTITIONS),
        replicationFactor:
          r === undefined ? DEFAULT_REPLICATION_FACTOR : (positiveInt(ctx, r, 'defaults.replicationFactor', 32) ?? DEFAULT_REPLICATION_FACTOR),
        configs: readConfigs(ctx, defaultsNode.get('configs', true), 'defaults').values,
      };
      if (r !== undefined && options.brokerCount !== undefined && defaults.replicationFactor !== null && defaults.replicationFactor > options.brokerCount) {
        at(ctx, r as Node, `defaults.replicationFactor ${defaults.replicationFactor} is more than the ${options.brokerCount} broker(s) in the cluster`);
      }
    }
  }

  const topicsNode = root.get('topics', true);
  const topics: TopicSpec[] = [];
  if (topicsNode === undefined) {
    at(ctx, root, 'missing "topics:" (a list of topics)');
  } else if (!isSeq(topicsNode)) {
    at(ctx, topicsNode as Node, `"topics" must be a list (items start with "- "), not ${describeNode(topicsNode)}`);
  } else {
    const seen = new Map<string, { line: number; col: number }>();
    const collide = new Map<string, string>();
    for (const item of (topicsNode as YAMLSeq).items) {
      if (!isMap(item)) {
        at(ctx, item as Node, `each topic must be a mapping with at least "name:", not ${describeNode(item)}`);
        continue;
      }
      checkKeys(ctx, item, TOPIC_KEYS, 'a topic');
      const pos = lc.linePos(item.range?.[0] ?? 0);
      const nameNode = item.get('name', true);
      let name: string | undefined;
      if (nameNode === undefined) at(ctx, item, 'this topic has no "name:"');
      else if (!isScalar(nameNode) || (typeof nameNode.value !== 'string' && typeof nameNode.value !== 'number')) {
        at(ctx, nameNode as Node, `name must be text, not ${describeNode(nameNode)}`);
      } else {
        name = String((nameNode as Scalar).value);
        const problem = topicNameProblem(name);
        if (problem) {
          at(ctx, nameNode as Node, problem);
          name = undefined;
        } else {
          const npos = lc.linePos((nameNode as Node).range?.[0] ?? 0);
          const first = seen.get(name);
          if (first) at(ctx, nameNode as Node, `topic "${name}" is already defined at line ${first.line}`);
          else seen.set(name, npos);
          // Kafka refuses names that differ only in "." vs "_": they collide in metric names.
          const metric = name.replace(/\./g, '_');
          const other = collide.get(metric);
          if (other && other !== name) at(ctx, nameNode as Node, `topic "${name}" collides with "${other}" ("." and "_" are the same in Kafka's metric names)`);
          else collide.set(metric, name);
        }
      }
      const pNode = item.get('partitions', true);
      const rNode = item.get('replicationFactor', true);
      const partitions = pNode === undefined ? defaults.partitions : positiveInt(ctx, pNode, 'partitions', MAX_PARTITIONS);
      const replicationFactor = rNode === undefined ? defaults.replicationFactor : positiveInt(ctx, rNode, 'replicationFactor', 32);
      const own = readConfigs(ctx, item.get('configs', true), name ? `"${name}"` : 'this topic');
      const configs = { ...defaults.configs, ...own.values };
      if (replicationFactor !== undefined && replicationFactor !== null && options.brokerCount !== undefined && replicationFactor > options.brokerCount) {
        at(ctx, (rNode as Node) ?? item, `replicationFactor ${replicationFactor} is more than the ${options.brokerCount} broker(s) in the cluster`);
      }
      const minIsr = configs['min.insync.replicas'];
      const effectiveRf = replicationFactor === null ? options.defaultReplicationFactor : replicationFactor;
      if (minIsr !== undefined && effectiveRf !== undefined && Number(minIsr) > effectiveRf) {
        at(
          ctx,
          own.nodes['min.insync.replicas'] ?? (rNode as Node) ?? item,
          replicationFactor === null
            ? `min.insync.replicas ${minIsr} is more than the cluster's default replication factor ${effectiveRf} (no replicationFactor given): every acks=all write would fail`
            : `min.insync.replicas ${minIsr} is more than replicationFactor ${replicationFactor}: every acks=all write would fail`,
        );
      }
      if (name !== undefined && partitions !== undefined && replicationFactor !== undefined) {
        topics.push({ name, partitions, replicationFactor, configs, line: pos.line, col: pos.col });
      }
    }
  }
  if (ctx.problems.length > 0) {
    ctx.problems.sort((a, b) => a.line - b.line || a.col - b.col);
    throw new TopicSetError(ctx.problems);
  }
  return { file, topics };
}

export function loadTopicSet(file: string, options: ValidateOptions = {}): TopicSet {
  let source: string;
  try {
    source = readFileSync(file, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw new UserError(code === 'ENOENT' ? `no such file: ${file}` : `cannot read ${file}: ${(error as Error).message}`);
  }
  return parseTopicSet(source, file, options);
}

