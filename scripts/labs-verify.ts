/**
 * yarn labs:verify [--backend docker|jvm|embedded|auto] [--only 01,07] [--timeout SECONDS]
 * Runs every lab in verify mode, one after another, each in its own process; prints lab/backend/result/time and
 * writes a JUnit XML report to reports/labs-junit.xml (logs of each lab in reports/labs/NN.log).
 * One cluster per profile: before the labs of a profile it brings that cluster up (unless it already runs), every lab
 * of the profile reuses it, and afterwards it is reset again if labs:verify started it.
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync, createWriteStream } from 'node:fs';
import { join } from 'node:path';
import { backendArg, parseArgs } from '../src/cli/args.js';
import { stripAnsi } from '../src/cli/ansi.js';
import { runMain } from '../src/cli/main.js';
import { step } from '../src/cli/progress.js';
import { openCluster } from '../src/cluster/index.js';
import type { Cluster, Profile } from '../src/cluster/types.js';
import { formatTable } from '../src/cli/table.js';
import { UserError } from '../src/cluster/types.js';
import { toJUnitXml, type JUnitCase } from '../src/lab/junit.js';
import { formatMs } from '../src/lab/output.js';
import { LABS, PROJECT_ROOT, findLab, loadLab } from '../src/lab/registry.js';
import type { LabResult } from '../src/lab/runner.js';
import { againKey, describeInterrupt, onInterrupt } from '../src/clients/interrupts.js';

let interrupted = false;
/** what labs:verify does now, for a second Ctrl-C; and how to stop the lab that runs */
const now: { doing: string; stopLab: (() => void) | null } = { doing: 'starting', stopLab: null };
// Ctrl-C: the running lab gets SIGTERM and undoes what it did, the cluster labs:verify started is reset, exit 130.
// Copies of one Ctrl-C count once (src/clients/interrupts.ts); again says what it waits for; a third exits at once.
onInterrupt((interrupt) => {
  const key = againKey(interrupt);
  if (interrupt.count === 1) {
    interrupted = true;
    process.stdout.write(`\n${describeInterrupt(interrupt)}: stopping after ${now.doing} (${key} again shows what it waits for)\n`);
    now.stopLab?.();
  } else if (interrupt.count === 2) {
    process.stdout.write(`still ${now.doing} (${key} again exits at once)\n`);
  } else {
    process.stdout.write(`exiting now, while ${now.doing}: \`yarn cluster:status\` shows what is left\n`);
    process.exit(130);
  }
}, { keyboard: true });
const USAGE = 'yarn labs:verify [--backend docker|jvm|embedded|auto] [--only 01,07] [--timeout SECONDS]';

await runMain(async () => {
  const args = parseArgs({ usage: USAGE, string: ['backend', 'only', 'timeout'] });
  const backend = backendArg(args.backend) ?? 'auto';
  const labs = args.only ? String(args.only).split(',').map((n) => findLab(n)) : LABS;
  const timeoutMs = Number(args.timeout ?? 180) * 1000;
  if (!(timeoutMs > 0)) throw new UserError('--timeout must be a number of seconds', 2);
  const reports = join(PROJECT_ROOT, 'reports');
  const logs = join(reports, 'labs');
  mkdirSync(logs, { recursive: true });

  const cases: JUnitCase[] = [];
  const rows: Array<[string, string, string, string]> = [];
  const started = Date.now();
  const shared: { current: { profile: Profile; cluster: Cluster; ours: boolean } | null } = { current: null };
  const release = async () => {
    const held = shared.current;
    if (held?.ours) {
      now.doing = `resetting the ${held.profile} cluster labs:verify started`;
      await step(now.doing, () => held.cluster.reset());
    }
    shared.current = null;
  };
  for (const entry of labs) {
    if (interrupted) break;
    const def = await loadLab(entry);
    if (def.needsCluster !== false && shared.current?.profile !== def.profile && !(def.anyProfile && shared.current)) {
      await release();
      const cluster = await openCluster({ backend, profile: def.profile, log: (line) => process.stdout.write(line + '\n') });
      const ours = !(await cluster.isUp());
      // Known before it starts: a Ctrl-C during the start still resets it afterwards.
      shared.current = { profile: def.profile, cluster, ours };
      now.doing = `starting the ${def.profile} cluster (${cluster.backend}) for the labs that need it`;
      if (ours) await step(now.doing, () => cluster.up());
      if (interrupted) break;
    }
    const resultFile = join(logs, `${entry.id}.json`);
    const logFile = join(logs, `${entry.id}.log`);
    rmSync(resultFile, { force: true });
    now.doing = `lab ${entry.id}, which undoes what it did when stopped`;
    process.stdout.write(`lab ${entry.id} ${entry.title} … `);
    const t = Date.now();
    const { code, output, timedOut } = await runChild(entry.id, backend, resultFile, logFile, timeoutMs);
    const ms = Date.now() - t;
    const result = existsSync(resultFile) ? (JSON.parse(readFileSync(resultFile, 'utf8')) as LabResult) : null;
    const ok = code === 0 && result?.ok === true;
    const why = timedOut ? `timed out after ${formatMs(timeoutMs)}` : (result?.error ?? lastLine(output) ?? `exit ${code}`);
    process.stdout.write(`${ok ? 'PASS' : 'FAIL'} (${formatMs(ms)})${ok ? '' : `: ${why.split('\n')[0]}`}\n`);
    rows.push([`${entry.id} ${entry.slug}`, result?.backend ?? backend, ok ? 'pass' : 'FAIL', formatMs(ms)]);
    cases.push({
      name: `lab ${entry.id} ${entry.title}`,
      classname: `labs.${entry.id}-${entry.slug}`,
      timeMs: ms,
      ...(ok ? {} : { failure: { message: why.split('\n')[0]!, details: stripAnsi(output).slice(-8000) } }),
      systemOut: stripAnsi(output).slice(-20000),
    });
  }
  await release();
  process.stdout.write('\n' + formatTable(['lab', 'backend', 'result', 'time'], rows, { color: false }) + '\n');
  const failed = cases.filter((c) => c.failure).length;
  writeFileSync(join(reports, 'labs-junit.xml'), toJUnitXml('kafka-lab labs', cases));
  process.stdout.write(`\n${cases.length - failed}/${cases.length} labs passed in ${formatMs(Date.now() - started)}; JUnit report: reports/labs-junit.xml, logs: reports/labs/\n`);
  if (interrupted) return 130;
  return failed > 0 ? 1 : 0;
});

function lastLine(text: string): string | undefined {
  return stripAnsi(text).trim().split('\n').filter(Boolean).at(-1);
}

function runChild(id: string, backend: string, resultFile: string, logFile: string, timeoutMs: number): Promise<{ code: number; output: string; timedOut: boolean }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['--import', 'tsx', join(PROJECT_ROOT, 'scripts', 'lab.ts'), id, '--verify', '--backend', backend], {
      cwd: PROJECT_ROOT,
      env: { ...process.env, CI: 'true', KAFKA_LAB_RESULT_FILE: resultFile, FORCE_COLOR: '0' },
      stdio: ['ignore', 'pipe', 'pipe'],
      detached: true,
    });
    const log = createWriteStream(logFile);
    let output = '';
    const collect = (chunk: Buffer) => {
      output += chunk.toString();
      log.write(chunk);
    };
    child.stdout.on('data', collect);
    child.stderr.on('data', collect);
    let timedOut = false;
    // The lab runs in its own process group, so its children (produce/consume scripts) can be ended with it.
    const killGroup = (signal: NodeJS.Signals) => {
      try {
        process.kill(-child.pid!, signal);
      } catch {
        child.kill(signal);
      }
    };
    const timer = setTimeout(() => {
      timedOut = true;
      killGroup('SIGKILL');
    }, timeoutMs);
    // Ctrl-C on labs:verify: let the lab clean up (it brings down what it started), then stop.
    now.stopLab = () => killGroup('SIGTERM');
    if (interrupted) now.stopLab();
    child.on('close', (code) => {
      now.stopLab = null;
      clearTimeout(timer);
      log.end();
      resolve({ code: code ?? 1, output, timedOut });
    });
  });
}
