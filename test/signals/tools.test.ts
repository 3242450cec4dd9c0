/**
 * The kit's own tools on Ctrl-C and SIGTERM, as real processes: `yarn consume` commits, leaves its group and exits 0
 * (yarn reports 0 too); so does `yarn produce`; copies of one SIGINT count once; SIGTERM to the yarn process does not
 * orphan the node child (it follows its parent and shuts down gracefully); Ctrl-C during `cluster:up` leaves no
 * cluster running. Embedded backend, temp home, free ports.
 */
import { Kafka, logLevel } from 'kafkajs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runningNodeIds } from '../../src/cluster/jvm/backend.js';
import { jvmSkip } from '../helpers/jvm.js';
import { type Lab, embeddedDaemonPid, inTerminal, labEnv, nodeScript, pidsRunning, processRunning, run, runToEnd, scriptPids, topicNames, tsxScript, within } from './helpers.js';

let lab: Lab;

const TOPIC = 'signals-orders';

function admin() {
  return new Kafka({ clientId: 'signals-test', brokers: lab.bootstrap.split(','), logLevel: logLevel.NOTHING, retry: { retries: 10 } }).admin();
}

/** Committed offsets of `group` on TOPIC, summed, and its state. */
async function groupState(group: string): Promise<{ committed: number; state: string; members: number }> {
  const a = admin();
  await a.connect();
  try {
    const offsets = (await a.fetchOffsets({ groupId: group, topics: [TOPIC] }))[0]?.partitions ?? [];
    const described = (await a.describeGroups([group])).groups[0]!;
    return { committed: offsets.reduce((n, p) => n + Math.max(0, Number(p.offset)), 0), state: described.state, members: described.members.length };
  } finally {
    await a.disconnect();
  }
}

beforeAll(async () => {
  lab = await labEnv('multi');
  const up = runToEnd(nodeScript('cluster-up.ts', '--backend', 'embedded', '--profile', 'multi'), lab.env);
  expect(up.code, up.output).toBe(0);
  const a = admin();
  await a.connect();
  await a.createTopics({ topics: [{ topic: TOPIC, numPartitions: 3, replicationFactor: 3 }], waitForLeaders: true });
  await a.disconnect();
  const sent = runToEnd(nodeScript('produce.ts', TOPIC), lab.env, 'one\ntwo\nthree\nfour\nfive\n');
  expect(sent.code, sent.output).toBe(0);
}, 120_000);

afterAll(() => {
  if (!lab) return;
  runToEnd(nodeScript('cluster-reset.ts', '--backend', 'embedded'), lab.env);
  lab.cleanup();
});

// the five messages sit on three partitions, printed in no fixed order: wait for five lines, not for the last word
const ALL_FIVE = /(?:partition \d+ +offset \d+[^\n]*\n[^]*?){5}/;

describe('yarn consume', () => {
  it('Ctrl-C in a terminal: commits, leaves the group, exits 0, and yarn reports 0', async () => {
    const term = inTerminal(`yarn consume ${TOPIC} --group g-term --from-beginning; echo "exit=$?"`, lab.env);
    await term.waitFor(ALL_FIVE, 60_000);
    term.type('\x03');
    const code = await term.exited;
    const output = term.output();
    expect(code, output).toBe(0);
    expect(output).toMatch(/consumed 5 message\(s\); offsets committed, left the group g-term/);
    expect(output).toContain('exit=0');
    expect(output).not.toMatch(/again: exiting|exiting now/);
    expect(await groupState('g-term')).toEqual({ committed: 5, state: 'Empty', members: 0 });
  }, 90_000);

  for (const [how, argv] of [
    ['node --import tsx', nodeScript('consume.ts', TOPIC, '--group', 'g-node', '--from-beginning')],
    ['tsx', tsxScript('consume.ts', TOPIC, '--group', 'g-tsx', '--from-beginning')],
  ] as const) {
    it(`${how}: three SIGINT copies to the process group are one Ctrl-C: commit, leave, exit 0`, async () => {
      const group = argv[argv.indexOf('--group') + 1]!;
      const r = run([...argv], lab.env);
      await r.waitFor(ALL_FIVE, 60_000);
      for (let i = 0; i < 3; i++) r.signalGroup('SIGINT');
      const code = await r.exited;
      const output = r.output();
      expect(code, output).toBe(0);
      expect(output.match(/committing the offsets it processed/g)).toHaveLength(1);
      expect(output).not.toMatch(/still |exiting now/);
      expect(await groupState(group)).toEqual({ committed: 5, state: 'Empty', members: 0 });
    }, 90_000);
  }

  it('SIGTERM to the yarn process: the node child notices and shuts down gracefully instead of consuming on', async () => {
    const r = run(['yarn', '-s', 'consume', TOPIC, '--group', 'g-yarn-term', '--from-beginning'], lab.env);
    await r.waitFor(ALL_FIVE, 60_000);
    // the node process tsx runs the script in (its loader is on its command line)
    const [child] = scriptPids(`scripts/consume.ts ${TOPIC} --group g-yarn-term`);
    expect(child).toBeDefined();
    process.kill(r.child.pid!, 'SIGTERM'); // yarn only: it forwards to its shell and exits, the shell dies, tsx is orphaned
    await r.exited;
    await within(30_000, 'the node child exits', () => !processRunning(child!));
    expect(r.output()).toMatch(/\(pid \d+\), which started this process, exited: committing the offsets/);
    expect(await groupState('g-yarn-term')).toEqual({ committed: 5, state: 'Empty', members: 0 });
  }, 90_000);
});

describe('yarn produce', () => {
  it('Ctrl-C in a terminal: every send acknowledged, exit 0, yarn reports 0', async () => {
    const term = inTerminal(`yarn produce ${TOPIC} --rate 20; echo "exit=$?"`, lab.env);
    await term.waitFor(/\d+ acknowledged[\s\S]*\d+ acknowledged/, 60_000);
    term.type('\x03');
    const code = await term.exited;
    const output = term.output();
    expect(code, output).toBe(0);
    const summary = /sent (\d+), acknowledged (\d+), failed 0; disconnected/.exec(output);
    expect(summary, output).not.toBeNull();
    expect(summary![1]).toBe(summary![2]);
    expect(output).toContain('exit=0');
  }, 90_000);
});

describe('cluster:up', () => {
  it('Ctrl-C while it starts a cluster: the cluster is stopped again, it says so, exit 130', async () => {
    const fresh = await labEnv('multi');
    try {
      const term = inTerminal('yarn -s cluster:up --backend embedded --profile multi', fresh.env);
      await term.waitFor('starting the multi cluster');
      term.type('\x03');
      const code = await term.exited;
      const output = term.output();
      expect(code, output).toBe(130);
      expect(output).toContain('will be stopped again as soon as it has started');
      expect(output).toContain('is stopped again, nothing is left running');
      expect(embeddedDaemonPid(fresh.home)).toBeNull();
      expect(pidsRunning(fresh.home)).toEqual([]);
    } finally {
      runToEnd(nodeScript('cluster-reset.ts', '--backend', 'embedded'), fresh.env);
      fresh.cleanup();
    }
  }, 90_000);
});

const skipJvm = jvmSkip('test/signals/tools.test.ts');

describe.skipIf(skipJvm !== null)('cluster:up on real Kafka (jvm backend)', () => {
  it('Ctrl-C while the JVMs start: they are stopped again, exit 130', async () => {
    const fresh = await labEnv('single');
    try {
      const term = inTerminal('yarn -s cluster:up --backend jvm --profile single', fresh.env);
      await term.waitFor('starting the single cluster', 60_000);
      term.type('\x03');
      const code = await term.exited;
      const output = term.output();
      expect(code, output).toBe(130);
      expect(output).toContain('is stopped again, nothing is left running');
      expect(runningNodeIds(fresh.home, 'single')).toEqual([]);
    } finally {
      runToEnd(nodeScript('cluster-reset.ts', '--backend', 'jvm', '--profile', 'single'), fresh.env);
      fresh.cleanup();
    }
  }, 180_000);
});

describe('labs:verify', () => {
  it('SIGINT copies to its process group: the running lab undoes, the cluster labs:verify started is reset, exit 130', async () => {
    const fresh = await labEnv('single');
    try {
      const r = run(nodeScript('labs-verify.ts', '--only', '02', '--backend', 'embedded'), fresh.env);
      await r.waitFor('lab 02 ', 90_000);
      // the lab is under way: its topic exists
      await within(60_000, 'lab 02 has created its topic', () => topicNames(fresh.env).includes('lab02-events'));
      for (let i = 0; i < 3; i++) r.signalGroup('SIGINT');
      const code = await r.exited;
      const output = r.output();
      expect(code, output).toBe(130);
      expect(output.match(/stopping after/g)).toHaveLength(1);
      expect(output).toMatch(/resetting the single cluster labs:verify started/);
      expect(embeddedDaemonPid(fresh.home)).toBeNull();
    } finally {
      runToEnd(nodeScript('cluster-reset.ts', '--backend', 'embedded'), fresh.env);
      fresh.cleanup();
    }
  }, 180_000);
});
