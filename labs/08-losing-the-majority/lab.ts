/** Lab 08 · Losing the majority: 2 of 3 brokers down → acks=all refused, reads still work; one back → writes resume. */
import { describeAudit, MessageAudit } from '../../src/lab/audit.js';
import { kafkaErrorType } from '../../src/lab/kafka.js';
import { formatMs } from '../../src/lab/output.js';
import { defineLab } from '../../src/lab/runner.js';
import { isMain, labMain } from '../../src/lab/main.js';

const TOPIC = 'lab08-accounts';
const REFUSALS = ['NOT_ENOUGH_REPLICAS', 'NOT_ENOUGH_REPLICAS_AFTER_APPEND', 'REQUEST_TIMED_OUT'];

const lab = defineLab({
  id: '08',
  slug: 'losing-the-majority',
  title: 'Losing the majority',
  profile: 'multi',
  async run(lab) {
    const audit = new MessageAudit();
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
      lab.table(['partition', 'leader', 'replicas', 'isr'], [[p!.partitionId, p!.leader, p!.replicas.join(','), p!.isr.join(',')]]);
    });
    await lab.pause();

    const [p0] = await lab.partitions(TOPIC);
    const { controller } = await lab.describeCluster();
    // Keep the controller alive if it is a replica: the survivor must be able to take the leadership.
    const survivor = p0!.replicas.includes(controller ?? -1) ? controller! : p0!.leader;
    const victims = p0!.replicas.filter((b) => b !== survivor);
    await lab.step(`Kill brokers ${victims.join(' and ')}: only broker ${survivor} is left`, async () => {
      for (const id of victims) await lab.killBroker(id);
      const { elapsedMs } = await lab.waitFor(
        `the controller fences them: ISR of partition 0 shrinks to [${survivor}]`,
        async () => {
          const [p] = await lab.partitions(TOPIC);
          return p && p.leader === survivor && p.isr.length === 1 ? p : undefined;
        },
        { timeoutMs: 40_000, intervalMs: 250 },
      );
      lab.observe('time until the ISR shrank to one', formatMs(elapsedMs));
      lab.explain(
        `Broker ${survivor} leads, alone in the ISR. min.insync.replicas=2 cannot be met, so acks=all writes must be refused:`,
        'an acknowledged write has to survive the loss of a broker, and with one copy it would not.',
        'On Docker (KRaft combined mode) the brokers are also the controller quorum: with 2 of 3 gone there is no quorum,',
        'so the ISR cannot even change — writes then time out instead of being refused. Either way: nothing is acknowledged.',
      );
    });
    await lab.pause();

    await lab.step('Try to write with acks=all', async () => {
      const producer = await lab.producer({ clientId: 'lab08-during', retry: { retries: 2, initialRetryTime: 200, maxRetryTime: 500 } });
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
      lab.check('the acks=all write was refused', errorType !== undefined && REFUSALS.includes(errorType), errorType ?? 'acknowledged');
      await lab.disconnect(producer);
    });

    await lab.step('…while consumers still read everything that was committed', async () => {
      const group = await lab.group('lab08-readers');
      const consumer = await lab.consumer({ groupId: group, clientId: 'lab08-reader' });
      await consumer.subscribe({ topic: TOPIC, fromBeginning: true });
      let read = 0;
      // Counted here, not in the audit: the final audit reads everything once with its own group.
      await consumer.run({ eachMessage: async () => void read++ });
      await lab.waitFor('a new consumer group reads the 30 acknowledged records', () => read >= 30, { timeoutMs: 30_000 });
      lab.explain('Reads only need the leader: the 30 records are below the high watermark, committed to all three replicas.');
      lab.check('all 30 acknowledged records were read with one broker left', read >= 30, `${read}`);
      await lab.disconnect(consumer);
    });
    await lab.pause();

    const back = victims[0]!;
    await lab.step(`Start broker ${back} again: two in sync, writes resume`, async () => {
      await lab.startBroker(back);
      const { elapsedMs } = await lab.waitFor(`broker ${back} back in the ISR`, async () => {
        const [p] = await lab.partitions(TOPIC);
        return p && p.isr.includes(back) && p.isr.length >= 2;
      }, { timeoutMs: 40_000 });
      lab.observe(`time for broker ${back} to rejoin the ISR`, formatMs(elapsedMs));
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
      lab.observe('refused writes that landed anyway (possible after a timeout, never after NOT_ENOUGH_REPLICAS)', report.consumedNotAcked.length);
    });
  },
});

export default lab;
if (isMain(import.meta.url)) await labMain(lab);
