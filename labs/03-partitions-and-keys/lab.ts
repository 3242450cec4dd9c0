/** Lab 03 · Partitions and keys: same key → same partition, in order; no key → spread. */
import { defineLab } from '../../src/lab/runner.js';
import { isMain, labMain } from '../../src/lab/main.js';

const TOPIC = 'lab03-orders';
const GROUP = 'lab03-reader';
const KEYS = ['alice', 'bob', 'carol', 'dave', 'erin', 'frank'];
const PER_KEY = 8;
const UNKEYED = 30;

const lab = defineLab({
  id: '03',
  slug: 'partitions-and-keys',
  title: 'Partitions and keys',
  profile: 'single',
  anyProfile: true,
  async run(lab) {
    await lab.step(`Create ${TOPIC} with 4 partitions`, async () => {
      await lab.createTopic({ topic: TOPIC, numPartitions: 4 });
      lab.explain('The producer, not the broker, picks the partition: hash(key) % partitions (murmur2, like the Java client).');
    });
    await lab.pause();

    await lab.step(`Send ${PER_KEY} events for each of ${KEYS.length} customers, interleaved, keyed by customer`, async () => {
      // Idempotent, as Kafka's own producer is by default: a retried send is not written twice, so a key's order holds.
      const producer = await lab.producer({ clientId: 'lab03-producer', idempotent: true, maxInFlightRequests: 1 });
      for (let i = 0; i < PER_KEY; i++) {
        await producer.send({ topic: TOPIC, acks: -1, messages: KEYS.map((key) => ({ key, value: JSON.stringify({ key, step: i }) })) });
      }
      lab.say(`Sent alice #0, bob #0, … frank #0, then alice #1, bob #1, …: ${KEYS.length * PER_KEY} events. Now a second batch without keys:`);
      const unkeyed = Array.from({ length: UNKEYED }, (_, i) => ({ value: JSON.stringify({ key: null, step: i }) }));
      for (const m of unkeyed) await producer.send({ topic: TOPIC, acks: -1, messages: [m] });
      lab.say(`Sent ${UNKEYED} events without a key.`);
      await lab.disconnect(producer);
    });
    await lab.pause('press Enter to read everything back');

    const got: Array<{ key: string | null; step: number; partition: number; offset: number }> = [];
    await lab.step('Read everything back: where did each key land?', async () => {
      await lab.group(GROUP);
      const consumer = await lab.consumer({ groupId: GROUP, clientId: 'lab03-consumer' });
      await consumer.subscribe({ topic: TOPIC, fromBeginning: true });
      await consumer.run({
        eachMessage: async ({ partition, message }) => {
          const v = JSON.parse(message.value?.toString() ?? '{}') as { key: string | null; step: number };
          got.push({ key: v.key, step: v.step, partition, offset: Number(message.offset) });
        },
      });
      const total = KEYS.length * PER_KEY + UNKEYED;
      await lab.waitFor(`read all ${total} events`, () => got.length >= total, { timeoutMs: 30_000 });
      await lab.disconnect(consumer);

      const rows = KEYS.map((key) => {
        const mine = got.filter((g) => g.key === key);
        const partitions = [...new Set(mine.map((g) => g.partition))];
        const steps = mine.map((g) => g.step);
        const inOrder = steps.every((s, i) => i === 0 || s > steps[i - 1]!);
        return { key, partitions, count: mine.length, inOrder, offsets: mine.map((g) => g.offset) };
      });
      const sharing = (r: (typeof rows)[number]) => rows.filter((o) => o.key !== r.key && o.partitions.some((p) => r.partitions.includes(p))).map((o) => o.key);
      lab.table(
        ['key', 'partition', 'events', 'offsets', 'in order', 'shares the partition with'],
        rows.map((r) => [r.key, r.partitions.join(','), r.count, r.offsets.join(','), r.inOrder, sharing(r).join(', ') || '-']),
      );
      lab.explain(
        'Same key → same partition → the order of that key is kept (a partition is one ordered log).',
        `${KEYS.length} keys on 4 partitions: some keys share a partition. Their events were sent interleaved, so they are`,
        "interleaved in that partition's log too, and each key's offsets skip: an offset is a position in the partition,",
        'counted over every message in it, whatever its key, not a count of that key. A key alone on its partition gets 0, 1, 2, …',
      );
      lab.check('every key landed on exactly one partition', rows.every((r) => r.partitions.length === 1));
      lab.check('every key was read in the order it was sent', rows.every((r) => r.inOrder && r.count === PER_KEY));
      lab.observe('partitions used by keys', [...new Set(rows.flatMap((r) => r.partitions))].sort().join(','));
    });
    await lab.pause();

    await lab.step('And the events without a key', async () => {
      const unkeyed = got.filter((g) => g.key === null);
      const spread = new Map<number, number>();
      for (const g of unkeyed) spread.set(g.partition, (spread.get(g.partition) ?? 0) + 1);
      lab.table(['partition', 'unkeyed events'], [...spread.entries()].sort((a, b) => a[0] - b[0]));
      lab.explain(
        'No key → the producer spreads events over the partitions: good for balance, but no order across them.',
        'Adding partitions later changes hash % partitions, so existing keys may move: pick the count up front.',
      );
      lab.check('unkeyed events spread over more than one partition', spread.size > 1, `${spread.size} partitions`);
    });
  },
});

export default lab;
if (isMain(import.meta.url)) await labMain(lab);
