/**
 * What the screen shows, in a pseudo-terminal at 80 and 160 columns (the output replayed through a small terminal
 * model, test/signals/helpers.ts screenText): a spinner never shares its line with a message, a live table's header
 * appears once per table, a redraw never leaves an old header above it (not even with a broker dying meanwhile),
 * lines that were printed are not printed again after Enter, a live table keeps moving during a pause, and nothing is
 * wider than the terminal. Not a terminal (CI logs): no redraw codes at all. Embedded backend, temp homes, free ports.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { type Lab, inTerminal, labEnv, nodeScript, run, runToEnd, screenText, within } from '../signals/helpers.js';

const labs: Lab[] = [];
afterAll(() => {
  for (const lab of labs) {
    runToEnd(nodeScript('cluster-reset.ts', '--backend', 'embedded'), lab.env);
    lab.cleanup();
  }
});

async function fresh(profile: 'single' | 'multi'): Promise<Lab> {
  const lab = await labEnv(profile);
  labs.push(lab);
  return lab;
}

const REDRAW = /\x1b\[\d*[ABCDEFGJK]/;
const count = (lines: string[], pattern: RegExp) => lines.filter((l) => pattern.test(l)).length;

describe('spinners', () => {
  it('a message printed during a step gets its own line (no "…0.0sembedded cluster reset")', async () => {
    // nothing runs: the reset is over before its spinner's first redraw, and its message used to land on that line
    const lab = await fresh('single');
    const term = inTerminal('yarn -s cluster:reset --backend embedded', lab.env, 80);
    expect(await term.exited, term.output()).toBe(0);
    const screen = screenText(term.output());
    const message = screen.find((l) => l.includes('embedded cluster reset:'));
    expect(message, screen.join('\n')).toMatch(/^embedded cluster reset: data wiped/);
    expect(screen.some((l) => /^✓ wiping the single cluster \(embedded\) \(\d+\.\ds\)$/.test(l)), screen.join('\n')).toBe(true);
    expect(screen.filter((l) => /⠋|⠙|⠹|⠸|⠼|⠴|⠦|⠧|⠇|⠏/.test(l))).toEqual([]); // the spinner is gone
  }, 60_000);
});

describe('live tables in a lab', () => {
  for (const cols of [80, 160]) {
    it(`lab 02 at ${cols} columns: each live table's header once, nothing wider than the terminal`, async () => {
      const lab = await fresh('single');
      const term = inTerminal('yarn -s lab:02 --backend embedded --verify', lab.env, cols);
      const code = await term.exited;
      const screen = screenText(term.output());
      expect(code, screen.join('\n')).toBe(0);
      // three steps, three tables (1, 2 and 3 members): each header exactly once, right above its rule
      expect(count(screen, /^\s+member\s+partitions\s+messages read$/), screen.join('\n')).toBe(3);
      screen.forEach((line, i) => {
        if (/^\s+member\s+partitions/.test(line)) expect(screen[i + 1]).toMatch(/^\s+─+\s+─+\s+─+$/);
      });
      expect(count(screen, /^Step 3 /)).toBe(1);
      for (const line of screen.filter((l) => /^\s+(member|worker-\d)\s/.test(l))) expect([...line].length).toBeLessThan(cols);
    }, 120_000);
  }

  it('lab 04 at 80 columns: Enter at each pause prints nothing a second time', async () => {
    const lab = await fresh('single');
    const term = inTerminal('yarn -s lab:04 --backend embedded', lab.env, 80);
    for (let pause = 1; pause <= 4; pause++) {
      // waiting at pause N: the screen's last line is the prompt, the N-th one (keys typed ahead are dropped)
      await within(90_000, `pause ${pause}`, () => {
        const screen = screenText(term.output()).filter(Boolean);
        return /press Enter to continue$/.test(screen.at(-1) ?? '') && count(screen, /press Enter to continue/) === pause;
      });
      term.type('\r');
    }
    const code = await term.exited;
    const screen = screenText(term.output());
    expect(code, screen.join('\n')).toBe(0);
    for (const step of ['Step 1 ', 'Step 2 ', 'Step 3 ', 'Step 4 ', 'Step 5 ']) expect(count(screen, new RegExp(`^${step}`)), screen.join('\n')).toBe(1);
    expect(count(screen, /press Enter to continue/)).toBe(4);
    expect(count(screen, /^Summary /)).toBe(1);
  }, 180_000);

  it('lab 05: the live table keeps counting during the pause, and Enter does not print earlier lines again', async () => {
    const lab = await fresh('single');
    const term = inTerminal('yarn -s lab:05 --backend embedded', lab.env, 100);
    await term.waitFor('press Enter to send SIGTERM to both', 90_000);
    const producerCount = () => Number([...screenText(term.output())].reverse().find((l) => /^\s+producer\s+\d+$/.test(l))?.trim().split(/\s+/)[1]);
    const first = producerCount();
    await new Promise((r) => setTimeout(r, 2500));
    const later = producerCount();
    expect(later).toBeGreaterThan(first); // the producer sends on, and the table shows it
    term.type('\r');
    await term.waitFor(/Step 3[\s\S]*press Enter to continue/, 60_000);
    term.type('\r');
    await term.waitFor(/Step 4/, 60_000);
    term.type('\x03');
    expect(await term.exited).toBe(130);
    const screen = screenText(term.output());
    for (const step of ['Step 1 ', 'Step 2 ', 'Step 3 ', 'Step 4 ']) expect(count(screen, new RegExp(`^${step}`)), screen.join('\n')).toBe(1);
    expect(count(screen, /^\s+process\s+acknowledged \/ consumed$/)).toBe(1);
    expect(count(screen, /press Enter to send SIGTERM to both/)).toBe(1);
  }, 180_000);
});

describe('cluster:status --watch in a terminal', () => {
  for (const cols of [80, 160]) {
    it(`at ${cols} columns: one frame on screen, also while a broker is killed and with Enter pressed`, async () => {
      const lab = await fresh('multi');
      expect(runToEnd(nodeScript('cluster-up.ts', '--backend', 'embedded', '--profile', 'multi'), lab.env).code).toBe(0);
      const watch = inTerminal('yarn -s cluster:status --watch --interval 0.5', lab.env, cols);
      await watch.waitFor('refreshing every 0.5s');
      expect(runToEnd(nodeScript('broker.ts', 'kill', '2'), lab.env).code).toBe(0);
      await watch.waitFor(/2\s+127\.0\.0\.1:\d+\s+down/, 30_000);
      watch.type('\r\r'); // a person pressing Enter: read as keys, not echoed into the frame
      await new Promise((r) => setTimeout(r, 1500));
      watch.type('\x03');
      expect(await watch.exited).toBe(0);
      const screen = screenText(watch.output());
      expect(count(screen, /^kafka-lab \d\d:\d\d:\d\d /), screen.join('\n')).toBe(1);
      expect(count(screen, /^broker\s+address\s+state/)).toBe(1);
      expect(count(screen, /^group\s+state\s+members/)).toBe(1);
      for (const line of screen) expect([...line].length, line).toBeLessThan(cols);
    }, 120_000);
  }
});

describe('not a terminal (CI logs)', () => {
  it('a lab, cluster:up and a watch print no redraw codes', async () => {
    const lab = await fresh('single');
    const up = runToEnd(nodeScript('cluster-up.ts', '--backend', 'embedded'), lab.env);
    expect(up.code).toBe(0);
    expect(up.output).not.toMatch(REDRAW);
    const labRun = runToEnd(nodeScript('lab.ts', '02', '--backend', 'embedded', '--verify'), lab.env);
    expect(labRun.code, labRun.output).toBe(0);
    expect(labRun.output).not.toMatch(REDRAW);
    expect(labRun.output).toMatch(/member\s+partitions\s+messages read/);
    const watch = run(nodeScript('cluster-status.ts', '--watch', '--interval', '0.5'), lab.env);
    await watch.waitFor(/group\s+state/);
    watch.signalGroup('SIGINT');
    expect(await watch.exited).toBe(0);
    expect(watch.output()).not.toMatch(REDRAW);
  }, 120_000);
});
