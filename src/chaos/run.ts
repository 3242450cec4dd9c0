/**
 * One chaos run: create the topic, start the traffic, fire the fault schedule, then stop producing, bring every
 * broker back, drain the consumers and audit what happened. Backend-agnostic: it only uses the `Cluster` interface
 * and Kafka clients.
 */
import type { Kafka, RetryOptions } from 'kafkajs';
import type { Cluster } from '../cluster/types.js';
import { createTopicsAndWait } from '../clients/topics.js';
import { MessageAudit } from '../lab/audit.js';
import { ClusterObserver, type ClusterView, withTimeout } from './observer.js';
import { type FaultAction, type FaultRole, type FaultSpec, Prng, type ScheduleTiming, describeSpec, scheduleStream } from './schedule.js';
import { setTimeout as sleep } from 'node:timers/promises';
import { type Period, Workload } from './workload.js';

export interface ChaosOptions {
  cluster: Cluster;
  kafka: Kafka;
  seed: number;
  /** stop after this many faults … */
  faults?: number;
  /** … or after this long (whichever is given; faults wins when both are) */
  durationMs?: number;
  timing: ScheduleTiming;
  partitions?: number;
  producers?: number;
  consumers?: number;
  keys?: number;
  /** messages per second per producer */
  rate?: number;
  retry: RetryOptions;
  /** how long to wait for full ISR after a fault before going on anyway */
  recoveryTimeoutMs?: number;
  /** how long the consumers get to read everything acknowledged at the end */
  drainTimeoutMs?: number;
  /** a send slower than this counts towards an unavailable period (default 1000 ms) */
  slowMs?: number;
  /** aborting ends the fault schedule early; the run still drains and audits */
  signal?: AbortSignal;
  /** one line per event (fault fired, recovered, drain...) */
  log?: (line: string) => void;
  /** the live view: called about twice a second with the current picture */
  onFrame?: (frame: LiveState) => void;
}

export interface FaultRecord {
  index: number;
  action: FaultAction;
  role: FaultRole;
  targets: number[];
  /** ms since the run started */
  atMs: number;
  downMs: number;
  /** from the restart until every partition had its full ISR again (null: not within the recovery timeout) */
  recoveredMs: number | null;
  note?: string;
}

export interface ChaosReport {
  ok: boolean;
  seed: number;
  backend: string;
  topic: string;
  partitions: number;
  durationMs: number;
  faults: FaultRecord[];
  sent: number;
  acknowledged: number;
  failed: number;
  consumed: number;
  uniqueConsumed: number;
  /** acknowledged but never consumed */
  lost: number;
  /** extra deliveries of messages consumed more than once */
  duplicates: number;
  /** first deliveries that came after a later message of the same producer and key */
  orderViolations: number;
  orderViolationsByKey: Record<string, number>;
  /** consumed although the send was reported failed (the write landed; not an error) */
  consumedNotAcknowledged: number;
  unavailable: { count: number; longestMs: number; totalMs: number; periods: Array<{ startMs: number; endMs: number; ms: number }> };
  leaderElections: number;
  producerRestarts: number;
  consumerRestarts: number;
  sendErrors: Record<string, number>;
  drained: boolean;
  lostSample: string[];
  orderSample: string[];
}

export interface LiveState {
  seed: number;
  backend: string;
  elapsedMs: number;
  phase: string;
  faultIndex: number;
  faultTotal: number | null;
  current: string;
  brokers: Array<{ id: number; state: 'up' | 'killed' | 'stopped'; roles: string[] }>;
  view: ClusterView | null;
  acknowledged: number;
  failed: number;
  consumed: number;
  missing: number;
  stalledMs: number;
  unavailableCount: number;
  longestUnavailableMs: number;
  leaderElections: number;
}

type BrokerRunState = 'up' | 'killed' | 'stopped';

export async function runChaos(options: ChaosOptions): Promise<ChaosReport> {
  const log = options.log ?? (() => {});
  const partitions = options.partitions ?? 6;
  const { cluster, kafka, seed } = options;
  const started = Date.now();
  const topic = `chaos-${seed}-${started.toString(36)}`;
  const groupId = `chaos-group-${seed}-${started.toString(36)}`;
  const audit = new MessageAudit();
  const state = new Map<number, BrokerRunState>();
  for (const b of await cluster.brokers()) state.set(b.id, 'up');
  if (state.size < 3) throw new Error(`chaos needs a 3-broker cluster; this one has ${state.size}`);

  const admin = kafka.admin({ retry: options.retry });
  await admin.connect();
  await createTopicsAndWait(admin, [{ topic, numPartitions: partitions, replicationFactor: 3, configEntries: [{ name: 'min.insync.replicas', value: '2' }] }]);
  log(`topic ${topic}: ${partitions} partitions, replication factor 3, min.insync.replicas=2`);

  const observer = new ClusterObserver(admin, topic, groupId, () => cluster.bootstrapServers());
  await observer.poll();
  observer.start(250);
  const workload = new Workload(kafka, audit, {
    topic,
    groupId,
    producers: options.producers ?? 3,
    consumers: options.consumers ?? 2,
    keys: options.keys ?? 12,
    rate: options.rate ?? 50,
    ackTimeoutMs: 5000,
    retry: options.retry,
    slowMs: options.slowMs ?? 1000,
  });

  const faults: FaultRecord[] = [];
  let phase = 'starting';
  let current = '';
  const live = (): LiveState => {
    const view = observer.latest;
    const periods = workload.unavailablePeriods();
    const stalled = workload.oldestPendingMs();
    return {
      seed,
      backend: cluster.backend,
      elapsedMs: Date.now() - started,
      phase,
      faultIndex: faults.length,
      faultTotal: options.faults ?? null,
      current,
      brokers: [...state].map(([id, s]) => ({ id, state: s, roles: rolesOf(id, view) })),
      view,
      acknowledged: audit.ackedCount,
      failed: workload.failures,
      consumed: audit.uniqueConsumedCount,
      missing: audit.missingCount(),
      stalledMs: stalled >= (options.slowMs ?? 1000) ? stalled : 0,
      unavailableCount: periods.length,
      longestUnavailableMs: Math.max(0, ...periods.map((p) => p.end - p.start)),
      leaderElections: observer.leaderChanges,
    };
  };
  const frameTimer = options.onFrame ? setInterval(() => options.onFrame!(live()), 500) : null;

  let drained = false;
  try {
    phase = 'warming up';
    await workload.startConsumers();
    workload.startProducers();
    await sleep(1000);

    const stream = scheduleStream(seed, options.timing);
    const pickRng = new Prng(seed ^ 0x5eed);
    const deadline = options.durationMs !== undefined && options.faults === undefined ? started + options.durationMs : Infinity;
    const maxFaults = options.faults ?? Infinity;
    phase = 'faults';
    while (faults.length < maxFaults && Date.now() < deadline && !options.signal?.aborted) {
      const spec = stream.next();
      const view = await freshView(observer);
      const { targets, note } = resolveTargets(spec, view, [...state.keys()], pickRng);
      const record: FaultRecord = { index: spec.index + 1, action: spec.action, role: spec.role, targets, atMs: Date.now() - started, downMs: spec.downMs, recoveredMs: null, ...(note ? { note } : {}) };
      faults.push(record);
      current = `${spec.index + 1}: ${describeSpec(spec)} → broker ${targets.join(' + ')}${note ? ` (${note})` : ''}`;
      log(`fault ${current}, down ${spec.downMs} ms`);
      for (const id of targets) {
        if (spec.action === 'kill') await cluster.killBroker(id);
        else await cluster.stopBroker(id);
        state.set(id, spec.action === 'kill' ? 'killed' : 'stopped');
      }
      await sleep(spec.downMs);
      for (const id of targets) {
        await cluster.startBroker(id);
        state.set(id, 'up');
      }
      const restarted = Date.now();
      current = `${spec.index + 1}: broker ${targets.join(' + ')} restarted, waiting for the full ISR`;
      if (await waitRecovered(observer, [...state.keys()], options.recoveryTimeoutMs ?? 20_000)) {
        record.recoveredMs = Date.now() - restarted;
      } else {
        record.note = `${record.note ? record.note + '; ' : ''}ISR not full within ${options.recoveryTimeoutMs ?? 20_000} ms`;
        log(`fault ${spec.index + 1}: the ISR was not full again within the recovery timeout; going on`);
      }
      current = '';
      await sleep(spec.gapMs);
    }

    phase = 'draining';
    log(`${faults.length} faults done: stopping the producers, restarting every broker, draining the consumers`);
    await workload.stopProducers();
    for (const [id, s] of state) {
      if (s !== 'up') {
        await cluster.startBroker(id);
        state.set(id, 'up');
      }
    }
    await waitRecovered(observer, [...state.keys()], options.recoveryTimeoutMs ?? 20_000);
    const drainDeadline = Date.now() + (options.drainTimeoutMs ?? 60_000);
    while (audit.missingCount() > 0 && Date.now() < drainDeadline) await sleep(100);
    drained = audit.missingCount() === 0;
    // A little longer, so redeliveries still in flight are counted as the duplicates they are.
    await sleep(500);
  } finally {
    if (frameTimer) clearInterval(frameTimer);
    phase = 'done';
    options.onFrame?.(live());
    observer.stop();
    await workload.stopProducers().catch(() => undefined);
    await workload.stopConsumers().catch(() => undefined);
    await admin.disconnect().catch(() => undefined);
  }

  const audited = audit.report();
  const byKey: Record<string, number> = {};
  for (const v of audited.outOfOrder) byKey[v.key] = (byKey[v.key] ?? 0) + 1;
  const periods = workload.unavailablePeriods();
  const stamp = (s: { producer: string; seq: number; key: string }) => `${s.producer}#${s.seq}(${s.key})`;
  return {
    ok: audited.lost.length === 0 && audited.outOfOrder.length === 0,
    seed,
    backend: cluster.backend,
    topic,
    partitions,
    durationMs: Date.now() - started,
    faults,
    sent: audited.sent,
    acknowledged: audited.acked,
    failed: audited.failed,
    consumed: audited.consumed,
    uniqueConsumed: audited.uniqueConsumed,
    lost: audited.lost.length,
    duplicates: audited.duplicateCount,
    orderViolations: audited.outOfOrder.length,
    orderViolationsByKey: byKey,
    consumedNotAcknowledged: audited.consumedNotAcked.length,
    unavailable: summarizePeriods(periods, started),
    leaderElections: observer.leaderChanges,
    producerRestarts: workload.producerRestarts,
    consumerRestarts: workload.consumerRestarts,
    sendErrors: Object.fromEntries(workload.errors),
    drained,
    lostSample: audited.lost.slice(0, 10).map(stamp),
    orderSample: audited.outOfOrder.slice(0, 10).map((v) => `${stamp(v)} after #${v.after}`),
  };
}

export function summarizePeriods(periods: Period[], origin: number): ChaosReport['unavailable'] {
  const list = periods.map((p) => ({ startMs: p.start - origin, endMs: p.end - origin, ms: p.end - p.start }));
  return {
    count: list.length,
    longestMs: Math.max(0, ...list.map((p) => p.ms)),
    totalMs: list.reduce((n, p) => n + p.ms, 0),
    periods: list,
  };
}

function rolesOf(id: number, view: ClusterView | null): string[] {
  if (!view) return [];
  const roles: string[] = [];
  if (view.controller === id) roles.push('controller');
  if (view.coordinator === id) roles.push('coordinator');
  const leads = view.partitions.filter((p) => p.leader === id).map((p) => p.partition);
  if (leads.length) roles.push(`leader of ${leads.join(',')}`);
  return roles;
}

async function freshView(observer: ClusterObserver): Promise<ClusterView | null> {
  try {
    return await withTimeout(observer.poll(), 3000, 'metadata');
  } catch {
    return observer.latest;
  }
}

/** Which broker(s) hold the role now. Falls back to a random broker (with a note) when the role is vacant. */
export function resolveTargets(spec: Pick<FaultSpec, 'role'>, view: ClusterView | null, brokerIds: number[], rng: Prng): { targets: number[]; note?: string } {
  const led = (view?.partitions ?? []).filter((p) => p.leader >= 0 && brokerIds.includes(p.leader));
  const fallback = (why: string) => ({ targets: [rng.pick(brokerIds)], note: `${why}: a random broker instead` });
  switch (spec.role) {
    case 'leader': {
      if (led.length === 0) return fallback('no partition has a leader');
      return { targets: [rng.pick(led).leader] };
    }
    case 'follower': {
      const withFollowers = led.filter((p) => p.isr.some((r) => r !== p.leader));
      if (withFollowers.length === 0) return fallback('no in-sync follower');
      const p = rng.pick(withFollowers);
      return { targets: [rng.pick(p.isr.filter((r) => r !== p.leader))] };
    }
    case 'controller':
      return view?.controller != null && brokerIds.includes(view.controller) ? { targets: [view.controller] } : fallback('no controller known');
    case 'coordinator':
      return view?.coordinator != null && brokerIds.includes(view.coordinator) ? { targets: [view.coordinator] } : fallback('no coordinator known');
    case 'two': {
      if (led.length === 0) {
        const first = rng.pick(brokerIds);
        return { targets: [first, rng.pick(brokerIds.filter((b) => b !== first))], note: 'no partition has a leader: two random brokers' };
      }
      const p = rng.pick(led);
      const others = (p.isr.length > 1 ? p.isr : p.replicas).filter((r) => r !== p.leader && brokerIds.includes(r));
      const second = others.length ? rng.pick(others) : rng.pick(brokerIds.filter((b) => b !== p.leader));
      return { targets: [p.leader, second] };
    }
  }
}

/** Until every broker is registered and every partition of the topic has a leader and its full ISR. */
async function waitRecovered(observer: ClusterObserver, brokerIds: number[], timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const view = await freshView(observer);
    if (
      view &&
      brokerIds.every((id) => view.liveBrokers.includes(id)) &&
      view.partitions.length > 0 &&
      view.partitions.every((p) => p.leader >= 0 && p.isr.length === p.replicas.length)
    ) {
      return true;
    }
    await sleep(100);
  }
  return false;
}

