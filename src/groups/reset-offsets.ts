/**
 * `yarn offsets:reset`: move a consumer group's committed offsets, as `kafka-consumer-groups --reset-offsets
 * --to-earliest | --to-latest | --to-offset N --execute` does. Kafka resets the offsets of an empty group only (a
 * running member would commit over them at once), so a group with members is refused, with what to do.
 *
 *   const plan = await planReset(admin, 'billing', parseResetTarget('earliest'), { topic: 'payments' });
 *   await applyReset(admin, 'billing', plan);
 */
import type { Admin } from 'kafkajs';
import { ErrorCode, errorName } from '../broker/protocol/errors.js';
import { findCoordinator, requestOnce } from '../cluster/kafka-requests.js';
import { UserError } from '../cluster/types.js';

export type ResetTarget = { to: 'earliest' } | { to: 'latest' } | { to: 'offset'; offset: number };

export interface PartitionReset {
  topic: string;
  partition: number;
  /** the committed offset before, null when the group had none for this partition */
  from: number | null;
  to: number;
  /** a --to <offset> outside the log was moved to its nearest end, as Kafka's tool does */
  clamped?: 'to the log start' | 'to the log end';
}

export type ResetAdmin = Pick<Admin, 'describeGroups' | 'listTopics' | 'fetchOffsets' | 'fetchTopicOffsets'>;

export function parseResetTarget(value: unknown): ResetTarget {
  const text = value === undefined || value === true ? '' : String(value);
  if (text === 'earliest') return { to: 'earliest' };
  if (text === 'latest') return { to: 'latest' };
  if (/^\d+$/.test(text)) return { to: 'offset', offset: Number(text) };
  if (text === '') throw new UserError('where to? give --to earliest, --to latest or --to <offset>', 2);
  throw new UserError(`--to must be earliest, latest or an offset (a whole number ≥ 0), not "${text}"`, 2);
}

export function describeTarget(target: ResetTarget): string {
  return target.to === 'offset' ? `offset ${target.offset}` : target.to;
}

const COORDINATOR_MOVING = ['NOT_COORDINATOR', 'COORDINATOR_NOT_AVAILABLE', 'COORDINATOR_LOAD_IN_PROGRESS'];

/**
 * Group requests while the coordinator is not ready (a new cluster still creating __consumer_offsets, a coordinator
 * that just moved) are asked again, for up to ~10 s, as Kafka's own clients do.
 */
async function coordinatorRetry<T>(fn: () => Promise<T>): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await fn();
    } catch (error) {
      const type = (error as { type?: string }).type ?? (error as { originalError?: { type?: string } }).originalError?.type;
      if (!COORDINATOR_MOVING.includes(type ?? '') || attempt >= 20) throw error;
      await new Promise((resolve) => setTimeout(resolve, 500));
    }
  }
}

/** Refuses a group with members: Kafka would refuse it too, and they would commit over the reset. */
export async function requireEmptyGroup(admin: ResetAdmin, groupId: string): Promise<void> {
  const group = (await coordinatorRetry(() => admin.describeGroups([groupId]))).groups.find((g) => g.groupId === groupId);
  const members = group?.members.length ?? 0;
  if (members > 0) {
    throw new UserError(
      `group ${groupId} has ${members} active member${members === 1 ? '' : 's'} (${group!.state}): Kafka resets the offsets of an empty group only; ` +
        'stop its consumers (Ctrl-C in their terminals), then run this again',
    );
  }
}

/** What the reset would do, partition by partition (nothing is changed). */
export async function planReset(admin: ResetAdmin, groupId: string, target: ResetTarget, options: { topic?: string } = {}): Promise<PartitionReset[]> {
  await requireEmptyGroup(admin, groupId);
  const existing = await admin.listTopics();
  let topics: string[];
  if (options.topic !== undefined) {
    if (!existing.includes(options.topic)) throw new UserError(`there is no topic ${options.topic}: \`yarn cluster:status\` lists the topics`);
    topics = [options.topic];
  } else {
    // Without --topic: every topic the group has committed offsets for (kafka-consumer-groups' --all-topics).
    const candidates = existing.filter((t) => !t.startsWith('__'));
    const committed = candidates.length ? await coordinatorRetry(() => admin.fetchOffsets({ groupId, topics: candidates })) : [];
    topics = committed.filter((t) => t.partitions.some((p) => Number(p.offset) >= 0)).map((t) => t.topic);
    if (topics.length === 0) {
      throw new UserError(`group ${groupId} has no committed offsets: name the topic to reset it on with --topic <topic>`);
    }
  }
  const plan: PartitionReset[] = [];
  for (const topic of topics.sort()) {
    const committed = (await coordinatorRetry(() => admin.fetchOffsets({ groupId, topics: [topic] })))[0]?.partitions ?? [];
    for (const end of [...(await admin.fetchTopicOffsets(topic))].sort((a, b) => a.partition - b.partition)) {
      const low = Number(end.low);
      const high = Number(end.high);
      const before = Number(committed.find((c) => c.partition === end.partition)?.offset ?? -1);
      const entry: PartitionReset = { topic, partition: end.partition, from: before >= 0 ? before : null, to: low };
      if (target.to === 'latest') entry.to = high;
      else if (target.to === 'offset') {
        entry.to = Math.min(Math.max(target.offset, low), high);
        if (target.offset < low) entry.clamped = 'to the log start';
        if (target.offset > high) entry.clamped = 'to the log end';
      }
      plan.push(entry);
    }
  }
  return plan;
}

/** Errors of a commit from outside the group (generation -1) that mean: the group has members now. */
const GROUP_NOT_EMPTY: number[] = [ErrorCode.UNKNOWN_MEMBER_ID, ErrorCode.ILLEGAL_GENERATION, ErrorCode.REBALANCE_IN_PROGRESS];
/** The coordinator moves or loads: ask again. */
const RETRIABLE: number[] = [ErrorCode.COORDINATOR_LOAD_IN_PROGRESS, ErrorCode.COORDINATOR_NOT_AVAILABLE, ErrorCode.NOT_COORDINATOR];

/**
 * Commits the planned offsets for the group, checking again that it is empty (a consumer may have started since).
 * The commit is the one Kafka's AdminClient.alterConsumerGroupOffsets sends: OffsetCommit to the group's coordinator
 * with generation -1 and no member id, which the coordinator accepts into an empty group only. (kafkajs' setOffsets
 * would join the group with a consumer of its own instead, and take seconds.)
 */
export async function applyReset(admin: ResetAdmin, bootstrap: string[], groupId: string, plan: PartitionReset[]): Promise<void> {
  await requireEmptyGroup(admin, groupId);
  const topics = [...new Set(plan.map((p) => p.topic))].map((name) => ({
    name,
    partitions: plan.filter((p) => p.topic === name).map((p) => ({ partitionIndex: p.partition, committedOffset: p.to, committedMetadata: '' })),
  }));
  let last = '';
  for (let attempt = 0; attempt < 20; attempt++) {
    if (attempt > 0) await new Promise((resolve) => setTimeout(resolve, 300));
    const coordinator = await groupCoordinator(bootstrap, groupId);
    if (typeof coordinator === 'number') {
      last = errorName(coordinator);
      if (RETRIABLE.includes(coordinator)) continue;
      break;
    }
    const response = await requestOnce(coordinator, 8, 2, { groupId, generationIdOrMemberEpoch: -1, memberId: '', retentionTimeMs: -1, topics });
    const codes = (response.topics as Array<{ partitions: Array<{ errorCode: number }> }>).flatMap((t) => t.partitions.map((p) => p.errorCode));
    const failed = codes.find((c) => c !== ErrorCode.NONE);
    if (failed === undefined) return;
    last = errorName(failed);
    if (GROUP_NOT_EMPTY.includes(failed)) {
      await requireEmptyGroup(admin, groupId);
      throw new UserError(`group ${groupId} is not empty (${last}): stop its consumers, then run this again`);
    }
    if (!RETRIABLE.includes(failed)) break;
  }
  throw new UserError(`the offsets of group ${groupId} could not be committed (${last}): try again, or see \`yarn cluster:status\``);
}

/** host:port of the group's coordinator, or the error code FindCoordinator answered. */
async function groupCoordinator(bootstrap: string[], groupId: string): Promise<string | number> {
  const r = await findCoordinator(bootstrap, groupId, 0);
  return r.errorCode === ErrorCode.NONE ? `${r.host}:${r.port}` : r.errorCode;
}
