/**
 * One Ctrl-C during a lab, however it was started: the lab stops its load, undoes what it did (the topic it created,
 * the broker it killed, the cluster it started), prints each thing it undid and exits 130. Real scripts, real keys in
 * a pseudo-terminal (yarn, npm run, tsx), real signals to the whole process group (three copies at once, as a
 * terminal plus yarn plus tsx deliver them), on the embedded backend; the cluster-stop part on real Kafka too.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { runningNodeIds } from '../../src/cluster/jvm/backend.js';
import { jvmSkip } from '../helpers/jvm.js';
import { type Lab, embeddedDaemonPid, inTerminal, labEnv, nodeScript, processRunning, run, runToEnd, scriptPids, topicNames, within } from './helpers.js';

const labs: Lab[] = [];
afterAll(() => {
  for (const lab of labs) {
    runToEnd(nodeScript('cluster-reset.ts', '--backend', 'embedded'), lab.env);
    lab.cleanup();
  }
});

async function freshSingle(): Promise<Lab> {
  const lab = await labEnv('single');
  labs.push(lab);
  return lab;
}

/** After the lab: its cluster is stopped and a new one does not have its topic. */
async function expectUndone(lab: Lab, output: string, topic: string) {
  expect(output).toContain(`↺ deleted topic ${topic}`);
  expect(output).toMatch(/↺ stopped the single cluster \(embedded\), which the lab started/);
  expect(output).toContain('everything it did is undone');
  expect(output).not.toMatch(/exiting now/);
  expect(embeddedDaemonPid(lab.home)).toBeNull();
  const up = runToEnd(nodeScript('cluster-up.ts', '--backend', 'embedded', '--profile', 'single'), lab.env);
  expect(up.code, up.output).toBe(0);
  expect(topicNames(lab.env)).not.toContain(topic);
  runToEnd(nodeScript('cluster-down.ts', '--backend', 'embedded'), lab.env);
}

describe('Ctrl-C at a lab pause, in a terminal', () => {
  for (const [how, command] of [
    ['yarn', 'yarn -s lab:01 --backend embedded'],
    ['npm run', 'npm run -s lab:01 -- --backend embedded'],
    ['tsx', 'node_modules/.bin/tsx scripts/lab.ts 01 --backend embedded'],
  ] as const) {
    it(`${how}: undoes what the lab did and exits 130`, async () => {
      const lab = await freshSingle();
      const term = inTerminal(command, lab.env);
      await term.waitFor('press Enter to continue');
      term.type('\r'); // Enter works
      await term.waitFor(/Create the topic lab01-hello[\s\S]*press Enter to continue/);
      term.type('\x03');
      const code = await term.exited;
      const output = term.output();
      expect(code, output).toBe(130);
      expect(output).toContain('Ctrl-C: stopping the lab and undoing what it did');
      await expectUndone(lab, output, 'lab01-hello');
    }, 120_000);
  }
});

// Not through the tsx CLI: it relays each SIGINT to its child and SIGKILLs the child when that does not confirm within
// 30 ms, so several copies at once on a loaded machine kill a lab mid-undo (seen in CI). That is why the package
// scripts run `node --import tsx`; one Ctrl-C through the tsx CLI is tested above.
describe('SIGINT to the whole process group, three copies at once (not a terminal)', () => {
  for (const [how, argv] of [['node --import tsx', nodeScript('lab.ts', '01', '--backend', 'embedded')]] as const) {
    it(`${how}: one interrupt, undone, exit 130`, async () => {
      const lab = await freshSingle();
      const r = run([...argv], lab.env);
      await r.waitFor(/partitions of lab01-hello have leaders/);
      for (let i = 0; i < 3; i++) r.signalGroup('SIGINT');
      const code = await r.exited;
      const output = r.output();
      expect(code, output).toBe(130);
      expect(output.match(/stopping the lab and undoing/g)).toHaveLength(1); // the copies counted once
      expect(output).not.toMatch(/still |exiting now/);
      await expectUndone(lab, output, 'lab01-hello');
    }, 120_000);
  }
});

describe('a lab that killed a broker, in a terminal', () => {
  it('restarts the broker, deletes its topic and group, stops its cluster; a second Ctrl-C says what it is doing', async () => {
    const lab = await labEnv('multi');
    labs.push(lab);
    const term = inTerminal('yarn -s lab:07 --backend embedded', lab.env, 160);
    await term.waitFor('press Enter to kill a leader', 90_000);
    term.type('\r');
    await term.waitFor('after the kill');
    term.type('\x03');
    await term.waitFor('stopping the lab and undoing');
    term.type('\x03'); // a key, not a relayed copy: it counts
    const code = await term.exited;
    const output = term.output();
    expect(code, output).toBe(130);
    expect(output).toMatch(/still .+\(Ctrl-C again exits at once/);
    expect(output).toMatch(/↺ restarted broker \d, which the lab killed/);
    expect(output).toContain('↺ deleted topic lab07-orders');
    expect(output).toMatch(/↺ deleted consumer group/);
    expect(output).toMatch(/↺ stopped the multi cluster \(embedded\), which the lab started/);
    expect(embeddedDaemonPid(lab.home)).toBeNull();
  }, 180_000);
});

describe('the terminal closes during a lab (SIGHUP)', () => {
  it('with nobody watching, the lab still restarts the broker it killed and deletes what it created; the cluster it found stays up', async () => {
    const lab = await labEnv('multi');
    labs.push(lab);
    const up = runToEnd(nodeScript('cluster-up.ts', '--backend', 'embedded', '--profile', 'multi'), lab.env);
    expect(up.code, up.output).toBe(0);
    const term = inTerminal('yarn -s lab:07 --backend embedded', lab.env, 160);
    await term.waitFor('press Enter to kill a leader', 90_000);
    term.type('\r');
    await term.waitFor('after the kill');
    const [labPid] = scriptPids('scripts/lab.ts 07 --backend embedded');
    expect(labPid).toBeDefined();
    term.child.kill('SIGKILL'); // the terminal's window closes: the kernel hangs up the pty and sends SIGHUP
    await within(90_000, 'the lab process finishes its cleanup and exits', () => !processRunning(labPid!));
    const status = JSON.parse(runToEnd(nodeScript('cluster-status.ts', '--json', '--backend', 'embedded'), lab.env).stdout) as {
      brokers: Array<{ id: number; up: boolean }>;
      topics: Array<{ name: string }>;
      groups: Array<{ groupId: string }>;
    };
    expect(status.brokers.map((b) => b.up)).toEqual([true, true, true]);
    expect(status.topics.map((t) => t.name)).not.toContain('lab07-orders');
    expect(status.groups.map((g) => g.groupId).filter((g) => g.startsWith('lab07'))).toEqual([]);
    expect(embeddedDaemonPid(lab.home)).not.toBeNull(); // not the lab's to stop
  }, 180_000);
});

const skipJvm = jvmSkip('test/signals/lab.test.ts');

describe.skipIf(skipJvm !== null)('on real Kafka (jvm backend)', () => {
  it('Ctrl-C at a pause stops the Kafka nodes the lab started', async () => {
    const lab = await freshSingle();
    const term = inTerminal('yarn -s lab:01 --backend jvm', lab.env);
    await term.waitFor('press Enter to continue', 120_000);
    term.type('\r');
    await term.waitFor(/Create the topic lab01-hello[\s\S]*press Enter to continue/, 60_000);
    expect(runningNodeIds(lab.home, 'single')).toEqual([1]);
    term.type('\x03');
    const code = await term.exited;
    const output = term.output();
    expect(code, output).toBe(130);
    expect(output).toContain('↺ deleted topic lab01-hello');
    expect(output).toMatch(/↺ stopped the single cluster \(jvm\), which the lab started/);
    expect(runningNodeIds(lab.home, 'single')).toEqual([]);
  }, 240_000);
});
