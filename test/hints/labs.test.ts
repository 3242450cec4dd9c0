/**
 * Labs as a class meets them, as child processes on the embedded backend (free ports, temp homes):
 * two labs started at once share one cluster; a lab that finds a broker down starts it again; cluster:down refuses to
 * pull the cluster from under a running lab; labs 03 and 09 pause where a student should look (in a pseudo-terminal:
 * labs pause only on a terminal); lab 09 says what it leaves behind.
 */
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Timeline } from '../../src/lab/timeline.js';
import { freePorts, tempHome } from '../embedded-backend/helpers.js';
import { ROOT, type Result, isolatedEnv, run } from './helpers.js';

const context = (r: Result) => `exit ${r.code}\n${r.all}`;
const homes: Array<{ home: string; cleanup: () => void; env: Record<string, string> }> = [];

async function isolated(count: number): Promise<{ home: string; env: Record<string, string> }> {
  const { home, cleanup } = tempHome();
  const env = isolatedEnv(home, await freePorts(count));
  homes.push({ home, cleanup, env });
  return { home, env };
}

afterAll(async () => {
  for (const h of homes) {
    await run('cluster-down.ts', [], h.env);
    h.cleanup();
  }
}, 120_000);

/**
 * Runs `node --import tsx scripts/lab.ts <id>` on a pseudo-terminal (util-linux `script`), answering every
 * "press Enter" prompt; returns the output and how many prompts there were.
 */
function labOnATerminal(id: string, env: Record<string, string>): Promise<{ code: number; output: string; pauses: number }> {
  const command = [process.execPath, '--import', 'tsx', join(ROOT, 'scripts', 'lab.ts'), id].map((a) => `'${a}'`).join(' ');
  const child = spawn('script', ['-qfec', command, '/dev/null'], { cwd: ROOT, env: { ...env, COLUMNS: '120' }, stdio: 'pipe' });
  let output = '';
  let pauses = 0;
  child.stdout.on('data', (chunk: Buffer) => {
    output += chunk.toString();
    const prompts = output.split('⏎').length - 1;
    while (pauses < prompts) {
      pauses++;
      child.stdin.write('\r');
    }
  });
  child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
  return new Promise((resolve) => child.on('close', (code) => resolve({ code: code ?? -1, output, pauses })));
}

describe('two labs started at once', () => {
  it('the second waits for the cluster the first brings up and shares it; the starter brings it down after both', async () => {
    const { home, env } = await isolated(1);
    const [a, b] = await Promise.all([run('lab.ts', ['01', '--verify'], env), run('lab.ts', ['04', '--verify'], env)]);
    for (const r of [a, b]) {
      expect(r.code, context(r)).toBe(0);
      expect(r.all).not.toMatch(/in use|ECONNREFUSED|! cleanup/);
    }
    const starters = [a, b].filter((r) => r.all.includes('bringing up the single cluster'));
    expect(starters, `${a.all}\n----\n${b.all}`).toHaveLength(1);
    const other = a === starters[0] ? b : a;
    expect(other.all).toMatch(/lab 0[14] \(pid \d+\) is bringing up a cluster: waiting for it, then this lab uses it too/);
    expect(other.all).toContain('using the single cluster already running');
    // The starter brought it down, after both were done (neither lost its cluster half-way: both passed).
    expect(existsSync(join(home, 'embedded', 'daemon.json'))).toBe(false);
  }, 180_000);
});

describe('a multi cluster that others use', () => {
  let env: Record<string, string> = {};
  beforeAll(async () => {
    env = (await isolated(3)).env;
    const up = await run('cluster-up.ts', ['--profile', 'multi'], env);
    expect(up.code, context(up)).toBe(0);
  }, 90_000);

  it('a lab that finds a broker down starts it again first, in one line, and passes', async () => {
    const kill = await run('broker.ts', ['kill', '2'], env);
    expect(kill.code, context(kill)).toBe(0);
    const lab = await run('lab.ts', ['06', '--verify'], env);
    expect(lab.code, context(lab)).toBe(0);
    expect(lab.all.split('\n').filter((l) => l.includes('was down'))).toEqual([
      '   broker 2 was down (an interrupted lab, or a broker:kill?): starting it again first',
    ]);
  }, 120_000);

  it('cluster:down refuses while a lab runs on the cluster, and names it', async () => {
    // The lab waits at its first pause (on a terminal nobody answers), so it is surely still running when cluster:down
    // asks, however slow the machine.
    const command = [process.execPath, '--import', 'tsx', join(ROOT, 'scripts', 'lab.ts'), '02'].map((a) => `'${a}'`).join(' ');
    const lab = spawn('script', ['-qfec', command, '/dev/null'], { cwd: ROOT, env: { ...env, COLUMNS: '120' }, stdio: 'pipe' });
    let output = '';
    lab.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    const exited = new Promise<number>((resolve) => lab.on('close', (code) => resolve(code ?? -1)));
    for (const deadline = Date.now() + 90_000; !output.includes('⏎'); await new Promise((r) => setTimeout(r, 100))) {
      if (Date.now() > deadline) throw new Error(`lab 02 did not pause:\n${output}`);
    }
    const down = await run('cluster-down.ts', [], env);
    expect(down.code, context(down)).toBe(1);
    expect(down.stderr.trim().split('\n').at(-1)).toMatch(
      /^error: lab 02 \(pid \d+\) is running on this cluster: let it finish \(or stop it with Ctrl-C\), then run `yarn cluster:down` again$/,
    );
    lab.stdin.write('\x03');
    expect(await exited, output).toBe(130);
  }, 120_000);

  it('labs 03 and 09 pause where a student should look, on a terminal', async () => {
    const lab03 = await labOnATerminal('03', env);
    expect(lab03.code, lab03.output).toBe(0);
    expect(lab03.pauses, lab03.output).toBeGreaterThanOrEqual(3);
    const lab09 = await labOnATerminal('09', env);
    expect(lab09.code, lab09.output).toBe(0);
    expect(lab09.pauses, lab09.output).toBeGreaterThanOrEqual(3);
    // The cluster ran before the lab: it says it stays up (and the last pause comes while everything is still there).
    expect(lab09.output).toContain('the cluster stays up: it was running before');
  }, 180_000);
});

describe('lab 09 on a cluster it starts itself', () => {
  it('says it stops that cluster at the end, instead of only "start Console next to the cluster"', async () => {
    const { env } = await isolated(3);
    const r = await run('lab.ts', ['09', '--verify'], env);
    expect(r.code, context(r)).toBe(0);
    expect(r.all).toContain('bringing up the multi cluster');
    expect(r.all).toContain('When the lab ends it deletes lab09-tour and its group and stops the cluster it started, so explore now, or run it with --keep.');
    expect(r.all).not.toContain('Start Console next to the cluster now');
  }, 120_000);
});

describe("lab 07's timeline", () => {
  it("marks two events in one interval with '*' and says what '*' means", () => {
    const t0 = 1_000_000;
    const tl = new Timeline(['acked'], 500, t0);
    for (let i = 0; i < 20; i++) tl.count('acked', 5, t0 + i * 500);
    tl.mark('S', 'graceful stop of broker 3', t0 + 4_000);
    tl.mark('r', 'broker 3 started again', t0 + 4_200);
    tl.end(t0 + 10_000);
    const lines = tl.render({ width: 80, height: 1 });
    const events = lines.find((l) => l.trim().startsWith('events'))!;
    expect(events.slice(events.indexOf('│') + 1, events.lastIndexOf('│')).indexOf('*')).toBe(8);
    expect(lines.at(-1)).toMatch(/^\s+\*\s+two or more of these in one 0\.5s interval \(their times say which\)$/);
    // One event per interval: no '*', no legend line for it.
    const single = new Timeline(['acked'], 500, t0);
    single.mark('K', 'kill', t0 + 1_000);
    single.end(t0 + 5_000);
    expect(single.render({ width: 80, height: 1 }).join('\n')).not.toContain('*');
  });
});
