/** Lab 04 · Offsets and replay: committed offsets, restart where you left off, seek back, reset a stopped group. */
import { applyReset, planReset } from '../../src/groups/reset-offsets.js';
import { defineLab, type LabContext } from '../../src/lab/runner.js';
import { isMain, labMain } from '../../src/lab/main.js';

const TOPIC = 'lab04-ledger';
const GROUP = 'lab04-bookkeeper';

async function offsetsTable(lab: LabContext): Promise<Array<{ partition: number; committed: number; end: number }>> {
  const admin = await lab.admin();
  const committed = await admin.fetchOffsets({ groupId: GROUP, topics: [TOPIC] });
  const ends = await admin.fetchTopicOffsets(TOPIC);
  const rows = ends
    .map((e) => {
      const c = committed[0]?.partitions.find((p) => p.partition === e.partition)?.offset ?? '-1';
      return { partition: e.partition, committed: Number(c), end: Number(e.high) };
    })
    .sort((a, b) => a.partition - b.partition);
  lab.table(
    ['partition', 'committed offset', 'log end offset', 'lag'],
    rows.map((r) => [r.partition, r.committed < 0 ? '(none)' : r.committed, r.end, r.committed < 0 ? r.end : r.end - r.committed]),
  );
  return rows;
}

/** Runs the group's consumer until `expected` messages arrived (and a little longer, to catch extras). */
async function consumeSession(
  lab: LabContext,
  label: string,
  expected: number,
  options: { seekToStart?: boolean } = {},
): Promise<Array<{ partition: number; offset: number; value: string }>> {
  const got: Array<{ partition: number; offset: number; value: string }> = [];
  const consumer = await lab.consumer({ groupId: GROUP, clientId: `lab04-${label}` });
  await consumer.subscribe({ topic: TOPIC, fromBeginning: true });
  let seeked = false;
  if (options.seekToStart) {
    consumer.on(consumer.events.GROUP_JOIN, ({ payload }) => {
      if (seeked) return;
      seeked = true;
      for (const partition of payload.memberAssignment[TOPIC] ?? []) consumer.seek({ topic: TOPIC, partition, offset: '0' });
    });
  }
  await consumer.run({
    eachMessage: async ({ partition, message }) => {
      got.push({ partition, offset: Number(message.offset), value: message.value?.toString() ?? '' });
    },
  });
  await lab.waitFor(`${label}: ${expected} messages`, () => got.length >= expected, { timeoutMs: 30_000 });
  await lab.sleep(500); // anything beyond what we expect would show up now
  await lab.disconnect(consumer); // a graceful stop commits what was processed
  lab.table(['partition', 'offsets read'], [0, 1].map((p) => [p, ranges(got.filter((g) => g.partition === p).map((g) => g.offset))]));
  return got;
}

function ranges(offsets: number[]): string {
  if (offsets.length === 0) return '(none)';
  const sorted = [...offsets].sort((a, b) => a - b);
  return `${sorted[0]}…${sorted.at(-1)} (${sorted.length})`;
}

async function produce(lab: LabContext, from: number, count: number): Promise<void> {
  const producer = await lab.producer({ clientId: 'lab04-producer' });
  await producer.send({
    topic: TOPIC,
    acks: -1,
    messages: Array.from({ length: count }, (_, i) => ({ key: `account-${(from + i) % 4}`, value: `entry-${from + i}` })),
  });
  await lab.disconnect(producer);
}

const lab = defineLab({
  id: '04',
  slug: 'offsets-and-replay',
  title: 'Offsets and replay',
  profile: 'single',
  anyProfile: true,
  async run(lab) {
    await lab.step(`Create ${TOPIC} (2 partitions) and write 12 entries`, async () => {
      await lab.createTopic({ topic: TOPIC, numPartitions: 2 });
      await lab.group(GROUP);
      await produce(lab, 0, 12);
      await offsetsTable(lab);
      lab.explain('The group has no committed offset yet; "lag" is how far behind the end of the log it is.');
    });
    await lab.pause();

    await lab.step('A consumer reads everything and stops gracefully', async () => {
      const got = await consumeSession(lab, 'first run', 12);
      lab.check('the first run read all 12 entries', got.length === 12, `${got.length}`);
      const rows = await offsetsTable(lab);
      lab.explain('On a graceful stop the consumer commits the offset of the next message to read, per partition.');
      lab.check('the committed offsets equal the log end: lag 0', rows.every((r) => r.committed === r.end));
    });
    await lab.pause();

    await lab.step('Write 6 more, then restart the consumer in the same group', async () => {
      await produce(lab, 12, 6);
      await offsetsTable(lab);
      const got = await consumeSession(lab, 'restart', 6);
      lab.explain('The restarted consumer fetched the committed offsets first and carried on from there: only the new entries.');
      lab.check('the restart read only the 6 new entries', got.length === 6 && got.every((g) => Number(g.value.slice(6)) >= 12), `${got.length}`);
    });
    await lab.pause();

    await lab.step('Replay: seek back to offset 0 while consuming', async () => {
      const got = await consumeSession(lab, 'replay', 18, { seekToStart: true });
      lab.explain('consumer.seek() moves the read position of an assigned partition. The log still has every entry: replay is free.');
      lab.check('seeking to 0 replayed all 18 entries', got.length === 18, `${got.length}`);
    });
    await lab.pause();

    await lab.step("Reset the group's offsets to 3 (group stopped)", async () => {
      const admin = await lab.admin();
      const plan = await planReset(admin, GROUP, { to: 'offset', offset: 3 }, { topic: TOPIC });
      await applyReset(admin, lab.cluster.bootstrapServers(), GROUP, plan);
      lab.say(
        `Both partitions back to offset 3: the same code as \`yarn offsets:reset ${GROUP} --to 3\``,
        '(Kafka\'s `kafka-consumer-groups --reset-offsets --to-offset 3 --execute`): a commit from outside the group.',
      );
      const rows = await offsetsTable(lab);
      const expected = rows.reduce((n, r) => n + (r.end - 3), 0);
      const got = await consumeSession(lab, 'after reset', expected);
      lab.explain('Offsets can only be reset while the group has no members: otherwise the members would overwrite them.');
      lab.check('after the reset the group re-read from offset 3 in each partition', got.length === expected && got.every((g) => g.offset >= 3), `${got.length}/${expected}`);
      lab.observe('entries re-read after the reset', got.length);
    });
  },
});

export default lab;
if (isMain(import.meta.url)) await labMain(lab);
