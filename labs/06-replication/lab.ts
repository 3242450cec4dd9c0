/** Lab 06 · Replication: RF 3, min.insync.replicas=2 from YAML; leader, replicas, ISR; what acks means. */
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { applyTopicSet, loadTopicSet } from '../../src/topics/index.js';
import { defineLab } from '../../src/lab/runner.js';
import { isMain, labMain } from '../../src/lab/main.js';

const YAML_FILE = join(dirname(fileURLToPath(import.meta.url)), 'topics.yaml');

const lab = defineLab({
  id: '06',
  slug: 'replication',
  title: 'Replication',
  profile: 'multi',
  async run(lab) {
    await lab.step('Three brokers', async () => {
      const d = await lab.describeCluster();
      lab.table(['broker', 'address', 'role'], (await lab.cluster.brokers()).map((b) => [b.id, `${b.host}:${b.port}`, b.id === d.controller ? 'controller' : '']));
      lab.require('the cluster has 3 brokers', d.brokers.length === 3, `${d.brokers.length}`);
      lab.explain('One broker is also the controller: it holds the metadata (topics, leaders, ISR) and decides elections.');
    });

    const text = readFileSync(YAML_FILE, 'utf8');
    const spec = loadTopicSet(YAML_FILE).topics[0]!;
    await lab.step(`Create ${spec.name} from labs/06-replication/topics.yaml`, async () => {
      lab.say(...text.split('\n').filter((l) => l && !l.startsWith('#')).map((l) => lab.s.dim(l)));
      await lab.deleteTopic(spec.name);
      lab.adoptTopic(spec.name);
      const result = await applyTopicSet(await lab.admin(), YAML_FILE, null);
      lab.say(...result.lines);
      lab.require('the topic set was applied', result.applied);
      await lab.waitFor(`partitions of ${spec.name} have leaders`, async () => {
        const parts = await lab.partitions(spec.name);
        return parts.length === spec.partitions && parts.every((p) => p.leader >= 0);
      });
      lab.explain(
        'The same code as `yarn topics:apply`: parse and validate the YAML, diff it against the cluster, then createTopics',
        'through the admin API. The controller picks 3 brokers per partition; the first one is the preferred leader.',
      );
    });
    await lab.pause();

    await lab.step('Leader, replicas and ISR per partition', async () => {
      const parts = await lab.partitions(spec.name);
      lab.table(['partition', 'leader', 'replicas', 'in-sync replicas (ISR)'], parts.map((p) => [p.partitionId, p.leader, p.replicas.join(','), p.isr.join(',')]));
      lab.explain(
        'Every partition has 3 copies (replicas). The leader takes all reads and writes; followers fetch from it.',
        'The ISR lists the replicas that are caught up. Leaders are spread so that every broker does a share of the work.',
      );
      const admin = await lab.admin();
      const cfg = await admin.describeConfigs({ resources: [{ type: 2, name: spec.name, configNames: ['min.insync.replicas'] }], includeSynonyms: false });
      const minIsr = cfg.resources[0]?.configEntries.find((e) => e.configName === 'min.insync.replicas')?.configValue;
      lab.observe('min.insync.replicas', minIsr ?? '?');
      lab.observe('leaders', parts.map((p) => `p${p.partitionId}→${p.leader}`).join(' '));
      lab.check('every partition has 3 replicas on 3 different brokers', parts.every((p) => new Set(p.replicas).size === 3));
      lab.check('every replica is in sync', parts.every((p) => p.isr.length === 3));
      lab.check('leadership is spread over the brokers', new Set(parts.map((p) => p.leader)).size === Math.min(3, parts.length));
      lab.check('min.insync.replicas is 2', minIsr === '2');
    });
    await lab.pause();

    await lab.step('What acks means: the same send with acks=0, 1 and all', async () => {
      // not idempotent: an idempotent producer only sends with acks=all, and this step compares acks=0, 1 and all
      const producer = await lab.producer({ clientId: 'lab06-producer', idempotent: false });
      const rows: Array<[string, string, string, string]> = [];
      const meaning: Record<string, string> = {
        '0': 'fire and forget: no answer at all, no offset',
        '1': 'the leader wrote it; lost if the leader dies before followers copy it',
        '-1': 'every in-sync replica has it (at least min.insync.replicas)',
      };
      // Warm up (connections, metadata) so the first measured row is not the slowest for that reason alone.
      await producer.send({ topic: spec.name, acks: -1, messages: Array.from({ length: 3 }, (_, i) => ({ key: `warm${i}`, value: 'warm-up' })) });
      // Where the 50th send (key k49) landed, and how many of each round's 50 sends share its partition.
      let lastPartition = -1;
      const perPartition = new Map<number, number>();
      for (const acks of [0, 1, -1]) {
        const n = 50;
        const t = Date.now();
        let lastOffset = '-';
        for (let i = 0; i < n; i++) {
          const res = await producer.send({ topic: spec.name, acks, messages: [{ key: `k${i}`, value: `acks=${acks} #${i}` }] });
          lastOffset = res[0]?.baseOffset ?? '-';
          if (acks === 1 && res[0]) {
            perPartition.set(res[0].partition, (perPartition.get(res[0].partition) ?? 0) + 1);
            lastPartition = res[0].partition;
          }
        }
        const per = (Date.now() - t) / n;
        rows.push([acks === -1 ? 'all (-1)' : String(acks), `${per.toFixed(2)} ms`, lastOffset === '-' || lastOffset === undefined ? '(none)' : lastOffset, meaning[String(acks)]!]);
      }
      lab.table(['acks', 'avg per send', 'last offset in answer', 'the broker answers once…'], rows);
      lab.explain(
        `"last offset in answer" is the offset the broker gave the 50th send of each row (key k49) in its partition, ${lastPartition}.`,
        `Each partition numbers its own messages from 0, and partition ${lastPartition} gets ${perPartition.get(lastPartition) ?? '?'} of every 50 sends (the keys`,
        'decide), so the number grows by that much per row: it is a position in one partition, not a count of sends.',
        'acks=0 gets no answer at all, so the producer never learns where its message went.',
      );
      lab.explain(
        'acks=all with min.insync.replicas=2 means: an acknowledged write is on at least 2 brokers, so losing one broker',
        'never loses it. If fewer than 2 replicas are in sync, the leader refuses writes (NOT_ENOUGH_REPLICAS): lab 08.',
      );
      const ends = await (await lab.admin()).fetchTopicOffsets(spec.name);
      const total = ends.reduce((n, e) => n + Number(e.high), 0);
      lab.check('all 150 sends reached the log (acks=0 included, on a healthy cluster)', total === 153, `${total - 3} + 3 warm-up`);
      lab.observe('messages in the topic', total);
    });
  },
});

export default lab;
if (isMain(import.meta.url)) await labMain(lab);
