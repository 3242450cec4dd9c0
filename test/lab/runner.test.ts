import { describe, expect, it } from 'vitest';
import type { Cluster } from '../../src/cluster/types.js';
import { UserError } from '../../src/cluster/types.js';
import { stripAnsi } from '../../src/cli/ansi.js';
import { type Output, bufferOutput } from '../../src/lab/output.js';
import { findLab, LABS } from '../../src/lab/registry.js';
import { LabContext, LabFailure, defineLab, parseLabArgs, runLab } from '../../src/lab/runner.js';

function fakeCluster(): Cluster & { calls: string[] } {
  const calls: string[] = [];
  const rec = (name: string) => async (id?: number) => void calls.push(id === undefined ? name : `${name} ${id}`);
  return {
    calls,
    backend: 'embedded',
    profile: 'single',
    up: rec('up'),
    down: rec('down'),
    reset: rec('reset'),
    status: async () => ({ backend: 'embedded', profile: 'single', clusterId: null, controller: 1, brokers: [], topics: [], groups: [] }),
    bootstrapServers: () => ['127.0.0.1:1'],
    brokers: async () => [],
    killBroker: rec('kill'),
    stopBroker: rec('stop'),
    startBroker: rec('start'),
    electPreferredLeaders: async () => (calls.push('elect'), 0),
    isUp: async () => true,
  };
}

describe('lab runner', () => {
  it('numbers steps, records checks and observations, and passes', async () => {
    const out = bufferOutput();
    const lab = defineLab({
      id: '99', slug: 'test', title: 'Test lab', profile: 'single',
      async run(lab) {
        await lab.step('first', async () => lab.check('one is one', true));
        await lab.step('second', async () => {
          lab.observe('answer', 42);
          lab.say('hello');
          await lab.pause(); // no-op in verify mode
        });
      },
    });
    const result = await runLab(lab, { verify: true, out, cluster: fakeCluster() });
    expect(result.ok).toBe(true);
    expect(result.checks).toEqual([{ label: 'one is one', ok: true }]);
    expect(result.observations).toEqual([['answer', '42']]);
    const text = out.text();
    expect(text).toContain('Step 1 first');
    expect(text).toContain('Step 2 second');
    expect(text).toContain('PASS lab 99');
  });

  it('fails when a check fails, and keeps going after it', async () => {
    const out = bufferOutput();
    let after = false;
    const result = await runLab(
      defineLab({ id: '98', slug: 't', title: 'T', profile: 'single', async run(lab) { lab.check('bad', false, 'why'); after = true; } }),
      { verify: true, out, cluster: fakeCluster() },
    );
    expect(after).toBe(true);
    expect(result.ok).toBe(false);
    expect(result.error).toContain('bad');
    expect(out.text()).toContain('FAIL lab 98');
  });

  it('a lab that checks nothing does not pass', async () => {
    const result = await runLab(defineLab({ id: '97', slug: 't', title: 'T', profile: 'single', async run() {} }), { verify: true, out: bufferOutput(), cluster: fakeCluster() });
    expect(result.ok).toBe(false);
  });

  it('stops on require/LabFailure, runs cleanups and restarts the brokers it took down', async () => {
    const cluster = fakeCluster();
    const cleaned: string[] = [];
    const result = await runLab(
      defineLab({
        id: '96', slug: 't', title: 'T', profile: 'multi',
        async run(lab) {
          lab.onCleanup(() => void cleaned.push('a'));
          await lab.killBroker(2);
          lab.require('must hold', false);
          cleaned.push('not reached');
        },
      }),
      { verify: true, out: bufferOutput(), cluster },
    );
    expect(result.ok).toBe(false);
    expect(result.error).toContain('must hold');
    expect(cleaned).toEqual(['a']);
    expect(cluster.calls).toEqual(['kill 2', 'start 2']);
    expect(cluster.calls).not.toContain('down'); // an injected cluster is never brought down
  });

  it('waitFor returns the value and times out with a LabFailure', async () => {
    let n = 0;
    const result = await runLab(
      defineLab({
        id: '95', slug: 't', title: 'T', profile: 'single',
        async run(lab) {
          const { value } = await lab.waitFor('n reaches 3', () => (++n >= 3 ? n : undefined), { intervalMs: 1 });
          lab.check('got 3', value === 3);
          await expect(lab.waitFor('never', () => false, { timeoutMs: 20, intervalMs: 5 })).rejects.toBeInstanceOf(LabFailure);
        },
      }),
      { verify: true, out: bufferOutput(), cluster: fakeCluster() },
    );
    expect(result.ok).toBe(true);
  });

  it('parses flags; CI=true means verify', () => {
    const prev = process.env.CI;
    process.env.CI = 'true';
    try {
      expect(parseLabArgs([])).toMatchObject({ verify: true, keep: false });
    } finally {
      if (prev === undefined) delete process.env.CI;
      else process.env.CI = prev;
    }
    expect(parseLabArgs(['--keep', '--backend', 'embedded'])).toMatchObject({ keep: true, backend: 'embedded' });
    expect(parseLabArgs(['--backend=docker']).backend).toBe('docker');
    expect(() => parseLabArgs(['--backend', 'podman'])).toThrow(UserError);
  });

  it('finds labs by number or slug; an unknown lab lists them with exit code 2', () => {
    expect(LABS).toHaveLength(11);
    expect(findLab('11').slug).toBe('compaction');
    expect(findLab('10').slug).toBe('exactly-once');
    expect(findLab('7').slug).toBe('leader-failover');
    expect(findLab('07-leader-failover').id).toBe('07');
    expect(findLab('conduktor').id).toBe('09');
    try {
      findLab('42');
      expect.unreachable();
    } catch (e) {
      expect(e).toBeInstanceOf(UserError);
      expect((e as UserError).exitCode).toBe(2);
      expect((e as Error).message).toContain('01 (first-message)');
      expect((e as Error).message.split('\n')).toHaveLength(1);
    }
  });
});

describe('tables', () => {
  const labWith = (out: Output) =>
    new LabContext(defineLab({ id: '94', slug: 't', title: 'T', profile: 'single', async run() {} }), fakeCluster(), out, true);

  it('aligns columns', () => {
    const out = bufferOutput();
    labWith(out).table(['a', 'bbb'], [[1, 'x'], ['long', null], [true, false]]);
    expect(out.text().split('\n')).toEqual(['   a     bbb', '   ────  ───', '   1     x', '   long  -', '   yes   no', '']);
  });

  it('a live table prints only changes when not on a TTY', () => {
    const out = bufferOutput();
    const t = labWith(out).liveTable(['p', 'leader'], { minPrintIntervalMs: 0 });
    t.update([[0, 1]]);
    t.update([[0, 1]]);
    t.update([[0, 2]]);
    t.done();
    expect(out.text().match(/leader/g)).toHaveLength(2);
  });

  it('a live table redraws in place on a TTY', () => {
    let text = '';
    const out = { isTTY: true, color: false, write: (t: string) => void (text += t), columns: () => 80 };
    const t = labWith(out).liveTable(['p', 'leader']);
    t.update([[0, 1]]);
    expect(text).not.toContain('\u001b[3F');
    t.update([[0, 2]]);
    expect(text).toContain('\u001b[3F'); // back up over the 3 lines drawn (header, rule, row)
    expect(text.split('\u001b[J').length - 1).toBe(2); // each draw clears below and draws the whole frame:
    expect(stripAnsi(text).split('\n').filter(Boolean)).toHaveLength(6); // 2 frames × 3 lines
  });
});
