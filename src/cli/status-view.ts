/**
 * Drawing a ClusterStatus: tables for `cluster:status`, live in place for `--watch`. Backends return data
 * (src/cluster/status.ts); this is the only place that turns it into terminal text.
 */
import { relative } from 'node:path';
import { readStatus } from '../cluster/status.js';
import type { Cluster, ClusterStatus, PartitionStatus } from '../cluster/types.js';
import { c } from './ansi.js';
import { type LiveOutput, createLiveView, formatTable } from './table.js';

/** Sections of an older frame shown because they could not be read now (cluster:status --watch). */
export interface StaleParts {
  /** when the shown data was read */
  since: Date;
  /** which sections are old: 'topics' and/or 'groups' */
  parts: Array<'topics' | 'groups'>;
  /** why they could not be read now */
  reason: string;
}

export interface RenderOptions {
  /** show __consumer_offsets and friends (default false: 50 partitions of noise) */
  internal?: boolean;
  /** when the frame was taken (shown in the title) */
  at?: Date;
  stale?: StaleParts;
}

/** A path under the current directory, relative to it (.kafka-lab/jvm/multi/node-1.log); others as they are. */
function shortPath(path: string): string {
  const rel = relative(process.cwd(), path);
  return rel && !rel.startsWith('..') ? rel : path;
}

const list = (ids: number[]) => (ids.length ? ids.join(',') : '-');

function partitionState(p: PartitionStatus): string {
  if (p.offline) return c.red('OFFLINE');
  // Below min.insync.replicas, acks=all writes fail with NOT_ENOUGH_REPLICAS: worse than merely under-replicated.
  if (p.belowMinIsr) return c.red('below min ISR');
  if (p.underReplicated) return c.yellow('under-replicated');
  return c.green('ok');
}

const clock = (d: Date) => d.toTimeString().slice(0, 8);

function staleNote(stale: StaleParts | undefined, part: 'topics' | 'groups'): string | null {
  if (!stale?.parts.includes(part)) return null;
  const age = Math.round((Date.now() - stale.since.getTime()) / 1000);
  return `${c.yellow('! stale:')} ${part} as read at ${clock(stale.since)} (${age} s ago); now: ${stale.reason}`;
}

/** " (compact)" after a topic's name when its cleanup.policy is not the default delete. */
function policyNote(t: ClusterStatus['topics'][number]): string {
  if (t.cleanupPolicy === undefined || t.cleanupPolicy === 'delete') return '';
  return c.dim(` (${t.cleanupPolicy === '' ? 'no cleanup' : t.cleanupPolicy})`);
}

/** The whole status as text: brokers, topics (one row per partition), groups (one row per member and per lagging partition). */
export function renderStatus(status: ClusterStatus, options: RenderOptions = {}): string {
  const out: string[] = [];
  const time = options.at ? ` ${c.dim(clock(options.at))}` : '';
  // The time first: a narrow terminal cuts the end of the line, and the cluster id matters least.
  out.push(`${c.bold('kafka-lab')}${time} ${status.profile} cluster on ${status.backend}` + (status.clusterId ? c.dim(`  cluster id ${status.clusterId}`) : ''));
  if (status.error && !options.stale) out.push(`${c.red('!')} ${status.error}`);
  out.push('');
  out.push(
    formatTable(
      ['broker', 'address', 'state', 'role', ...(status.brokers.some((b) => b.log) ? ['log'] : [])],
      status.brokers.map((b) => [
        b.id,
        `${b.host}:${b.port}`,
        b.up ? c.green('up') : c.red('down'),
        b.controller ? 'active controller' : '',
        ...(b.log ? [c.dim(shortPath(b.log))] : []),
      ]),
      { empty: '(no brokers)' },
    ),
  );

  // Nothing reachable and nothing older to show: the error line and the brokers say it all.
  if (status.error && !options.stale && status.topics.length === 0 && status.groups.length === 0) return out.join('\n');

  const topics = status.topics.filter((t) => options.internal || !t.internal);
  const hidden = status.topics.length - topics.length;
  out.push('');
  const rows = topics.flatMap((t) =>
    t.partitions.map((p, i) => [
      i === 0 ? t.name + policyNote(t) : '',
      p.partition,
      p.leader >= 0 ? p.leader : c.red('none'),
      list(p.replicas),
      list(p.isr),
      p.offlineReplicas.length ? c.red(list(p.offlineReplicas)) : '',
      p.highWatermark ?? '',
      partitionState(p),
    ]),
  );
  out.push(
    formatTable(
      [
        'topic',
        { header: 'part', align: 'right' },
        { header: 'leader', align: 'right' },
        'replicas',
        'isr',
        'offline',
        { header: 'end offset', align: 'right' },
        'state',
      ],
      rows,
      { empty: status.error ? '(unknown)' : '(no topics: `yarn topics:apply topics/course.yaml` creates some)' },
    ),
  );
  const partitions = topics.flatMap((t) => t.partitions);
  const under = partitions.filter((p) => p.underReplicated && !p.offline && !p.belowMinIsr).length;
  const belowMin = partitions.filter((p) => p.belowMinIsr && !p.offline).length;
  const belowTopics = topics.filter((t) => t.partitions.some((p) => p.belowMinIsr && !p.offline)).map((t) => `${t.name} needs ${t.minInsyncReplicas}`);
  const offline = partitions.filter((p) => p.offline).length;
  const summary = [
    `${topics.length} topic(s)`,
    under ? c.yellow(`${under} under-replicated`) : '',
    belowMin ? c.red(`${belowMin} below min ISR`) : '',
    offline ? c.red(`${offline} offline`) : '',
    hidden ? c.dim(`${hidden} internal hidden (--internal)`) : '',
  ].filter(Boolean);
  out.push(c.dim('  ') + summary.join(', '));
  if (belowTopics.length) out.push(`  ${c.red('!')} fewer in-sync replicas than min.insync.replicas (${belowTopics.join(', ')}): acks=all writes fail with NOT_ENOUGH_REPLICAS`);
  const topicsStale = staleNote(options.stale, 'topics');
  if (topicsStale) out.push(topicsStale);
  const notRead = Object.entries(status.unread ?? {}).filter(([part]) => part !== 'groups' || !options.stale?.parts.includes('groups'));
  if (notRead.length) out.push(c.dim(`  not read this time: ${notRead.map(([part, why]) => `${part}: ${why}`).join('; ')}`));

  out.push('');
  const groupRows = status.groups.flatMap((g) => {
    const first = [g.groupId, g.state, g.members.length, g.totalLag];
    const members = g.members.map((m) => {
      const assignment = m.assignment.map((a) => `${a.topic}[${a.partitions.join(',')}]`).join(' ');
      return ['', '', '', '', `${m.clientId} ${c.dim(m.host)}`, assignment || c.dim('(none)')];
    });
    const lagging = g.lag
      .filter((l) => l.lag !== '0')
      .map((l) => ['', '', '', '', c.dim('lag'), `${l.topic}[${l.partition}] ${l.committed}→${l.end} = ${c.yellow(l.lag)}`]);
    return [[...first, '', ''], ...members, ...lagging];
  });
  out.push(
    formatTable(
      ['group', 'state', { header: 'members', align: 'right' }, { header: 'lag', align: 'right' }, 'member', 'assignment'],
      groupRows,
      { empty: '(no consumer groups)' },
    ),
  );
  const groupsStale = staleNote(options.stale, 'groups');
  if (groupsStale) out.push(groupsStale);
  if (status.transactions?.length) {
    out.push('');
    out.push(
      formatTable(
        ['transaction', 'state', { header: 'coordinator', align: 'right' }, 'producer', { header: 'open for', align: 'right' }, 'partitions'],
        status.transactions.map((t) => [
          t.transactionalId,
          t.state === 'Ongoing' ? c.yellow(t.state) : t.state,
          t.coordinator,
          `${t.producerId} epoch ${t.producerEpoch}`,
          t.openForMs >= 0 ? `${(t.openForMs / 1000).toFixed(1)}s of ${(t.timeoutMs / 1000).toFixed(0)}s` : '',
          t.partitions.map((p) => `${p.topic}[${p.partitions.join(',')}]`).join(' '),
        ]),
      ),
    );
  }
  return out.join('\n');
}

/** The last sections a watch could read, and when. */
export interface LastKnown {
  topics: { status: ClusterStatus; at: Date } | null;
  groups: { groups: ClusterStatus['groups']; at: Date } | null;
}

/**
 * What a watch shows: the new status, with sections it could not read now replaced by the last ones that were read
 * (and said to be old). A broker or the controller that just died makes reads fail for a few seconds: exactly the
 * seconds a class watches, so the table must not vanish. Updates `last` with what was read now.
 */
export function withLastKnown(now: ClusterStatus, last: LastKnown, at = new Date()): { status: ClusterStatus; stale?: StaleParts } {
  const shown: ClusterStatus = { ...now };
  let stale: StaleParts | undefined;
  if (now.error && now.topics.length === 0 && last.topics) {
    shown.topics = last.topics.status.topics;
    shown.groups = last.groups?.groups ?? last.topics.status.groups;
    shown.clusterId ??= last.topics.status.clusterId;
    stale = { since: last.topics.at, parts: ['topics', 'groups'], reason: now.error };
  } else if (now.unread?.groups && last.groups) {
    shown.groups = last.groups.groups;
    stale = { since: last.groups.at, parts: ['groups'], reason: `the groups cannot be read: ${now.unread.groups}` };
  }
  if (!now.error) last.topics = { status: now, at };
  if (!now.error && !now.unread?.groups) last.groups = { groups: now.groups, at };
  return stale ? { status: shown, stale } : { status: shown };
}

export interface WatchOptions extends RenderOptions {
  intervalMs?: number;
  output?: LiveOutput;
  /** stop after this many frames (tests); default: until the signal aborts */
  frames?: number;
  signal?: AbortSignal;
}

/**
 * Redraw the status in place every intervalMs until aborted (Ctrl-C), in the terminal's live area (nothing else
 * printed meanwhile can leave an old frame above it). Not a TTY: prints a frame when it changes.
 */
export async function watchStatus(cluster: Cluster, options: WatchOptions = {}): Promise<void> {
  const output = options.output ?? process.stdout;
  const view = createLiveView(output);
  const interval = options.intervalMs ?? 2000;
  let frames = 0;
  const last: LastKnown = { topics: null, groups: null };
  try {
    while (!options.signal?.aborted) {
      const shown = withLastKnown(await readStatus(cluster), last);
      const footer = view.interactive ? `\n${c.dim(`refreshing every ${interval / 1000}s · Ctrl-C to stop`)}` : '';
      // The time changes every frame; leave it out when not a TTY so unchanged clusters print once.
      view.render(renderStatus(shown.status, { ...options, ...(shown.stale ? { stale: shown.stale } : {}), ...(view.interactive ? { at: new Date() } : {}) }) + footer);
      if (options.frames !== undefined && ++frames >= options.frames) break;
      await new Promise<void>((resolve) => {
        const stop = () => {
          clearTimeout(timer);
          resolve();
        };
        // One listener per pause, removed when the pause ends: they used to pile up, one per frame, until Node warned
        // (MaxListenersExceededWarning) into the live frame.
        const timer = setTimeout(() => {
          options.signal?.removeEventListener('abort', stop);
          resolve();
        }, interval);
        options.signal?.addEventListener('abort', stop, { once: true });
      });
    }
  } finally {
    view.done();
  }
}
