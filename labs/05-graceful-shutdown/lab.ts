/** Lab 05 · Graceful shutdown: SIGTERM mid-stream; nothing unacknowledged, offsets committed, exit 0, clean restart. */
import { describeAudit, MessageAudit } from '../../src/lab/audit.js';
import { spawnScript, type ScriptChild } from '../../src/lab/child.js';
import { defineLab, type LabContext } from '../../src/lab/runner.js';
import { isMain, labMain } from '../../src/lab/main.js';

const TOPIC = 'lab05-payments';
const GROUP = 'lab05-ledger';
const PRODUCER_ID = 'lab05-producer';

interface ConsumerRun {
  child: ScriptChild;
  joined: boolean;
  firstOffset: Map<number, number>;
  lastOffset: Map<number, number>;
  count: number;
}

function startConsumer(lab: LabContext, audit: MessageAudit, name: string): ConsumerRun {
  const run: ConsumerRun = { child: undefined as unknown as ScriptChild, joined: false, firstOffset: new Map(), lastOffset: new Map(), count: 0 };
  run.child = spawnScript('scripts/consume.ts', [TOPIC, '--group', GROUP, '--from-beginning', '--json', '--brokers', lab.cluster.bootstrapServers().join(',')], (line) => {
    const e = parseJson(line);
    if (e?.event === 'join') run.joined = true;
    if (e?.event === 'message' && typeof e.producer === 'string') {
      const p = Number(e.partition);
      const o = Number(e.offset);
      if (!run.firstOffset.has(p)) run.firstOffset.set(p, o);
      run.lastOffset.set(p, o);
      run.count++;
      audit.consumed({ producer: e.producer, seq: Number(e.seq), key: String(e.key ?? ''), partition: p, offset: String(o) });
    }
  });
  lab.onCleanup(() => run.child.signal('SIGKILL'));
  void name;
  return run;
}

function parseJson(line: string): Record<string, unknown> | null {
  try {
    return JSON.parse(line) as Record<string, unknown>;
  } catch {
    return null;
  }
}

const lab = defineLab({
  id: '05',
  slug: 'graceful-shutdown',
  title: 'Graceful shutdown',
  profile: 'single',
  anyProfile: true,
  async run(lab) {
    const audit = new MessageAudit();
    await lab.step(`Create ${TOPIC} (3 partitions) and start a producer and a consumer as separate processes`, async () => {
      await lab.createTopic({ topic: TOPIC, numPartitions: 3 });
      await lab.group(GROUP);
      lab.say('They are `yarn produce` and `yarn consume`, the same scripts you can run in two terminals.');
    });

    let summary: Record<string, unknown> | null = null;
    const producer = spawnScript(
      'scripts/produce.ts',
      [TOPIC, '--rate', '150', '--keys', '6', '--json', '--producer-id', PRODUCER_ID, '--brokers', lab.cluster.bootstrapServers().join(',')],
      (line) => {
        const e = parseJson(line);
        if (e?.event === 'ack') audit.acked({ producer: String(e.producer), seq: Number(e.seq), key: String(e.key) });
        if (e?.event === 'error') audit.failed({ producer: String(e.producer), seq: Number(e.seq), key: String(e.key) });
        if (e?.event === 'summary') summary = e;
      },
    );
    lab.onCleanup(() => producer.signal('SIGKILL'));
    const first = startConsumer(lab, audit, 'first');

    await lab.step('Let the stream run', async () => {
      const view = lab.liveTable(['process', 'acknowledged / consumed']);
      await lab.waitFor(
        'the consumer is reading mid-stream',
        () => first.joined && first.count >= 150 && audit.ackedCount >= 300,
        { timeoutMs: 40_000, onPoll: () => view.update([['producer', audit.ackedCount], ['consumer', first.count]]) },
      );
      view.done();
    });
    await lab.pause('press Enter to send SIGTERM to both');

    await lab.step('Send SIGTERM to the consumer, then to the producer, mid-stream', async () => {
      let t0 = Date.now();
      first.child.signal('SIGTERM');
      const cCode = await first.child.exited;
      lab.say(`consumer: SIGTERM → exit ${cCode} in ${Date.now() - t0} ms; the producer keeps going for another second…`);
      await lab.sleep(1000);
      t0 = Date.now();
      producer.signal('SIGTERM');
      const pCode = await producer.exited;
      lab.say(`producer: SIGTERM → exit ${pCode} in ${Date.now() - t0} ms`);
      lab.explain(
        'The producer stops making new messages, waits for the sends in flight to be acknowledged, then disconnects.',
        'The consumer finishes the batch it is processing, commits the offsets of what it processed, leaves the group',
        '(so the group rebalances at once instead of waiting for a session timeout) and disconnects.',
      );
      const s = (summary ?? {}) as { sent?: number; acked?: number; failed?: number };
      lab.check('the producer exited 0', pCode === 0, `exit ${pCode}`);
      lab.check('every message the producer sent was acknowledged', s.sent !== undefined && s.sent === s.acked && s.failed === 0, `sent ${s.sent}, acked ${s.acked}`);
      lab.check('the consumer exited 0', cCode === 0, `exit ${cCode}${cCode ? ': ' + first.child.stderrTail.slice(-2).join(' ') : ''}`);
      const admin = await lab.admin();
      const committed = (await admin.fetchOffsets({ groupId: GROUP, topics: [TOPIC] }))[0]?.partitions ?? [];
      const rows = [0, 1, 2].map((p) => ({ p, last: first.lastOffset.get(p), committed: Number(committed.find((c) => c.partition === p)?.offset ?? -1) }));
      lab.table(['partition', 'last offset processed', 'committed offset'], rows.map((r) => [r.p, r.last ?? '-', r.committed]));
      lab.check(
        'the committed offset is the next one to read, for every partition',
        rows.every((r) => (r.last === undefined ? r.committed <= 0 : r.committed === r.last + 1)),
      );
    });
    await lab.pause();

    await lab.step('Start the consumer again: it must pick up exactly where the group left off', async () => {
      const committedBefore = new Map<number, number>();
      const admin = await lab.admin();
      for (const c of (await admin.fetchOffsets({ groupId: GROUP, topics: [TOPIC] }))[0]?.partitions ?? []) committedBefore.set(c.partition, Number(c.offset));
      const second = startConsumer(lab, audit, 'second');
      await lab.waitFor('the restarted consumer has read the rest', () => audit.missingCount() === 0, { timeoutMs: 40_000 });
      await lab.sleep(500);
      second.child.signal('SIGTERM');
      const code = await second.child.exited;
      lab.table(
        ['partition', 'committed before', 'first offset after restart'],
        [0, 1, 2].map((p) => [p, committedBefore.get(p) ?? '-', second.firstOffset.get(p) ?? '(nothing left)']),
      );
      lab.check(
        'the restart began at the committed offsets (nothing skipped, nothing re-read)',
        [...second.firstOffset.entries()].every(([p, o]) => o === (committedBefore.get(p) ?? 0)),
      );
      lab.check('the restarted consumer exited 0 on SIGTERM too', code === 0, `exit ${code}`);
      const report = audit.report();
      lab.say('The audit of every stamped message:');
      lab.say(...describeAudit(report));
      lab.check('no acknowledged message was lost', report.lost.length === 0, `${report.lost.length} lost`);
      lab.check('no message was consumed twice across the restart', report.duplicateCount === 0, `${report.duplicateCount} duplicates`);
      lab.check('order per key was kept', report.outOfOrder.length === 0);
      lab.observe('messages acknowledged / consumed by run 1 + run 2', `${report.acked} / ${first.count} + ${second.count}`);
    });
  },
});

export default lab;
if (isMain(import.meta.url)) await labMain(lab);
