/** Turning a chaos run into text: the live frame while it runs and the audit at the end. */
import { c } from '../cli/ansi.js';
import { formatTable } from '../cli/table.js';
import type { ChaosReport, LiveState } from './run.js';

const secs = (ms: number) => `${(ms / 1000).toFixed(1)} s`;

export function renderLive(s: LiveState): string {
  const head = `${c.bold('chaos')}  seed ${s.seed}  backend ${s.backend}  ${s.phase}  fault ${s.faultIndex}${s.faultTotal !== null ? `/${s.faultTotal}` : ''}  elapsed ${secs(s.elapsedMs)}`;
  const now = s.current ? `now: ${s.current}` : 'now: —';
  const brokers = formatTable(
    ['broker', 'state', 'roles'],
    s.brokers.map((b) => [b.id, b.state === 'up' ? c.green('up') : c.red(b.state.toUpperCase()), b.roles.join(', ')]),
    { indent: 2 },
  );
  const parts = formatTable(
    [{ header: 'partition', align: 'right' }, { header: 'leader', align: 'right' }, 'isr'],
    (s.view?.partitions ?? []).map((p) => [p.partition, p.leader < 0 ? c.red('none') : p.leader, p.isr.length < p.replicas.length ? c.yellow(p.isr.join(',')) : p.isr.join(',')]),
    { indent: 2, empty: '(no metadata yet)' },
  );
  const counts =
    `acknowledged ${s.acknowledged}  failed ${s.failed}  consumed ${s.consumed}  not yet consumed ${s.missing}\n` +
    `unavailable periods ${s.unavailableCount} (longest ${secs(s.longestUnavailableMs)})${s.stalledMs ? c.yellow(`  writes stalled for ${secs(s.stalledMs)}`) : ''}  leader changes ${s.leaderElections}`;
  return [head, now, brokers, parts, counts].join('\n');
}

export function renderReport(r: ChaosReport): string {
  const mark = (ok: boolean) => (ok ? c.green('ok') : c.red('FAIL'));
  const faultRows = r.faults.map((f) => [
    f.index,
    `${f.action} ${f.role}`,
    f.targets.join('+'),
    secs(f.atMs),
    `${f.downMs} ms`,
    f.recoveredMs === null ? c.yellow('no') : `${f.recoveredMs} ms`,
    f.note ?? '',
  ]);
  const lines = [
    '',
    formatTable(
      [{ header: '#', align: 'right' }, 'fault', 'broker', { header: 'at', align: 'right' }, { header: 'down', align: 'right' }, { header: 'full ISR after', align: 'right' }, 'note'],
      faultRows,
      { empty: '(no faults)' },
    ),
    '',
    c.bold(`chaos audit — seed ${r.seed}, ${r.faults.length} faults, backend ${r.backend}, ${secs(r.durationMs)}`),
    `  acknowledged      ${r.acknowledged}   (sent ${r.sent}, failed ${r.failed}: a failed send is not a promise)`,
    `  consumed          ${r.consumed}   (${r.uniqueConsumed} distinct; ${r.consumedNotAcknowledged} of them were reported failed yet landed)`,
    `  lost              ${r.lost}   ${mark(r.lost === 0)}${r.lostSample.length ? '  → ' + r.lostSample.join(', ') : ''}${r.drained ? '' : c.red('  (consumers did not catch up before the drain timeout)')}`,
    `  duplicates        ${r.duplicates}   (redeliveries after rebalances: at-least-once, allowed)`,
    `  order violations  ${r.orderViolations}   ${mark(r.orderViolations === 0)}${Object.keys(r.orderViolationsByKey).length ? '  per key: ' + Object.entries(r.orderViolationsByKey).map(([k, n]) => `${k}=${n}`).join(', ') : ''}`,
    `  unavailable       ${r.unavailable.count} period(s), longest ${secs(r.unavailable.longestMs)}, total ${secs(r.unavailable.totalMs)}`,
    `  leader changes    ${r.leaderElections} seen   producer restarts ${r.producerRestarts}   consumer restarts ${r.consumerRestarts}`,
  ];
  const errs = Object.entries(r.sendErrors);
  if (errs.length) lines.push(`  send errors       ${errs.map(([k, n]) => `${k}×${n}`).join(', ')}`);
  lines.push(r.ok ? c.green('PASS: every acknowledged message was consumed, in order per key') : c.red('FAIL: acknowledged messages were lost or reordered'));
  return lines.join('\n');
}
