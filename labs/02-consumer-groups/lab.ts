/** Lab 02 · Consumer groups: one, two, three consumers share a topic's partitions; another group gets everything. */
import type { Consumer } from 'kafkajs';
import { defineLab } from '../../src/lab/runner.js';
import { isMain, labMain } from '../../src/lab/main.js';

const TOPIC = 'lab02-events';
const WORKERS = 'lab02-workers';
const AUDITORS = 'lab02-auditors';

const lab = defineLab({
  id: '02',
  slug: 'consumer-groups',
  title: 'Consumer groups',
  profile: 'single',
  anyProfile: true,
  async run(lab) {
    await lab.step(`Create ${TOPIC} with 3 partitions and start a steady producer`, async () => {
      const parts = await lab.createTopic({ topic: TOPIC, numPartitions: 3 });
      lab.table(['partition', 'leader'], parts.map((p) => [p.partitionId, p.leader]));
      lab.explain('Partitions are the unit of parallelism: within a group, each partition is read by exactly one member.');
    });

    // A producer sends a keyed event every 40 ms until the lab stops it.
    const producer = await lab.producer({ clientId: 'lab02-producer' });
    const sent = new Set<string>();
    let producing = true;
    let seq = 0;
    const producing$ = (async () => {
      while (producing) {
        const value = `event-${seq++}`;
        await producer.send({ topic: TOPIC, acks: -1, messages: [{ key: `user-${seq % 7}`, value }] });
        sent.add(value);
        await lab.sleep(40);
      }
    })();
    lab.onCleanup(async () => {
      producing = false;
      await producing$.catch(() => undefined);
    });

    await lab.group(WORKERS);
    await lab.group(AUDITORS);
    const assignment = new Map<string, number[]>();
    const counts = new Map<string, number>();
    const workerSeen = new Set<string>();
    let workerDeliveries = 0;
    const members: Consumer[] = [];
    const addWorker = async (name: string) => {
      const consumer = await lab.consumer({ groupId: WORKERS, clientId: `lab02-${name}` });
      consumer.on(consumer.events.GROUP_JOIN, ({ payload }) => {
        assignment.set(name, [...(payload.memberAssignment[TOPIC] ?? [])].sort());
      });
      await consumer.subscribe({ topic: TOPIC, fromBeginning: true });
      await consumer.run({
        eachMessage: async ({ message }) => {
          counts.set(name, (counts.get(name) ?? 0) + 1);
          workerSeen.add(message.value?.toString() ?? '');
          workerDeliveries++;
        },
      });
      members.push(consumer);
    };
    let view = lab.liveTable(['member', 'partitions', 'messages read']);
    const names = ['worker-1', 'worker-2', 'worker-3'];
    const draw = (n: number) => view.update(names.slice(0, n).map((m) => [m, assignment.get(m)?.join(',') ?? '(rebalancing)', counts.get(m) ?? 0]));
    const balanced = (n: number) => {
      const current = names.slice(0, n).map((m) => assignment.get(m) ?? []);
      const all = current.flat().sort();
      return current.every((a) => a.length > 0) && all.length === 3 && new Set(all).size === 3;
    };

    for (let n = 1; n <= 3; n++) {
      await lab.step(n === 1 ? 'One consumer in the group' : `Consumer ${n} joins the group: a rebalance`, async () => {
        if (n > 1) {
          lab.say(`Consumer ${n} sends JoinGroup; the coordinator tells the others (via their heartbeats) to rejoin,`);
          lab.say('and the group leader hands out the partitions again.');
        }
        if (n > 1) for (const name of names.slice(0, n - 1)) assignment.delete(name);
        view = lab.liveTable(['member', 'partitions', 'messages read']);
        await addWorker(names[n - 1]!);
        await lab.waitFor(`the group settles with ${n} member(s)`, () => balanced(n), { timeoutMs: 40_000, onPoll: () => draw(n) });
        await lab.sleep(600);
        draw(n);
        view.done();
        const sizes = names.slice(0, n).map((m) => assignment.get(m)?.length ?? 0);
        lab.check(
          `${n} member(s) share the 3 partitions, each partition read by exactly one member`,
          balanced(n),
          names.slice(0, n).map((m, i) => `${m}: ${sizes[i]}`).join(', '),
        );
      });
      if (n < 3) await lab.pause();
    }
    lab.explain(
      'With 3 partitions, a 4th member would get nothing: it would wait as a stand-by. More partitions = more possible parallelism.',
    );
    await lab.pause();

    await lab.step(`A second group (${AUDITORS}) reads the same topic`, async () => {
      const auditorSeen = new Set<string>();
      const auditor = await lab.consumer({ groupId: AUDITORS, clientId: 'lab02-auditor' });
      await auditor.subscribe({ topic: TOPIC, fromBeginning: true });
      await auditor.run({ eachMessage: async ({ message }) => void auditorSeen.add(message.value?.toString() ?? '') });
      await lab.sleep(1500);
      producing = false;
      await producing$;
      lab.say(`The producer stopped after ${sent.size} events.`);
      await lab.waitFor('both groups have read every event', () => [...sent].every((v) => workerSeen.has(v) && auditorSeen.has(v)), { timeoutMs: 30_000 });
      lab.table(
        ['group', 'members', 'distinct events read', 'deliveries'],
        [
          [WORKERS, 3, workerSeen.size, workerDeliveries],
          [AUDITORS, 1, auditorSeen.size, auditorSeen.size],
        ],
      );
      lab.explain(
        'Each group has its own committed offsets, so each group gets every message: groups are independent subscribers.',
        'Inside a group the work is split. A few events may be delivered twice around a rebalance (at-least-once).',
      );
      const admin = await lab.admin();
      const described = await admin.describeGroups([WORKERS]);
      const memberCount = described.groups[0]?.members.length ?? 0;
      lab.observe(`${WORKERS} members (DescribeGroups)`, memberCount);
      lab.observe('redelivered around rebalances', workerDeliveries - workerSeen.size);
      lab.check(`${WORKERS} read every event at least once`, [...sent].every((v) => workerSeen.has(v)), `${workerSeen.size}/${sent.size}`);
      lab.check(`${AUDITORS} read every event too`, [...sent].every((v) => auditorSeen.has(v)), `${auditorSeen.size}/${sent.size}`);
      lab.check('the coordinator lists 3 members in the worker group', memberCount === 3);
    });
    for (const m of members) await lab.disconnect(m);
  },
});

export default lab;
if (isMain(import.meta.url)) await labMain(lab);
