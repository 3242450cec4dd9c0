/**
 * Lab 07 · Leader failover (the headline): kill the leader of a partition under load; measure the election, watch the
 * ISR shrink and the clients carry on; restart it, watch it catch up, rejoin the ISR and take its leadership back.
 * The audit must show that no acknowledged message was lost. Then a graceful stop, to compare the gap.
 */
import type { Admin, PartitionMetadata, Producer, RetryOptions } from 'kafkajs';
import { describeAudit, MessageAudit } from '../../src/lab/audit.js';
import { kafkaErrorType } from '../../src/lab/kafka.js';
import { formatMs } from '../../src/lab/output.js';
import { defineLab, type LabContext } from '../../src/lab/runner.js';
import { isMain, labMain } from '../../src/lab/main.js';
import { Timeline } from '../../src/lab/timeline.js';

const TOPIC = 'lab07-orders';
const GROUP = 'lab07-fulfilment';
const PARTITIONS = 3;

/**
 * The retry budget. After a hard kill nothing tells the clients; the controller fences the dead broker only after
 * broker.session.timeout.ms (5 s in this kit, 9 s in Kafka's defaults) and then elects a new leader. Every send to that
 * partition fails meanwhile (connection refused, then NOT_LEADER_OR_FOLLOWER) and is retried. kafkajs' default budget
 * (5 retries, 0.3 s doubling: ≈ 9 s in total) is about the size of that window, so default producers sometimes give up.
 * Here: 30 retries, backoff from 100 ms doubling up to a 1 s cap ≈ 0.1+0.2+0.4+0.8+26×1 ≈ 27 s: three times the
 * worst election, while the 1 s cap makes the producer notice the new leader within a second of it being elected.
 */
const RETRY: RetryOptions = { retries: 30, initialRetryTime: 100, maxRetryTime: 1000 };

interface Load {
  audit: MessageAudit;
  timeline: Timeline;
  ackTimes: number[];
  errors: string[];
  stop(): Promise<void>;
}

async function startLoad(lab: LabContext, producers: Producer[], timeline: Timeline, audit: MessageAudit): Promise<Load> {
  let running = true;
  const ackTimes: number[] = [];
  const errors: string[] = [];
  const loops = producers.map(async (producer, n) => {
    const id = `P${n + 1}`;
    for (let i = 0; running; i++) {
      const m = audit.stamp(id, `order-${i % 8}`);
      try {
        const [meta] = await producer.send({ topic: TOPIC, acks: -1, messages: [{ key: m.key, value: m.value, headers: m.headers }] });
        audit.acked(m.stamp, { partition: meta?.partition ?? -1, offset: meta?.baseOffset ?? '' });
        timeline.count('acked');
        ackTimes.push(Date.now());
      } catch (error) {
        audit.failed(m.stamp);
        errors.push(kafkaErrorType(error) ?? String(error));
      }
      await lab.sleep(20);
    }
  });
  return {
    audit,
    timeline,
    ackTimes,
    errors,
    stop: async () => {
      running = false;
      await Promise.all(loops);
    },
  };
}

/** The longest time without any acknowledged send between `from` and `to`. */
function longestAckGap(ackTimes: number[], from: number, to: number): number {
  let last = from;
  let gap = 0;
  for (const t of ackTimes) {
    if (t < from) continue;
    if (t > to) break;
    gap = Math.max(gap, t - last);
    last = t;
  }
  return Math.max(gap, to - last);
}

const lab = defineLab({
  id: '07',
  slug: 'leader-failover',
  title: 'Leader failover',
  profile: 'multi',
  async run(lab) {
    const audit = new MessageAudit();
    const timeline = new Timeline(['acked', 'consumed'], 500);
    let watcher: Admin | null = null;

    await lab.step(`Create ${TOPIC}: ${PARTITIONS} partitions, replication factor 3, min.insync.replicas=2`, async () => {
      const parts = await lab.createTopic({
        topic: TOPIC,
        numPartitions: PARTITIONS,
        replicationFactor: 3,
        configEntries: [{ name: 'min.insync.replicas', value: '2' }],
      });
      lab.table(['partition', 'leader', 'replicas', 'isr'], parts.map((p) => [p.partitionId, p.leader, p.replicas.join(','), p.isr.join(',')]));
      await lab.group(GROUP);
      // A watcher with a short retry budget, so that polling metadata never hangs on the dead broker.
      watcher = lab.kafka('lab07-watcher', { retries: 2, initialRetryTime: 50, maxRetryTime: 200 }).admin();
      await watcher.connect();
      lab.onCleanup(() => watcher?.disconnect());
    });
    const meta = async (): Promise<PartitionMetadata[]> => {
      const md = await watcher!.fetchTopicMetadata({ topics: [TOPIC] });
      return [...(md.topics[0]?.partitions ?? [])].sort((a, b) => a.partitionId - b.partitionId);
    };

    let load!: Load;
    await lab.step('Start two idempotent acks=all producers and a consumer group of two', async () => {
      lab.explain(
        'Producers: acks=all (every in-sync replica has the write), idempotent (a retried send is written once, in order),',
        `and a retry budget of ${RETRY.retries} retries, backoff ${RETRY.initialRetryTime} ms doubling, capped at ${RETRY.maxRetryTime} ms (≈ 27 s):`,
        'a hard kill is only noticed after the broker session timeout (5 s here, 9 s by Kafka default) — the budget must',
        "outlast that with room to spare, or the producer gives up mid-election. kafkajs' default (≈ 9 s) is too tight.",
      );
      const producers = [
        await lab.producer({ clientId: 'lab07-p1', idempotent: true, maxInFlightRequests: 1, retry: RETRY }),
        await lab.producer({ clientId: 'lab07-p2', idempotent: true, maxInFlightRequests: 1, retry: RETRY }),
      ];
      for (const name of ['c1', 'c2']) {
        const consumer = await lab.consumer({ groupId: GROUP, clientId: `lab07-${name}`, retry: RETRY });
        await consumer.subscribe({ topic: TOPIC, fromBeginning: true });
        await consumer.run({
          eachMessage: async ({ partition, message }) => {
            if (audit.consumedMessage(partition, message)) timeline.count('consumed');
          },
        });
      }
      load = await startLoad(lab, producers, timeline, audit);
      lab.onCleanup(() => load.stop());
      await lab.waitFor('messages flow end to end', () => audit.ackedCount > 100 && audit.uniqueConsumedCount > 50, { timeoutMs: 30_000 });
      await lab.sleep(1000);
    });
    await lab.pause('press Enter to kill a leader');

    const watch = (title: string) => {
      const since = Date.now();
      const view = lab.liveTable(['partition', 'leader', 'replicas', 'isr'], {
        title: () => `${title} +${formatMs(Date.now() - since)} · acked ${audit.ackedCount} · consumed ${audit.uniqueConsumedCount}`,
      });
      return {
        view,
        poll: async () => {
          const parts = await meta();
          view.update(parts.map((p) => [p.partitionId, p.leader < 0 ? 'none' : p.leader, p.replicas.join(','), p.isr.join(',')]));
          return parts;
        },
      };
    };

    // Kill the leader of a partition, preferring a broker that is not the controller: killing the controller as well
    // adds a controller election (in Kafka's combined mode a few seconds more) on top of the leader election.
    const { controller } = await lab.describeCluster();
    const before = await meta();
    const target = before.find((p) => p.leader !== controller) ?? before[0]!;
    const victim = target.leader;
    const preferred = target.replicas[0]!;
    let killAt = 0;
    let electedAt = 0;
    let killGap = 0;
    await lab.step(`Kill broker ${victim}, the leader of partition ${target.partitionId} — abruptly, like kill -9`, async () => {
      lab.say(`Controller: broker ${controller ?? '?'} (left alone). Broker ${victim} leads partition(s) ${before.filter((p) => p.leader === victim).map((p) => p.partitionId).join(',')}.`);
      killAt = Date.now();
      timeline.mark('K', `kill broker ${victim} (leader of partition ${target.partitionId})`, killAt);
      await lab.killBroker(victim);
      const w = watch('after the kill');
      const { value: parts } = await lab.waitFor(
        `a new leader for partition ${target.partitionId}`,
        async () => {
          const parts = await w.poll();
          const p = parts.find((x) => x.partitionId === target.partitionId);
          return p && p.leader >= 0 && p.leader !== victim ? parts : undefined;
        },
        { timeoutMs: 40_000, intervalMs: 100, onPoll: () => undefined },
      );
      electedAt = Date.now();
      w.view.done();
      const p = parts.find((x) => x.partitionId === target.partitionId)!;
      timeline.mark('E', `broker ${p.leader} elected leader of partition ${target.partitionId}`, electedAt);
      lab.observe('time from kill to new leader', formatMs(electedAt - killAt));
      lab.explain(
        'Nobody told the controller: it waited for the broker session timeout without heartbeats, fenced the broker,',
        'removed it from every ISR and picked a new leader from the remaining in-sync replicas (never an out-of-sync one:',
        'unclean.leader.election.enable=false). Meanwhile the producers retried; nothing failed, it only waited.',
      );
      lab.check(`partition ${target.partitionId} has a new leader from the ISR`, p.leader !== victim && target.isr.includes(p.leader), `broker ${p.leader}`);
      lab.check(`the ISR shrank: broker ${victim} left it`, parts.every((x) => !x.isr.includes(victim)), parts.map((x) => `p${x.partitionId}:[${x.isr}]`).join(' '));
    });

    await lab.step('The clients carry on', async () => {
      const ackedAtElection = audit.ackedCount;
      const consumedAtElection = audit.uniqueConsumedCount;
      await lab.waitFor(
        'producers and consumers move on',
        () => audit.ackedCount > ackedAtElection + 50 && audit.uniqueConsumedCount > consumedAtElection + 50,
        { timeoutMs: 30_000 },
      );
      killGap = longestAckGap(load.ackTimes, killAt - 1, Date.now());
      lab.observe('longest pause in acknowledgements around the kill', formatMs(killGap));
      lab.explain('The producers refreshed metadata, found the new leader and resent; the consumers re-joined their group.');
      lab.check('no send failed: the retry budget covered the election', load.errors.length === 0, load.errors.slice(0, 3).join(', ') || 'no errors');
      await lab.sleep(1500);
    });
    await lab.pause(`press Enter to start broker ${victim} again`);

    await lab.step(`Start broker ${victim} again: catch up, rejoin the ISR, take leadership back`, async () => {
      const restartAt = Date.now();
      timeline.mark('R', `broker ${victim} restarted`, restartAt);
      await lab.startBroker(victim);
      const w = watch('after the restart');
      await lab.waitFor(
        `broker ${victim} is back in every ISR`,
        async () => (await w.poll()).every((p) => p.isr.includes(victim)),
        { timeoutMs: 40_000, intervalMs: 100, onPoll: () => undefined },
      );
      const rejoinAt = Date.now();
      w.view.done();
      timeline.mark('I', `broker ${victim} back in the ISR`, rejoinAt);
      lab.observe('time from restart to back in the ISR', formatMs(rejoinAt - restartAt));
      lab.explain(
        'On restart the broker truncated its log to what the leader epoch says is safe, fetched what it missed from the',
        'new leaders, and rejoined the ISR once caught up. It is a follower now; the preferred leader is the first replica.',
      );
      lab.check(`broker ${victim} rejoined the ISR of every partition`, true);
      if (preferred === victim) {
        const w2 = watch('waiting for the preferred leader');
        try {
          await lab.waitFor(
            `preferred leader election gives partition ${target.partitionId} back to broker ${victim}`,
            async () => (await w2.poll()).find((p) => p.partitionId === target.partitionId)?.leader === victim,
            { timeoutMs: 15_000, intervalMs: 200, onPoll: () => undefined },
          );
          const backAt = Date.now();
          w2.view.done();
          timeline.mark('P', `broker ${victim} leads partition ${target.partitionId} again (preferred leader)`, backAt);
          lab.observe('time from rejoin to preferred leader back', formatMs(backAt - rejoinAt));
          lab.check(`broker ${victim} got its leadership back`, true);
        } catch {
          w2.view.done();
          lab.explain(
            'Kafka moves leadership back on its periodic imbalance check (leader.imbalance.check.interval.seconds: 300 s',
            'by default, 10 s in this kit); `kafka-leader-election.sh --election-type preferred` does it at once. So do we, now:',
          );
          await lab.cluster.electPreferredLeaders().catch(() => null);
          const back = await lab
            .waitFor(`partition ${target.partitionId} led by broker ${victim} again`, async () => (await meta()).find((p) => p.partitionId === target.partitionId)?.leader === victim, { timeoutMs: 15_000 })
            .then(() => true, () => false);
          if (back) timeline.mark('P', `broker ${victim} leads partition ${target.partitionId} again (preferred leader election)`);
          lab.check(`broker ${victim} got its leadership back`, back, 'after a preferred leader election');
        }
      }
    });
    await lab.pause('press Enter for a graceful stop, to compare');

    let stopGap = 0;
    let stopElection = 0;
    await lab.step('For comparison: a graceful stop (controlled shutdown) of a leader', async () => {
      const parts = await meta();
      const p = parts.find((x) => x.leader !== controller && x.partitionId !== target.partitionId) ?? parts.find((x) => x.leader !== controller) ?? parts[0]!;
      const stopped = p.leader;
      const stopAt = Date.now();
      timeline.mark('S', `graceful stop of broker ${stopped}`, stopAt);
      await lab.stopBroker(stopped);
      const { elapsedMs } = await lab.waitFor(
        `partition ${p.partitionId} led by another broker`,
        async () => {
          const now = (await meta()).find((x) => x.partitionId === p.partitionId);
          return now && now.leader >= 0 && now.leader !== stopped;
        },
        { timeoutMs: 30_000, intervalMs: 50 },
      );
      stopElection = elapsedMs;
      const acked = audit.ackedCount;
      await lab.waitFor('the producers carry on', () => audit.ackedCount > acked + 50, { timeoutMs: 30_000 });
      stopGap = longestAckGap(load.ackTimes, stopAt - 1, Date.now());
      await lab.startBroker(stopped);
      timeline.mark('r', `broker ${stopped} started again`);
      await lab.waitFor(`broker ${stopped} back in every ISR`, async () => (await meta()).every((x) => x.isr.includes(stopped)), { timeoutMs: 40_000 });
      lab.table(
        ['', 'new leader after', 'longest pause in acks'],
        [
          [`kill -9 broker ${victim}`, formatMs(electedAt - killAt), formatMs(killGap)],
          [`graceful stop broker ${stopped}`, formatMs(stopElection), formatMs(stopGap)],
        ],
      );
      lab.explain(
        'A controlled shutdown tells the controller first: leadership moves before the broker goes, so clients see at most',
        'one NOT_LEADER_OR_FOLLOWER and a refresh. A kill leaves the controller waiting for the session timeout.',
        'Deploys and restarts should always stop brokers gracefully (docker stop / SIGTERM, never kill -9).',
      );
      lab.check('the graceful stop moved leadership faster than the kill', stopElection < electedAt - killAt, `${formatMs(stopElection)} vs ${formatMs(electedAt - killAt)}`);
    });

    await lab.step('Stop the producers, let the consumers drain, and audit every message', async () => {
      await load.stop();
      await lab.waitFor('consumers have every acknowledged message', () => audit.missingCount() === 0, { timeoutMs: 40_000 }).catch(() => undefined);
      await lab.sleep(500);
      timeline.end();
      const report = audit.report();
      lab.say(...describeAudit(report));
      lab.check('no acknowledged message was lost', report.lost.length === 0, `${report.lost.length} lost of ${report.acked}`);
      lab.check('order per key was kept', report.outOfOrder.length === 0, `${report.outOfOrder.length} out of order`);
      lab.check('no send failed', report.failed === 0, `${report.failed} failed`);
      lab.observe('acknowledged / consumed (distinct) / duplicates', `${report.acked} / ${report.uniqueConsumed} / ${report.duplicateCount}`);
      lab.explain(
        'Duplicates here come from consumers re-reading after a rebalance (offsets not yet committed), not from the',
        'producers: idempotence deduplicates their retries on the broker. At-least-once delivery: make processing idempotent.',
      );
    });

    await lab.step('The timeline', async () => {
      for (const line of timeline.render({ width: Math.min(lab.out.columns(), 110) })) lab.out.write(`   ${line}\n`);
      lab.explain('Each column is an interval; bar height = messages in it. The hole after K is the election; after S it is tiny.');
    });
  },
});

export default lab;
if (isMain(import.meta.url)) await labMain(lab);
