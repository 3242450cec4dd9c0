/**
 * Lab 11 · Compaction: a topic as a table. Profile updates keyed by user, a consumer rebuilding the table from the
 * beginning, the log cleaner keeping only the newest record per key (offsets keep their gaps), a tombstone that
 * deletes a user and is itself removed after delete.retention.ms, and the record without a key Kafka refuses.
 */
import { kafkaErrorType } from '../../src/clients/kafka.js';
import { type LogRecord, readPartition, replicaSizesFrom } from '../../src/cluster/kafka-requests.js';
import { defineLab, type LabContext } from '../../src/lab/runner.js';
import { isMain, labMain } from '../../src/lab/main.js';

const TOPIC = 'lab11-profiles';
const GROUP = 'lab11-table-builder';
/**
 * Settings that make the cleaner act within seconds on every backend (with log.cleaner.backoff.ms=1000, set by the
 * kit's compose files and the embedded cluster): a segment rolls when a write comes more than 1 s after the
 * segment's first, any dirty segment is worth cleaning, a tombstone stays 4 s after the first cleaning that saw it.
 */
const CONFIGS = {
  'cleanup.policy': 'compact',
  'segment.ms': '1000',
  'min.cleanable.dirty.ratio': '0.01',
  'delete.retention.ms': '4000',
};
const DELETE_RETENTION_MS = Number(CONFIGS['delete.retention.ms']);

/** The profile updates, in the order they happen: alice moves a lot, carol never. */
const UPDATES: Array<[string, string]> = [
  ['alice', 'Lisbon'], ['bob', 'Oslo'], ['carol', 'Lima'], ['dave', 'Pune'],
  ['alice', 'Porto'], ['bob', 'Bergen'], ['alice', 'Faro'], ['dave', 'Goa'],
  ['alice', 'Braga'], ['dave', 'Delhi'], ['alice', 'Evora'], ['bob', 'Tromsø'],
  ['alice', 'Coimbra'], ['dave', 'Mumbai'], ['alice', 'Sintra'], ['alice', 'Lagos'],
];
const USERS = ['alice', 'bob', 'carol', 'dave'];
const profile = (user: string, city: string) => JSON.stringify({ user, city });

interface Where {
  leader: string;
  /** every broker holding a replica: id and address */
  replicas: Array<{ id: number; address: string }>;
}

async function where(lab: LabContext): Promise<Where> {
  const [p] = await lab.partitions(TOPIC);
  const brokers = new Map((await lab.cluster.brokers()).map((b) => [b.id, `${b.host}:${b.port}`]));
  return { leader: brokers.get(p!.leader)!, replicas: p!.replicas.map((id) => ({ id, address: brokers.get(id)! })) };
}

/** The log as the lab's live table shows it: what a read from the beginning gets, and each replica's size on disk. */
interface LogView {
  records: LogRecord[];
  sizes: number[];
}

async function look(w: Where): Promise<LogView> {
  const [records, sizes] = await Promise.all([
    readPartition(w.leader, TOPIC, 0),
    Promise.all(w.replicas.map(async (r) => (await replicaSizesFrom(r.address, TOPIC))[0]?.bytes ?? 0)),
  ]);
  return { records, sizes };
}

function perKey(records: LogRecord[]): string {
  return USERS.map((u) => `${u} ${records.filter((r) => r.key === u).length}`).join(' · ');
}

function offsets(records: LogRecord[]): string {
  return records.map((r) => (r.value === null ? `${r.offset}✝` : String(r.offset))).join(' ');
}

function logRow(label: string, v: LogView): Array<string | number> {
  return [label, v.records.length, perKey(v.records), offsets(v.records), ...v.sizes];
}

function logHeaders(w: Where): string[] {
  return ['', 'records', 'records per key', 'offsets (✝ tombstone)', ...w.replicas.map((r) => `bytes on broker ${r.id}`)];
}

/** The table a consumer builds: the newest value per key, a tombstone removes the key. */
function tableOf(records: LogRecord[]): Map<string, { city: string; offset: number }> {
  const table = new Map<string, { city: string; offset: number }>();
  for (const r of records) {
    if (r.key === null) continue;
    if (r.value === null) table.delete(r.key);
    else table.set(r.key, { city: (JSON.parse(r.value) as { city: string }).city, offset: r.offset });
  }
  return table;
}

/** A kafkajs consumer in a fresh group reads the topic from the beginning and builds the table. */
async function rebuildTable(lab: LabContext, endOffset: number): Promise<Map<string, { city: string; offset: number }>> {
  const records: LogRecord[] = [];
  const consumer = await lab.consumer({ groupId: `${GROUP}-${Date.now()}`, clientId: 'lab11-table-builder' });
  await consumer.subscribe({ topic: TOPIC, fromBeginning: true });
  await consumer.run({
    eachMessage: async ({ message }) => {
      records.push({ offset: Number(message.offset), key: message.key?.toString() ?? null, value: message.value?.toString() ?? null });
    },
  });
  await lab.waitFor('the consumer reads to the end of the log', () => records.some((r) => r.offset >= endOffset - 1), { timeoutMs: 40_000 });
  await lab.disconnect(consumer);
  const table = tableOf(records);
  lab.table(
    ['user', 'city', 'from offset'],
    USERS.map((u) => [u, table.get(u)?.city ?? '(deleted)', table.get(u)?.offset ?? '']),
  );
  return table;
}

const lab = defineLab({
  id: '11',
  slug: 'compaction',
  title: 'Compaction',
  profile: 'single',
  anyProfile: true,
  async run(lab) {
    const producer = await lab.producer({ clientId: 'lab11-profiles' });
    const send = async (messages: Array<{ key: string | null; value: string | null }>) => {
      const [meta] = await producer.send({ topic: TOPIC, acks: -1, messages });
      return Number(meta!.baseOffset);
    };
    let w!: Where;
    let full!: LogView;
    const newest = new Map<string, number>(); // user → offset of their newest profile

    await lab.step(`Create ${TOPIC}: a compacted topic, one partition`, async () => {
      await lab.createTopic({ topic: TOPIC, numPartitions: 1, configEntries: Object.entries(CONFIGS).map(([name, value]) => ({ name, value })) });
      await lab.group(GROUP);
      w = await where(lab);
      const admin = await lab.admin();
      const { resources } = await admin.describeConfigs({ includeSynonyms: false, resources: [{ type: 2, name: TOPIC, configNames: Object.keys(CONFIGS) }] });
      lab.table(['config', 'value'], Object.keys(CONFIGS).map((name) => [name, resources[0]!.configEntries.find((e) => e.configName === name)?.configValue ?? '?']));
      lab.explain(
        'cleanup.policy=compact: the log cleaner may drop a record once a newer record with the same key exists.',
        'It never touches the active segment (the one being written); segment.ms=1000 closes it when a write comes',
        'more than 1 s after its first one. The other two settings make the cleaner act within seconds for the lab.',
      );
    });
    await lab.pause();

    await lab.step(`Write ${UPDATES.length} profile updates for ${USERS.length} users (key = user)`, async () => {
      const first = await send(UPDATES.map(([user, city]) => ({ key: user, value: profile(user, city) })));
      UPDATES.forEach(([user], i) => newest.set(user, first + i));
      full = await look(w);
      lab.table(logHeaders(w), [logRow('the log now', full)]);
      lab.explain('Every update is in the log, at its own offset, in the active segment: nothing can be cleaned yet.');
      lab.check(`a read from the beginning gets all ${UPDATES.length} updates`, full.records.length === UPDATES.length, `${full.records.length}`);
    });
    await lab.pause();

    await lab.step('A consumer rebuilds the table from the beginning', async () => {
      const table = await rebuildTable(lab, newest.get('alice')! + 1);
      lab.explain('Reading a keyed topic from offset 0 and keeping the newest value per key turns the log into a table.');
      lab.check('the rebuilt table holds each user\'s newest city', USERS.every((u) => table.get(u)?.offset === newest.get(u)));
    });
    await lab.pause();

    await lab.step('A new user arrives after the segment is due to roll: the cleaner compacts the closed segment', async () => {
      await lab.sleep(1200); // past segment.ms: the next write rolls the segment
      newest.set('erin', await send([{ key: 'erin', value: profile('erin', 'Nice') }]));
      lab.say('erin\'s write started a new active segment; the one with the 16 updates is closed and 100% dirty.');
      const expected = [...newest.values()].sort((a, b) => a - b);
      const view = lab.liveTable(logHeaders(w), { title: () => 'the log, as the cleaner works' });
      const { value: cleaned, elapsedMs } = await lab.waitFor(
        'the cleaner keeps the newest record per key',
        async () => {
          const v = await look(w);
          view.update([logRow('before', full), logRow('now', v)]);
          return v.records.length === expected.length && v.sizes.every((s, i) => s < full.sizes[i]!) ? v : undefined;
        },
        { timeoutMs: 60_000, intervalMs: 250 },
      );
      view.done();
      lab.observe('compacted after', `${(elapsedMs / 1000).toFixed(1)} s`);
      w.replicas.forEach((r, i) => lab.observe(`bytes on broker ${r.id} before → after`, `${full.sizes[i]} → ${cleaned.sizes[i]}`));
      lab.explain(
        'The cleaner mapped each key to its newest offset and copied the closed segment keeping only those records.',
        'Offsets never change: the survivors keep theirs, so the log now has gaps. A consumer fetching an offset in a',
        'gap simply gets the next record that is there.',
      );
      lab.check('one record per user is left, each at its original offset (gaps, not renumbering)', offsets(cleaned.records) === expected.join(' '), offsets(cleaned.records));
      lab.check('every replica shrank (each broker cleans its own copy)', cleaned.sizes.every((s, i) => s < full.sizes[i]!), cleaned.sizes.join(', '));
      const table = await rebuildTable(lab, newest.get('erin')! + 1);
      lab.check('the table rebuilt from the compacted log is the same', USERS.every((u) => table.get(u)?.offset === newest.get(u)));
    });
    await lab.pause();

    await lab.step('Delete bob: a tombstone (his key with a null value)', async () => {
      await lab.sleep(1200);
      const tombstone = await send([{ key: 'bob', value: null }]);
      await lab.sleep(1200);
      newest.set('carol', await send([{ key: 'carol', value: profile('carol', 'Cusco') }])); // rolls the tombstone's segment
      lab.say(`The tombstone is offset ${tombstone}; carol's move rolled its segment, so the cleaner sees it.`);
      const view = lab.liveTable(logHeaders(w), { title: () => 'the log, as the cleaner works' });
      const { value: first } = await lab.waitFor(
        "the cleaner removes bob's older profile and keeps the tombstone",
        async () => {
          const v = await look(w);
          view.update([logRow('now', v)]);
          return v.records.filter((r) => r.key === 'bob').map((r) => r.offset).join() === String(tombstone) ? v : undefined;
        },
        { timeoutMs: 60_000, intervalMs: 250 },
      );
      view.done();
      lab.explain(
        `The tombstone stays for delete.retention.ms (${DELETE_RETENTION_MS / 1000} s here, a day by default) after the first cleaning`,
        'that saw it: a consumer that is behind still reads the delete and removes bob from its own table.',
      );
      lab.check('after the first cleaning the tombstone is still there, bob\'s profiles are gone', first.records.some((r) => r.offset === tombstone && r.value === null));
      await lab.sleep(DELETE_RETENTION_MS + 500);
      newest.set('dave', await send([{ key: 'dave', value: profile('dave', 'Chennai') }])); // dirty again: another cleaning
      const again = lab.liveTable(logHeaders(w), { title: () => `after delete.retention.ms (${DELETE_RETENTION_MS / 1000} s)` });
      const { value: last } = await lab.waitFor(
        'the next cleaning removes the tombstone',
        async () => {
          const v = await look(w);
          again.update([logRow('now', v)]);
          return !v.records.some((r) => r.key === 'bob') ? v : undefined;
        },
        { timeoutMs: 60_000, intervalMs: 250 },
      );
      again.done();
      lab.check('once delete.retention.ms has passed, the next cleaning removes the tombstone too', !last.records.some((r) => r.key === 'bob'), offsets(last.records));
      const table = await rebuildTable(lab, newest.get('dave')! + 1);
      lab.check('a table rebuilt now has no bob', !table.has('bob') && table.get('carol')?.city === 'Cusco');
    });
    await lab.pause();

    await lab.step('A record without a key', async () => {
      // one attempt, so the broker's refusal is the answer (an idempotent producer must be allowed to retry)
      const strict = await lab.producer({ clientId: 'lab11-no-key', idempotent: false, retry: { retries: 0 } });
      const error = await strict.send({ topic: TOPIC, acks: -1, messages: [{ key: null, value: 'who am I?' }] }).then(
        () => null,
        (e: unknown) => kafkaErrorType(e) ?? String(e),
      );
      lab.say(`The broker answered: ${error ?? 'accepted (!)'}`);
      lab.explain(
        'A compacted topic needs a key on every record: the cleaner keeps the newest record per key, and a record',
        'without one could never be replaced. Kafka refuses the whole batch (`yarn produce` says what to do).',
      );
      lab.check('Kafka refuses a record without a key on a compacted topic: INVALID_RECORD', error === 'INVALID_RECORD', error === 'INVALID_RECORD' ? undefined : (error ?? 'accepted'));
    });
  },
});

export default lab;
if (isMain(import.meta.url)) await labMain(lab);
