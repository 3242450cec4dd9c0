/**
 * What the cluster scripts say must be true of the cluster they act on: broker:kill|stop|start, leaders:elect,
 * topics:apply (a topic without a replication factor), offsets:reset, cluster:reset --up. One embedded multi
 * cluster on free ports in a temp home, driven only through the scripts, as a student would.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ClusterStatus } from '../../src/cluster/types.js';
import { partitionsFrom } from '../../src/cluster/kafka-requests.js';
import { freePorts, tempHome } from '../embedded-backend/helpers.js';
import { type Result, collect, isolatedEnv, json, run, sleep, start, waitForOutput } from './helpers.js';

const { home, cleanup } = tempHome();
let env: Record<string, string> = {};
let bootstrap = '';

const lastLine = (r: Result) => r.stdout.trim().split('\n').at(-1) ?? '';
const context = (r: Result) => `exit ${r.code}\nstdout:\n${r.stdout}\nstderr:\n${r.stderr}`;

async function status(): Promise<ClusterStatus> {
  const r = await run('cluster-status.ts', ['--json', '--internal'], env);
  return json<ClusterStatus>(r.stdout);
}

async function until(check: (s: ClusterStatus) => boolean, what: string, timeoutMs = 60_000): Promise<ClusterStatus> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const s = await status().catch(() => null);
    if (s && !s.error && check(s)) return s;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}: ${JSON.stringify(s)}`);
    await sleep(300);
  }
}

const partitions = (s: ClusterStatus, internal?: boolean) => s.topics.filter((t) => internal === undefined || t.internal === internal).flatMap((t) => t.partitions);

beforeAll(async () => {
  const ports = await freePorts(3);
  env = isolatedEnv(home, ports, { KAFKA_AUTO_LEADER_REBALANCE_ENABLE: 'false' });
  bootstrap = ports.map((p) => `127.0.0.1:${p}`).join(',');
  const up = await run('cluster-up.ts', ['--profile', 'multi'], env);
  expect(up.code, context(up)).toBe(0);
}, 90_000);

afterAll(async () => {
  await run('cluster-down.ts', [], env);
  cleanup();
}, 60_000);

describe('a topic set without a replication factor, on three brokers', () => {
  it("gets the cluster's default (3), as Kafka's -1 does, not 1", async () => {
    const file = join(home, 'no-rf.yaml');
    writeFileSync(file, 'topics:\n  - name: no-rf\n    partitions: 2\n  - name: reset-me\n    partitions: 2\n');
    const r = await run('topics-apply.ts', [file], env);
    expect(r.code, context(r)).toBe(0);
    expect(r.stdout).toContain("+ create no-rf (2 partitions, RF 3, the cluster's default)");
    const s = await status();
    const topic = s.topics.find((t) => t.name === 'no-rf')!;
    expect(topic.partitions.map((p) => p.replicas.length)).toEqual([3, 3]);
    // Applying it again changes nothing, and never asks to change the replication factor.
    const again = await run('topics-apply.ts', [file], env);
    expect(again.code, context(again)).toBe(0);
    expect(lastLine(again)).toBe('nothing to do: the cluster already matches the file');
  });
});

describe('offsets:reset', () => {
  const group = 'resetters';
  const committed = async () =>
    Object.fromEntries(((await status()).groups.find((g) => g.groupId === group)?.lag ?? []).map((l) => [l.partition, Number(l.committed)]));

  beforeAll(async () => {
    const lines = Array.from({ length: 20 }, (_, i) => `k${i}=v${i}`).join('\n') + '\n';
    const r = await run('produce.ts', ['reset-me', '--brokers', bootstrap], env, lines);
    expect(r.code, context(r)).toBe(0);
  }, 60_000);

  it('creates offsets for a new group on --topic, finds the topic on its own next, clamps, dry-runs', async () => {
    const s = await status();
    const ends = Object.fromEntries(s.topics.find((t) => t.name === 'reset-me')!.partitions.map((p) => [p.partition, Number(p.highWatermark)]));

    const latest = await run('offsets-reset.ts', [group, '--to', 'latest', '--topic', 'reset-me'], env);
    expect(latest.code, context(latest)).toBe(0);
    expect(lastLine(latest)).toBe(`group ${group} moved 2 partition(s) of reset-me to latest: its next consumer starts reading there`);
    expect(await committed()).toEqual(ends);

    const earliest = await run('offsets-reset.ts', [group, '--to', 'earliest'], env); // no --topic: the group's topics
    expect(earliest.code, context(earliest)).toBe(0);
    expect(await committed()).toEqual({ 0: 0, 1: 0 });

    const dry = await run('offsets-reset.ts', [group, '--to', '3', '--dry-run'], env);
    expect(lastLine(dry)).toMatch(/^dry run: group resetters would move 2 partition\(s\) of reset-me to offset 3; nothing changed/);
    expect(await committed()).toEqual({ 0: 0, 1: 0 });

    const far = await run('offsets-reset.ts', [group, '--to', '999'], env);
    expect(lastLine(far)).toContain('to offset 999 (beyond the log end: moved to the end, as kafka-consumer-groups does)');
    expect(await committed()).toEqual(ends);
  }, 120_000);

  it('refuses a group with a member in one line, and a group without offsets or an unknown topic', async () => {
    const consumer = start('consume.ts', ['reset-me', '--group', group, '--brokers', bootstrap], env);
    const done = collect(consumer);
    try {
      await waitForOutput(consumer, /joined group resetters/);
      const r = await run('offsets-reset.ts', [group, '--to', 'earliest'], env);
      expect(r.code, context(r)).toBe(1);
      expect(r.stderr.trim().split('\n').at(-1)).toBe(
        `error: group ${group} has 1 active member (Stable): Kafka resets the offsets of an empty group only; stop its consumers (Ctrl-C in their terminals), then run this again`,
      );
    } finally {
      consumer.kill('SIGTERM');
      await done;
    }
    const none = await run('offsets-reset.ts', ['nobody', '--to', 'earliest'], env);
    expect(none.stderr.trim().split('\n').at(-1)).toBe('error: group nobody has no committed offsets: name the topic to reset it on with --topic <topic>');
    const unknown = await run('offsets-reset.ts', ['nobody', '--to', 'earliest', '--topic', 'nosuch'], env);
    expect(unknown.stderr.trim().split('\n').at(-1)).toBe('error: there is no topic nosuch: `yarn cluster:status` lists the topics');
  }, 120_000);
});

describe('broker:kill, broker:stop, broker:start', () => {
  it('says "already running" for a running broker and starts nothing', async () => {
    const r = await run('broker.ts', ['start', '2'], env);
    expect(r.code, context(r)).toBe(0);
    expect(lastLine(r)).toBe('broker 2 is already running: nothing to start (`yarn cluster:status` shows it)');
    expect(r.stderr).not.toContain('starting broker 2');
  });

  it('counts what is left: new leaders with two nodes, no quorum with one, nothing with none', async () => {
    const kill2 = await run('broker.ts', ['kill', '2'], env);
    expect(lastLine(kill2)).toMatch(/^the controller fences it after the session timeout/);
    const again = await run('broker.ts', ['kill', '2'], env);
    expect(again.code).toBe(1);
    expect(again.stderr.trim().split('\n').at(-1)).toBe('error: broker 2 is not running: nothing to kill (`yarn broker:start 2` starts it again)');
    const stop3 = await run('broker.ts', ['stop', '3'], env);
    expect(stop3.code, context(stop3)).toBe(0);
    expect(lastLine(stop3)).toBe(
      'only broker 1 is left, 1 of 3 controller voters: no quorum, so nothing is fenced and no leader moves, and acks=all writes time out until another node is back (`yarn broker:start <id>`, id 2 or 3); lab 08 shows it',
    );
    const kill1 = await run('broker.ts', ['kill', '1'], env);
    expect(lastLine(kill1)).toBe(
      'no broker is left: nothing can serve reads or writes until `yarn cluster:up` starts them again (their data is kept; 2 of the 3 make a controller quorum)',
    );
    // What the hint says works: cluster:up starts every node that is down.
    const up = await run('cluster-up.ts', ['--profile', 'multi'], env);
    expect(up.code, context(up)).toBe(0);
    const stop2 = await run('broker.ts', ['stop', '2'], env);
    expect(stop2.code, context(stop2)).toBe(0);
    const stop3again = await run('broker.ts', ['stop', '3'], env);
    expect(stop3again.code, context(stop3again)).toBe(0);
    const start2 = await run('broker.ts', ['start', '2'], env);
    expect(lastLine(start2)).toBe('it catches up and rejoins the ISR: `yarn cluster:status --watch`');
    await run('broker.ts', ['kill', '1'], env);
    await run('broker.ts', ['kill', '2'], env);
    const start1 = await run('broker.ts', ['start', '1'], env);
    expect(lastLine(start1)).toMatch(/^broker 1 is up, but only 1 of 3 controller voters run: no quorum/);
    await run('cluster-up.ts', ['--profile', 'multi'], env);
    await until((s) => s.brokers.every((b) => b.up) && partitions(s).every((p) => p.isr.length === 3 && p.leader >= 0), 'every broker back in every ISR');
  }, 120_000);
});

describe('leaders:elect', () => {
  it("counts the user's partitions apart from internal ones, and names them", async () => {
    // Leaders move off a killed broker; once it is back in the ISR, an election gives them back. The cluster would also
    // do that on its own every 10 s (this file's cluster runs with KAFKA_AUTO_LEADER_REBALANCE_ENABLE=false, so it does
    // not); a few tries in case a leader comes back to its preferred broker anyway.
    let moved: string | null = null;
    for (let attempt = 0; attempt < 3 && moved === null; attempt++) {
      // The broker that is the preferred leader of most of the user's partitions: killing it moves the most.
      const preferred = partitions(await status(), false).map((p) => p.replicas[0]!);
      const victim = [1, 2, 3].sort((a, b) => preferred.filter((x) => x === b).length - preferred.filter((x) => x === a).length)[0]!;
      await run('broker.ts', ['kill', String(victim)], env);
      await until((s) => partitions(s).every((p) => p.leader !== victim && p.leader >= 0), `leaders off broker ${victim}`);
      await run('broker.ts', ['start', String(victim)], env);
      // Watched over the wire, not through cluster:status (a process start each time): the sooner the election runs
      // after the rejoin, the less likely the cluster's own 10 s check has already moved the leaders back.
      const userTopics = partitions(await status(), false).length > 0 ? (await status()).topics.filter((t) => !t.internal).map((t) => t.name) : [];
      let away = 0;
      for (const deadline = Date.now() + 60_000; Date.now() < deadline; await sleep(100)) {
        const views = (await Promise.all(userTopics.map((t) => partitionsFrom(bootstrap.split(',')[0]!, t).catch(() => [])))).flat();
        if (views.length && views.every((p) => p.isr.includes(victim))) {
          away = views.filter((p) => p.leader !== p.replicas[0]).length;
          break;
        }
      }
      const r = await run('leaders-elect.ts', [], env);
      expect(r.code, context(r)).toBe(0);
      const line = lastLine(r);
      if (away > 0 && /^\d+ partition\(s\) moved back/.test(line)) moved = line;
    }
    expect(moved, 'no election found partitions to move in 3 tries').not.toBeNull();
    const m = /^(\d+) partition\(s\) moved back to their preferred leader: (.*?)( \(and (\d+) of internal topics: (.*?); `yarn cluster:status --internal` shows them\))?$/.exec(moved!)!;
    expect(m, moved!).not.toBeNull();
    const listed = m[2]!.split('; ').reduce((n, t) => n + t.split(' ')[1]!.split(',').length, 0);
    expect(Number(m[1])).toBe(listed); // the count is what it names
    expect(m[2]).not.toContain('__'); // and none of it is internal
    if (m[3]) expect(m[5]).toBe('__consumer_offsets');
    const after = await status();
    expect(partitions(after, false).filter((p) => p.leader !== p.replicas[0])).toEqual([]);
  }, 180_000);
});

describe('cluster:reset --up', () => {
  it('says the brand-new cluster is up, not that the next cluster:up will start one', async () => {
    const r = await run('cluster-reset.ts', ['--up'], env);
    expect(r.code, context(r)).toBe(0);
    expect(r.all).not.toContain('the next `yarn cluster:up`');
    expect(lastLine(r)).toMatch(/^a brand-new multi cluster is up \(no topics, no offsets\): bootstrap /);
    expect((await status()).topics.filter((t) => !t.internal)).toEqual([]);
  }, 90_000);
});

describe('produce and consume on a topic that does not exist', () => {
  it('say so, name the topics there are, and how to create one', async () => {
    for (const script of ['consume.ts', 'produce.ts']) {
      const r = await run(script, ['nosuch-topic'], env, '');
      expect(r.code, context(r)).toBe(1);
      expect(r.stderr.trim().split('\n').at(-1)).toMatch(
        /^error: there is no topic "nosuch-topic"( \(there are: [^)]+\))?: create it with `yarn topics:apply <file\.yaml>` \(topics\/single\.yaml or topics\/course\.yaml show how\)(, or pick one of those)?$/,
      );
    }
  });
});
