/** Lab 09 · Conduktor: a guided tour of the running cluster in Conduktor Console (or what it would show, without Docker). */
import { execFile } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { parse } from 'yaml';
import { PROFILE_BROKERS } from '../../src/cluster/types.js';
import { clusterStartedByThisLab } from '../../src/lab/cluster.js';
import { PROJECT_ROOT } from '../../src/lab/registry.js';
import { defineLab } from '../../src/lab/runner.js';
import { isMain, labMain } from '../../src/lab/main.js';

const COMPOSE = join(PROJECT_ROOT, 'conduktor', 'docker-compose.yml');
const CLUSTER_COMPOSE = ['single-broker.yml', 'multi-broker.yml'].map((f) => join(PROJECT_ROOT, 'compose', f));
const TOPIC = 'lab09-tour';
const GROUP = 'lab09-slow-reader';

interface ComposeFile {
  services?: Record<string, { image?: string; environment?: Record<string, string> | string[]; hostname?: string; ports?: string[] }>;
}

function env(service: { environment?: Record<string, string> | string[] }): Record<string, string> {
  const e = service.environment ?? {};
  if (Array.isArray(e)) return Object.fromEntries(e.map((kv) => [kv.slice(0, kv.indexOf('=')), kv.slice(kv.indexOf('=') + 1)]));
  return Object.fromEntries(Object.entries(e).map(([k, v]) => [k, String(v)]));
}

async function dockerAnswers(): Promise<boolean> {
  try {
    await promisify(execFile)('docker', ['info', '--format', '{{.ServerVersion}}'], { timeout: 5000 });
    return true;
  } catch {
    return false;
  }
}

const lab = defineLab({
  id: '09',
  slug: 'conduktor',
  title: 'Conduktor',
  profile: 'multi',
  anyProfile: true,
  async run(lab) {
    await lab.step('Check the Conduktor Console compose file', async () => {
      lab.require('conduktor/docker-compose.yml exists', existsSync(COMPOSE));
      let doc: ComposeFile = {};
      try {
        doc = parse(readFileSync(COMPOSE, 'utf8')) as ComposeFile;
        lab.check('it parses as YAML', true);
      } catch (error) {
        lab.check('it parses as YAML', false, (error as Error).message.split('\n')[0]);
        return;
      }
      const consoles = Object.entries(doc.services ?? {}).filter(([, s]) => (s.image ?? '').includes('conduktor-console'));
      lab.check('it defines a Conduktor Console service', consoles.length > 0, consoles.map(([n]) => n).join(', '));
      // Which host names / ports do the cluster compose files give the brokers?
      const dockerNames = new Set<string>();
      for (const file of CLUSTER_COMPOSE.filter(existsSync)) {
        const c = parse(readFileSync(file, 'utf8')) as ComposeFile;
        for (const [name, s] of Object.entries(c.services ?? {})) {
          dockerNames.add(name);
          if (s.hostname) dockerNames.add(s.hostname);
        }
      }
      const hostPorts = new Set(PROFILE_BROKERS.multi.map((b) => `${b.host}:${b.port}`));
      const rows: Array<[string, string, string]> = [];
      let allPoint = consoles.length > 0;
      for (const [name, service] of consoles) {
        const e = env(service);
        const servers = Object.entries(e).filter(([k]) => /^CDK_CLUSTERS_\d+_BOOTSTRAPSERVERS$/.test(k));
        if (servers.length === 0) allPoint = false;
        for (const [k, v] of servers) {
          const hosts = v.split(',').map((h) => h.trim());
          const ok = hosts.every((h) => hostPorts.has(h) || dockerNames.has(h.split(':')[0]!));
          if (!ok) allPoint = false;
          rows.push([name, k.replace(/^CDK_CLUSTERS_(\d+)_BOOTSTRAPSERVERS$/, 'cluster $1'), `${v}${ok ? '' : '  ← unknown broker'}`]);
        }
      }
      lab.table(['service', 'cluster', 'bootstrap servers'], rows);
      lab.check('every Console cluster points at the kit brokers (compose services or 127.0.0.1:9092-9094)', allPoint);
    });
    await lab.pause();

    const docker = await dockerAnswers();
    await lab.step('Give Console something to show', async () => {
      const replication = (await lab.describeCluster()).brokers.length >= 3 ? 3 : 1;
      await lab.createTopic({ topic: TOPIC, numPartitions: 3, replicationFactor: replication });
      const producer = await lab.producer({ clientId: 'lab09-producer' });
      await producer.send({ topic: TOPIC, acks: -1, messages: Array.from({ length: 60 }, (_, i) => ({ key: `k${i % 6}`, value: `event ${i}` })) });
      await lab.disconnect(producer);
      // A group that reads a little and commits, so Console shows a lag.
      await lab.group(GROUP);
      const consumer = await lab.consumer({ groupId: GROUP, clientId: 'lab09-reader' });
      await consumer.subscribe({ topic: TOPIC, fromBeginning: true });
      // It processes only the first 5 records of each partition, so every partition shows a lag of 15.
      const read = new Map<number, number>();
      await consumer.run({
        autoCommit: true,
        eachBatchAutoResolve: false,
        eachBatch: async ({ batch, resolveOffset }) => {
          for (const m of batch.messages) {
            const n = read.get(batch.partition) ?? 0;
            if (n >= 5) break;
            resolveOffset(m.offset);
            read.set(batch.partition, n + 1);
          }
        },
      });
      await lab.waitFor('the reader committed a few offsets', async () => {
        const offsets = await (await lab.admin()).fetchOffsets({ groupId: GROUP, topics: [TOPIC] });
        return offsets[0]?.partitions.every((p) => Number(p.offset) === 5);
      }, { timeoutMs: 20_000 });
      await lab.disconnect(consumer);
      const parts = await lab.partitions(TOPIC);
      const admin = await lab.admin();
      const ends = await admin.fetchTopicOffsets(TOPIC);
      const committed = (await admin.fetchOffsets({ groupId: GROUP, topics: [TOPIC] }))[0]?.partitions ?? [];
      lab.say('What Console shows on Topics → lab09-tour → Partitions, and Consumer groups → lab09-slow-reader:');
      lab.table(
        ['partition', 'leader', 'replicas', 'ISR', 'end offset', 'committed', 'lag'],
        parts.map((p) => {
          const end = Number(ends.find((e) => e.partition === p.partitionId)?.high ?? 0);
          const c = Number(committed.find((x) => x.partition === p.partitionId)?.offset ?? -1);
          return [p.partitionId, p.leader, p.replicas.join(','), p.isr.join(','), end, c < 0 ? '-' : c, c < 0 ? end : end - c];
        }),
      );
      lab.check('the tour topic and its lagging group are in place', parts.length === 3);
    });
    await lab.pause();

    await lab.step('The tour', async () => {
      // What the lab leaves behind decides what the student can still do once it has ended: at its end it deletes the
      // topic and the group, and stops a cluster it started (unless --keep).
      const started = clusterStartedByThisLab(lab.cluster);
      const afterwards = started
        ? 'When the lab ends it deletes lab09-tour and its group and stops the cluster it started, so explore now, or run it with --keep.'
        : 'When the lab ends it deletes lab09-tour and its group (the cluster stays up: it was running before); --keep leaves them too.';
      if (docker) {
        lab.say(
          lab.interactive ? 'Docker answers. Start Console next to the cluster now, in another terminal:' : 'Docker answers. Console starts next to the cluster with:',
          lab.cluster.backend === 'docker'
            ? '  docker compose -f conduktor/docker-compose.yml up -d'
            : '  docker compose -f conduktor/docker-compose.yml --profile host up -d postgresql console-host   (Linux host network)',
          'then open http://127.0.0.1:8080 and log in as admin@kafka-lab.io / KafkaLab-2024!',
        );
      } else {
        lab.say('No Docker here, so Console cannot run; this is what you would see in it (the tables above are the same data):');
      }
      lab.say(
        '1. Brokers: three (or one) brokers, which one is the controller, their host:port.',
        '2. Topics → lab09-tour: partitions, the leader of each, replicas and in-sync replicas; messages with key and value.',
        '3. Consumer groups → lab09-slow-reader: its members (none now), committed offset and lag per partition.',
        '4. Try: `yarn broker:kill 2` and watch ISR shrink and leaders move in Console; then `yarn broker:start 2`.',
        afterwards,
      );
      lab.observe('docker available', docker ? 'yes' : 'no (explained instead)');
    });
    // The cluster, the topic and the group are all there until this pause ends: the time to look around in Console.
    await lab.pause(docker ? 'press Enter when you have looked around in Console (the lab then cleans up)' : 'press Enter to finish (the lab then cleans up)');
  },
});

export default lab;
if (isMain(import.meta.url)) await labMain(lab);
