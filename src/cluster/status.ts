/**
 * `cluster:status`: one ClusterStatus for any backend, printed as tables, as JSON, or live (`--watch`).
 *
 * The numbers come from the Kafka protocol through a kafkajs admin (metadata: leaders, replicas, ISR; list offsets:
 * high watermarks; groups: members, assignments, committed offsets → lag), in ./admin-status.ts's
 * buildClusterStatus, which both backends call from their status(). The backend adds what metadata cannot say: which
 * brokers are up (containers / the daemon) and the active KRaft controller.
 */
import { c } from '../cli/ansi.js';
import { type LiveOutput, createLiveView, formatTable } from '../cli/table.js';
import type { Cluster, ClusterStatus, PartitionStatus } from './types.js';

export async function readStatus(cluster: Cluster): Promise<ClusterStatus> {
  try {
    return await cluster.status();
  } catch (error) {
    const brokers = await cluster.brokers().catch(() => []);
    return {
      backend: cluster.backend,
      profile: cluster.profile,
      clusterId: null,
      controller: null,
      brokers: brokers.map((b) => ({ ...b, controller: false })),
      topics: [],
      groups: [],
      error: error instanceof Error ? error.message : String(error),
    };
  }
}

export interface RenderOptions {
  /** show __consumer_offsets and friends (default false: 50 partitions of noise) */
  internal?: boolean;
  /** when the frame was taken (shown in the title) */
  at?: Date;
}

const list = (ids: number[]) => (ids.length ? ids.join(',') : '-');

function partitionState(p: PartitionStatus): string {
  if (p.offline) return c.red('OFFLINE');
  if (p.underReplicated) return c.yellow('under-replicated');
  return c.green('ok');
}

/** The whole status as text: brokers, topics (one row per partition), groups (one row per member and per lagging partition). */
export function renderStatus(status: ClusterStatus, options: RenderOptions = {}): string {
  const out: string[] = [];
  const time = options.at ? `  ${c.dim(options.at.toTimeString().slice(0, 8))}` : '';
  out.push(
    `${c.bold('kafka-lab')} ${status.profile} cluster on ${status.backend}` +
      (status.clusterId ? c.dim(`  cluster id ${status.clusterId}`) : '') +
      time,
  );
  if (status.error) out.push(`${c.red('!')} ${status.error}`);
  out.push('');
  out.push(
    formatTable(
      ['broker', 'address', 'state', 'role'],
      status.brokers.map((b) => [
        b.id,
        `${b.host}:${b.port}`,
        b.up ? c.green('up') : c.red('down'),
        b.controller ? 'active controller' : '',
      ]),
      { empty: '(no brokers)' },
    ),
  );

  // Nothing reachable: the error line and the brokers say it all.
  if (status.error && status.topics.length === 0 && status.groups.length === 0) return out.join('\n');

  const topics = status.topics.filter((t) => options.internal || !t.internal);
  const hidden = status.topics.length - topics.length;
  out.push('');
  const rows = topics.flatMap((t) =>
    t.partitions.map((p, i) => [
      i === 0 ? t.name : '',
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
  const under = topics.flatMap((t) => t.partitions).filter((p) => p.underReplicated && !p.offline).length;
  const offline = topics.flatMap((t) => t.partitions).filter((p) => p.offline).length;
  const summary = [
    `${topics.length} topic(s)`,
    under ? c.yellow(`${under} under-replicated`) : '',
    offline ? c.red(`${offline} offline`) : '',
    hidden ? c.dim(`${hidden} internal hidden (--internal)`) : '',
  ].filter(Boolean);
  out.push(c.dim('  ') + summary.join(', '));

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
  return out.join('\n');
}

export interface WatchOptions extends RenderOptions {
  intervalMs?: number;
  output?: LiveOutput;
  /** stop after this many frames (tests); default: until the signal aborts */
  frames?: number;
  signal?: AbortSignal;
}

/** Redraw the status in place every intervalMs until aborted (Ctrl-C). Not a TTY: prints a frame when it changes. */
export async function watchStatus(cluster: Cluster, options: WatchOptions = {}): Promise<void> {
  const view = createLiveView(options.output ?? process.stdout);
  const interval = options.intervalMs ?? 2000;
  let frames = 0;
  while (!options.signal?.aborted) {
    const status = await readStatus(cluster);
    const footer = view.interactive ? `\n${c.dim(`refreshing every ${interval / 1000}s · Ctrl-C to stop`)}` : '';
    // The time changes every frame; leave it out when not a TTY so unchanged clusters print once.
    view.render(renderStatus(status, { ...options, ...(view.interactive ? { at: new Date() } : {}) }) + footer);
    if (options.frames !== undefined && ++frames >= options.frames) break;
    await new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, interval);
      options.signal?.addEventListener('abort', () => {
        clearTimeout(timer);
        resolve();
      });
    });
  }
  view.done();
}
