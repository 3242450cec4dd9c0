import type { BrokerConfig } from '../config.js';

type Kind = 'long' | 'int' | 'boolean' | 'list' | 'string' | 'double';

interface ConfigDef {
  kind: Kind;
  /** The broker-level default, as Kafka reports it for a topic without an override. */
  default: (config: BrokerConfig) => string;
  /** Allowed values, for enumerations. */
  oneOf?: string[];
  min?: number;
  max?: number;
}

const fixed = (value: string) => () => value;

/** The topic-level configs the embedded broker knows, with Kafka's defaults (or the kit's, where config says). */
export const TOPIC_CONFIGS: Record<string, ConfigDef> = {
  // A list of compact and delete, or empty (neither); Kafka 4.4.0 stores it trimmed: "compact, delete" → "compact,delete".
  'cleanup.policy': { kind: 'list', default: fixed('delete'), oneOf: ['compact', 'delete'] },
  'compression.type': {
    kind: 'string',
    default: fixed('producer'),
    oneOf: ['uncompressed', 'zstd', 'lz4', 'snappy', 'gzip', 'producer'],
  },
  'delete.retention.ms': { kind: 'long', default: fixed('86400000'), min: 0 },
  'file.delete.delay.ms': { kind: 'long', default: fixed('60000'), min: 0 },
  'flush.messages': { kind: 'long', default: fixed('9223372036854775807'), min: 1 },
  'flush.ms': { kind: 'long', default: fixed('9223372036854775807'), min: 0 },
  'index.interval.bytes': { kind: 'int', default: fixed('4096'), min: 0 },
  'max.compaction.lag.ms': { kind: 'long', default: fixed('9223372036854775807'), min: 1 },
  'max.message.bytes': { kind: 'int', default: (c) => String(c.messageMaxBytes), min: 0 },
  'message.timestamp.after.max.ms': { kind: 'long', default: fixed('3600000'), min: 0 },
  'message.timestamp.before.max.ms': { kind: 'long', default: fixed('9223372036854775807'), min: 0 },
  'message.timestamp.type': { kind: 'string', default: fixed('CreateTime'), oneOf: ['CreateTime', 'LogAppendTime'] },
  'min.cleanable.dirty.ratio': { kind: 'double', default: fixed('0.5'), min: 0, max: 1 },
  'min.compaction.lag.ms': { kind: 'long', default: fixed('0'), min: 0 },
  'min.insync.replicas': { kind: 'int', default: (c) => String(c.minInsyncReplicas), min: 1 },
  preallocate: { kind: 'boolean', default: fixed('false') },
  'retention.bytes': { kind: 'long', default: (c) => String(c.retentionBytes) },
  'retention.ms': { kind: 'long', default: (c) => String(c.retentionMs), min: -1 },
  // Kafka 4.x refuses less than 1 MiB (measured on 4.4.0: 1048575 is INVALID_CONFIG); lab topics roll by segment.ms.
  'segment.bytes': { kind: 'int', default: (c) => String(c.segmentBytes), min: 1024 * 1024 },
  'segment.ms': { kind: 'long', default: fixed('604800000'), min: 1 },
  'unclean.leader.election.enable': { kind: 'boolean', default: (c) => String(c.uncleanLeaderElection) },
};

/** Whether `name` is a list-valued topic config (the only kind IncrementalAlterConfigs may APPEND to or SUBTRACT from). */
export function isListTopicConfig(name: string): boolean {
  return TOPIC_CONFIGS[name]?.kind === 'list';
}

/** Returns a reason when `value` is not valid for `name`, or null when it is. */
export function invalidTopicConfig(name: string, value: string | null): string | null {
  const def = TOPIC_CONFIGS[name];
  if (!def) return `unknown topic config '${name}'`;
  if (value === null) return null;
  switch (def.kind) {
    case 'int':
    case 'long': {
      if (!/^-?\d+$/.test(value)) return `${name} must be an integer, got '${value}'`;
      if (def.min !== undefined && Number(value) < def.min) return `${name} must be at least ${def.min}`;
      if (def.kind === 'int' && Math.abs(Number(value)) > 2 ** 31 - 1) return `${name} is out of range for an int`;
      return null;
    }
    case 'double': {
      if (value.trim() === '' || !Number.isFinite(Number(value))) return `${name} must be a number, got '${value}'`;
      if (def.min !== undefined && Number(value) < def.min) return `${name} must be at least ${def.min}`;
      if (def.max !== undefined && Number(value) > def.max) return `${name} must be no more than ${def.max}`;
      return null;
    }
    case 'list': {
      const unknown = listItems(value).filter((item) => !def.oneOf!.includes(item));
      return unknown.length > 0 ? `${name} must be a list of ${def.oneOf!.join(', ')} (or empty), got '${value}'` : null;
    }
    case 'boolean':
      return value === 'true' || value === 'false' ? null : `${name} must be true or false, got '${value}'`;
    default:
      return def.oneOf && !def.oneOf.includes(value) ? `${name} must be one of ${def.oneOf.join(', ')}` : null;
  }
}

function listItems(value: string): string[] {
  return value.trim() === '' ? [] : value.split(',').map((item) => item.trim());
}

/** The value as Kafka stores it: list items trimmed ("compact, delete" → "compact,delete"). */
export function normalizeTopicConfig(name: string, value: string): string {
  return TOPIC_CONFIGS[name]?.kind === 'list' ? listItems(value).join(',') : value;
}

/** cleanup.policy as a list, e.g. ['compact', 'delete']; [] when it is empty. */
export function cleanupPolicy(configs: Record<string, string>, broker: BrokerConfig): Array<'compact' | 'delete'> {
  return listItems(topicConfigValue(configs, 'cleanup.policy', broker)) as Array<'compact' | 'delete'>;
}

export function topicConfigValue(configs: Record<string, string>, name: string, broker: BrokerConfig): string {
  return configs[name] ?? TOPIC_CONFIGS[name]!.default(broker);
}

/** Kafka's rule for topic names (`Topic.validate`). Returns a reason, or null when the name is legal. */
export function invalidTopicName(name: string): string | null {
  if (name.length === 0) return 'topic name is empty';
  if (name === '.' || name === '..') return `topic name cannot be '.' or '..'`;
  if (name.length > 249) return `topic name is longer than 249 characters`;
  if (!/^[a-zA-Z0-9._-]+$/.test(name)) return `topic name '${name}' has characters other than ASCII letters, digits, '.', '_' and '-'`;
  return null;
}
