/**
 * Lab 08 · Losing the majority. Three KRaft combined-mode nodes: every broker is also a controller voter. Kill two:
 * the survivor still leads its partition, but with 1 of 3 voters there is no controller quorum, so nothing in the
 * cluster's metadata can change — no fencing, no ISR shrink, no election. acks=all writes wait for replicas that are
 * gone and time out; acks=1 writes land on the leader but stay invisible (the high watermark cannot move). One node
 * back: a quorum again, the dead broker is fenced, the ISR shrinks, and everything that was waiting becomes visible.
 */
import { describeAudit, MessageAudit } from '../../src/lab/audit.js';
import { fetchFrom, partitionsFrom, type PartitionView } from '../../src/cluster/kafka-requests.js';
import { kafkaErrorType } from '../../src/lab/kafka.js';
import { formatMs } from '../../src/lab/output.js';
import { LabInterrupted, defineLab, type LabContext } from '../../src/lab/runner.js';
import { isMain, labMain } from '../../src/lab/main.js';

const TOPIC = 'lab08-accounts';
/** What a write that is not acknowledged may get: refused outright, or no answer before the request timeout. */
const NOT_ACKNOWLEDGED = ['REQUEST_TIMED_OUT', 'NOT_ENOUGH_REPLICAS', 'NOT_ENOUGH_REPLICAS_AFTER_APPEND'];
/** The brokers fence a silent node after broker.session.timeout.ms (5 s in this kit): watch for twice as long. */
const WATCH_MS = 12_000;

const row = (p: PartitionView, controller: number | null) => [p.partition, p.leader < 0 ? 'none' : p.leader, p.replicas.join(','), p.isr.join(','), controller ?? 'none'];

async function survivorView(lab: LabContext, address: string): Promise<PartitionView> {
  const [p] = await partitionsFrom(address, TOPIC);
  if (!p) lab.fail(`${address} does not know ${TOPIC}`);
  return p;
}

const lab = defineLab({
  id: '08',
  slug: 'losing-the-majority',
  title: 'Losing the majority',
  profile: 'multi',
  async run(lab) {
    const audit = new MessageAudit();
    const headers = ['partition', 'leader', 'replicas', 'isr', 'active controller'];

    await lab.step(`Create ${TOPIC} (1 partition, RF 3, min.insync.replicas=2) and write 30 records with acks=all`, async () => {
      await lab.createTopic({ topic: TOPIC, numPartitions: 1, replicationFactor: 3, configEntries: [{ name: 'min.insync.replicas', value: '2' }] });
      const producer = await lab.producer({ clientId: 'lab08-before', idempotent: true, maxInFlightRequests: 1 });
      for (let i = 0; i < 30; i++) {
        const m = audit.stamp('before', `acct-${i % 3}`);
        await producer.send({ topic: TOPIC, acks: -1, messages: [{ key: m.key, value: m.value, headers: m.headers }] });
        audit.acked(m.stamp);
      }
      await lab.disconnect(producer);
      const [p] = await lab.partitions(TOPIC);
      const { brokers, controller } = await lab.describeCluster();
      lab.table(headers, [[p!.partitionId, p!.leader, p!.replicas.join(','), p!.isr.join(','), controller ?? 'none']]);
      lab.explain(
        `The ${brokers.length} nodes run KRaft in combined mode: each is a broker AND a voter of the controller quorum.`,
        `Every change to the cluster's metadata (a fenced broker, a new leader, a smaller ISR) is a record the quorum must`,
        `commit, and committing needs a majority of the voters: 2 of 3.`,
      );
    });
    await lab.pause();

    const [p0] = await lab.partitions(TOPIC);
    const survivor = p0!.leader;
    const survivorBroker = (await lab.cluster.brokers()).find((b) => b.id === survivor) ?? lab.fail(`broker ${survivor} is not in the cluster`);
    const survivorAddress = `${survivorBroker.host}:${survivorBroker.port}`;
    const victims = p0!.replicas.filter((b) => b !== survivor);

    await lab.step(`Kill brokers ${victims.join(' and ')}: broker ${survivor}, the leader, is the only one left`, async () => {
      for (const id of victims) await lab.killBroker(id);
      const killedAt = Date.now();
      const view = lab.liveTable(headers, { title: () => `${TOPIC} as broker ${survivor} sees it, ${formatMs(Date.now() - killedAt)} after the kill` });
      let last = await survivorView(lab, survivorAddress);
      let controller: number | null = null;
      while (Date.now() - killedAt < WATCH_MS) {
        last = await survivorView(lab, survivorAddress);
        controller = await lab.activeController([survivorAddress]);
        view.update([row(last, controller)]);
        await lab.sleep(1000);
      }
      view.done();
      lab.explain(
        `${formatMs(WATCH_MS)} later — more than twice the 5 s session timeout — nothing has changed: broker ${survivor} still leads and`,
        `the ISR still names brokers ${victims.join(' and ')}. With 1 of 3 voters there is no quorum, so no controller can fence`,
        'them or shrink the ISR: the metadata is frozen until a second voter returns.',
      );
      lab.check(`broker ${survivor} still leads partition 0`, last.leader === survivor, `leader ${last.leader}`);
      lab.check('the ISR did not shrink (no quorum to commit the change)', victims.every((v) => last.isr.includes(v)), `isr [${last.isr.join(',')}]`);
      lab.check('there is no active controller', controller === null, controller === null ? 'none' : `broker ${controller}`);
    });
    await lab.pause();

    let timedOut = false;
    await lab.step('Try to write with acks=all', async () => {
      // not idempotent: its InitProducerId would need the lost quorum, and the one send must not be retried
      const producer = await lab.producer({ clientId: 'lab08-during', idempotent: false, retry: { retries: 0 }, brokers: [survivorAddress] });
      const m = audit.stamp('during', 'acct-0');
      let errorType: string | undefined;
      const t = Date.now();
      try {
        await producer.send({ topic: TOPIC, acks: -1, timeout: 3000, messages: [{ key: m.key, value: m.value, headers: m.headers }] });
        audit.acked(m.stamp);
      } catch (error) {
        audit.failed(m.stamp);
        errorType = kafkaErrorType(error);
      }
      lab.say(`the send ${errorType ? `failed after ${formatMs(Date.now() - t)} with ${lab.s.bold(errorType)}` : 'was acknowledged (!)'}`);
      lab.explain(
        `The ISR still has 3 members, so min.insync.replicas=2 looks met: the leader appends the record and waits for brokers`,
        `${victims.join(' and ')} to copy it. They never will, and the leader cannot drop them without the quorum, so the request`,
        'times out. Not acknowledged — but not refused either: the record is in the leader\'s log. Remember it for the last step.',
      );
      lab.check('the acks=all write was not acknowledged', errorType !== undefined && NOT_ACKNOWLEDGED.includes(errorType), errorType ?? 'acknowledged');
      timedOut = errorType === 'REQUEST_TIMED_OUT';
      await lab.disconnect(producer);
    });

    await lab.step('Write with acks=1, then read the partition from the leader', async () => {
      // not idempotent: an idempotent producer must use acks=all
      const producer = await lab.producer({ clientId: 'lab08-acks1', idempotent: false, retry: { retries: 0 }, brokers: [survivorAddress] });
      const m = audit.stamp('acks1', 'acct-1');
      let offset = '?';
      try {
        const [meta] = await producer.send({ topic: TOPIC, acks: 1, timeout: 3000, messages: [{ key: m.key, value: m.value, headers: m.headers }] });
        offset = meta?.baseOffset ?? '?';
        audit.acked(m.stamp);
      } catch (error) {
        audit.failed(m.stamp);
        offset = `not acknowledged (${kafkaErrorType(error) ?? 'error'})`;
      }
      await lab.disconnect(producer);
      const read = await fetchFrom(survivorAddress, TOPIC, 0, 0);
      lab.table(['acks=1 record at offset', 'high watermark', 'records a consumer can fetch'], [[offset, read.highWatermark, read.records]]);
      lab.explain(
        'acks=1 only waits for the leader, so it is acknowledged. But consumers only see records below the high watermark,',
        'the offset every in-sync replica has reached — and two of them are dead. The 30 committed records are still readable',
        '(a fetch needs only the leader); the new ones wait. A consumer GROUP could not even start now: joining writes to',
        '__consumer_offsets, and that write cannot commit either.',
      );
      lab.check('the 30 committed records are still readable from the leader', read.records === 30, `${read.records}`);
      lab.check('the high watermark did not move', read.highWatermark === 30, `${read.highWatermark}`);
    });
    await lab.pause();

    const back = victims[0]!;
    await lab.step(`Start broker ${back} again: two voters, a quorum, and the metadata moves again`, async () => {
      await lab.startBroker(back);
      const { elapsedMs, value } = await lab.waitFor(
        `the controller fences broker ${victims[1]}: ISR [${[survivor, back].sort().join(',')}]`,
        async () => {
          const p = await survivorView(lab, survivorAddress).catch(() => undefined);
          // No dead broker left in the ISR. (Normally that is broker victims[1], fenced; if the student started it
          // too at the pause, as the README's "Try next" suggests, nobody needs fencing.)
          const down = (await lab.cluster.brokers().catch(() => [])).filter((b) => !b.up).map((b) => b.id);
          return p && p.isr.includes(back) && p.isr.includes(survivor) && p.isr.every((id) => !down.includes(id)) ? p : undefined;
        },
        { timeoutMs: 60_000, intervalMs: 250 },
      );
      lab.table(headers, [row(value, await lab.activeController([survivorAddress]))]);
      lab.observe(`time from restarting broker ${back} to the ISR shrinking`, formatMs(elapsedMs));
      // The smaller ISR is committed first; broker ${back} then fetches what it missed, and only then does the high
      // watermark move (on Kafka a moment later, measured: HW still 30 right after the shrink).
      const read = await lab
        .waitFor('the high watermark passes the records written without a quorum', async () => {
          const r = await fetchFrom(survivorAddress, TOPIC, 0, 0).catch(() => undefined);
          return r && r.highWatermark > 30 ? r : undefined;
        }, { timeoutMs: 30_000, intervalMs: 250 })
        .then(({ value }) => value, (error: unknown) => (error instanceof LabInterrupted ? Promise.reject(error) : fetchFrom(survivorAddress, TOPIC, 0, 0)));
      lab.explain(
        `With 2 of 3 voters the quorum elects a controller. Broker ${victims[1]} has sent no heartbeat for longer than the session`,
        `timeout, so the controller fences it and commits the smaller ISR; broker ${back} caught up and stays in it. The high`,
        `watermark moves on: ${read.highWatermark} now.`,
        ...(timedOut ? ['The acks=all write that timed out is now committed and visible: a timeout means "unknown", not "failed".'] : []),
      );
      lab.check('the high watermark moved past the records written while the quorum was lost', read.highWatermark > 30, `${read.highWatermark}`);
      const producer = await lab.producer({ clientId: 'lab08-after', idempotent: true, maxInFlightRequests: 1, retry: { retries: 30, initialRetryTime: 100, maxRetryTime: 1000 } });
      let ok = 0;
      for (let i = 0; i < 20; i++) {
        const m = audit.stamp('after', `acct-${i % 3}`);
        try {
          await producer.send({ topic: TOPIC, acks: -1, messages: [{ key: m.key, value: m.value, headers: m.headers }] });
          audit.acked(m.stamp);
          ok++;
        } catch {
          audit.failed(m.stamp);
        }
      }
      await lab.disconnect(producer);
      lab.check('acks=all writes are acknowledged again', ok === 20, `${ok}/20`);
    });

    await lab.step(`Start broker ${victims[1]} too, and audit`, async () => {
      await lab.startBroker(victims[1]!);
      const group = await lab.group('lab08-audit');
      const consumer = await lab.consumer({ groupId: group, clientId: 'lab08-audit' });
      await consumer.subscribe({ topic: TOPIC, fromBeginning: true });
      await consumer.run({ eachMessage: async ({ partition, message }) => void audit.consumedMessage(partition, message) });
      await lab.waitFor('the audit consumer has every acknowledged record', () => audit.missingCount() === 0, { timeoutMs: 30_000 }).catch(() => undefined);
      await lab.disconnect(consumer);
      await lab.waitFor(`broker ${victims[1]} back in the ISR`, async () => (await lab.partitions(TOPIC))[0]?.isr.length === 3, { timeoutMs: 40_000 });
      const report = audit.report();
      lab.say(...describeAudit(report));
      lab.check('nothing acknowledged was lost', report.lost.length === 0, `${report.lost.length} lost`);
      lab.observe('writes not acknowledged that landed anyway (the timed-out one)', report.consumedNotAcked.length);
    });
  },
});

export default lab;
if (isMain(import.meta.url)) await labMain(lab);
