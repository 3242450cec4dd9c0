/**
 * The plan: what applying a topic set would change, computed from the desired topics and the cluster's current
 * state. Pure (no I/O), so it is easy to test and to print with --dry-run.
 *
 * Kafka can add partitions and change configs in place. It cannot lower a partition count, and changing the
 * replication factor needs a partition reassignment; those become `blocked` entries, and a plan with any blocked
 * entry is applied not at all (nothing half-applied).
 * Configs the file does not mention are left as they are.
 */
import type { TopicSpec } from './parse.js';

export interface CurrentTopic {
  name: string;
  partitions: number;
  replicationFactor: number;
  /** configs set on the topic itself (not broker or Kafka defaults) */
  configs: Record<string, string>;
}

export type PlanEntry =
  | {
      action: 'create';
      topic: string;
      partitions: number;
      /** null: the cluster's default (CreateTopics sends -1) */
      replicationFactor: number | null;
      configs: Record<string, string>;
      /** with replicationFactor null: the cluster's default.replication.factor, when it was read */
      clusterDefault?: number;
    }
  | { action: 'add-partitions'; topic: string; from: number; to: number }
  | { action: 'alter-configs'; topic: string; changes: Array<{ key: string; from: string | null; to: string }> }
  | { action: 'unchanged'; topic: string }
  | { action: 'blocked'; topic: string; reason: string };

export interface Plan {
  entries: PlanEntry[];
  /** true when applying would change something */
  changes: boolean;
  /** true when something in the file cannot be applied (then nothing is) */
  blocked: boolean;
}

/** `defaultReplicationFactor`: the cluster's default.replication.factor, for topics the file gives none (null: unknown). */
export function planTopics(desired: TopicSpec[], current: CurrentTopic[], defaultReplicationFactor: number | null = null): Plan {
  const byName = new Map(current.map((t) => [t.name, t]));
  const entries: PlanEntry[] = [];
  for (const want of desired) {
    const have = byName.get(want.name);
    if (!have) {
      entries.push({
        action: 'create',
        topic: want.name,
        partitions: want.partitions,
        replicationFactor: want.replicationFactor,
        configs: want.configs,
        ...(want.replicationFactor === null && defaultReplicationFactor !== null ? { clusterDefault: defaultReplicationFactor } : {}),
      });
      continue;
    }
    const before = entries.length;
    // No replication factor in the file asks for none in particular: whatever the topic has is fine.
    if (want.replicationFactor !== null && want.replicationFactor !== have.replicationFactor) {
      entries.push({
        action: 'blocked',
        topic: want.name,
        reason: `replication factor is ${have.replicationFactor}, the file says ${want.replicationFactor}: Kafka changes it only by reassigning partitions (kafka-reassign-partitions.sh), or delete and recreate the topic`,
      });
    }
    if (want.partitions < have.partitions) {
      entries.push({
        action: 'blocked',
        topic: want.name,
        reason: `it has ${have.partitions} partitions, the file says ${want.partitions}: Kafka cannot remove partitions (delete and recreate the topic, or raise the number in the file)`,
      });
    } else if (want.partitions > have.partitions) {
      entries.push({ action: 'add-partitions', topic: want.name, from: have.partitions, to: want.partitions });
    }
    const changes = Object.entries(want.configs)
      .filter(([key, value]) => have.configs[key] !== value)
      .map(([key, value]) => ({ key, from: have.configs[key] ?? null, to: value }));
    if (changes.length > 0) entries.push({ action: 'alter-configs', topic: want.name, changes });
    if (entries.length === before) entries.push({ action: 'unchanged', topic: want.name });
  }
  return {
    entries,
    changes: entries.some((e) => e.action === 'create' || e.action === 'add-partitions' || e.action === 'alter-configs'),
    blocked: entries.some((e) => e.action === 'blocked'),
  };
}

function configText(configs: Record<string, string>): string {
  const parts = Object.entries(configs).map(([k, v]) => `${k}=${v}`);
  return parts.length ? ` ${parts.join(' ')}` : '';
}

function rfText(e: { replicationFactor: number | null; clusterDefault?: number }): string {
  if (e.replicationFactor !== null) return `RF ${e.replicationFactor}`;
  return e.clusterDefault !== undefined ? `RF ${e.clusterDefault}, the cluster's default` : "RF: the cluster's default";
}

/** One line per entry, e.g. `+ create orders (3 partitions, RF 3) min.insync.replicas=2`. */
export function formatPlan(plan: Plan): string[] {
  return plan.entries.map((e) => {
    switch (e.action) {
      case 'create':
        return `+ create ${e.topic} (${e.partitions} partition${e.partitions === 1 ? '' : 's'}, ${rfText(e)})${configText(e.configs)}`;
      case 'add-partitions':
        return `~ ${e.topic}: partitions ${e.from} → ${e.to}`;
      case 'alter-configs':
        return `~ ${e.topic}: ${e.changes.map((c) => `${c.key} ${c.from ?? '(default)'} → ${c.to}`).join(', ')}`;
      case 'unchanged':
        return `= ${e.topic}: up to date`;
      case 'blocked':
        return `✗ ${e.topic}: cannot apply: ${e.reason}`;
    }
  });
}
