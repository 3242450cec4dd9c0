/**
 * Every CLI and YAML entry point, fed bad input, as a child process: the exact one-line error each gives and its exit
 * code. A row passes when stderr holds exactly one `error: ...` line (the last one), equal to the expected text, with
 * no stack trace, and the exit code matches. Informational lines (`backend: ...`, a step's ✗) may come before it.
 *
 * Isolation: a temp KAFKA_LAB_HOME, KAFKA_LAB_PORTS on free ports, KAFKA_BOOTSTRAP/KAFKA_LAB_BACKEND unset, so nothing
 * here touches a real cluster on 9092.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, mkdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { type Server, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const ROOT = join(import.meta.dirname, '..', '..');
const tmp = mkdtempSync(join(tmpdir(), 'kafka-lab-cli-'));
const home = join(tmp, 'home');
const noDocker = join(tmp, 'bin'); // a PATH with a shell and nothing else: no docker
let freePort = 0; // nothing listens here: "cluster down"
let busyPort = 0; // something else listens here: "port in use"
let daemonPort = 0; // the embedded daemon of the "unknown broker id" rows
let busy: Server;

function listenOn(port = 0): Promise<Server> {
  return new Promise((resolve, reject) => {
    const server = createServer((s) => s.destroy());
    server.once('error', reject);
    server.listen({ host: '127.0.0.1', port }, () => resolve(server));
  });
}
const portOf = (s: Server) => (s.address() as { port: number }).port;
async function aFreePort(): Promise<number> {
  const s = await listenOn();
  const port = portOf(s);
  await new Promise((r) => s.close(r));
  return port;
}

interface Result {
  code: number;
  stdout: string;
  stderr: string;
}

function run(script: string, args: string[], env: Record<string, string> = {}, homeDir = home): Promise<Result> {
  const base: Record<string, string> = {};
  for (const [k, v] of Object.entries(process.env)) {
    if (v !== undefined && !['KAFKA_BOOTSTRAP', 'KAFKA_LAB_BACKEND', 'KAFKA_BROKERS', 'KAFKA_LAB_DEBUG', 'DEBUG', 'KAFKA_LAB_PORTS'].includes(k)) base[k] = v;
  }
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['--import', 'tsx', join(ROOT, 'scripts', script), ...args], {
      cwd: ROOT,
      env: { ...base, KAFKA_LAB_HOME: homeDir, KAFKA_LAB_PORTS: String(freePort), NO_COLOR: '1', FORCE_COLOR: '0', CI: 'true', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c) => (stdout += c));
    child.stderr.on('data', (c) => (stderr += c));
    child.on('close', (code) => resolve({ code: code ?? -1, stdout, stderr }));
  });
}

function expectOneErrorLine(r: Result, error: string, exit: number): void {
  const lines = r.stderr.split('\n').filter((l) => l.trim() !== '');
  const errors = lines.filter((l) => l.startsWith('error:'));
  const context = `stderr:\n${r.stderr}\nstdout:\n${r.stdout}`;
  expect(errors, context).toEqual([`error: ${error}`]);
  expect(lines.at(-1), context).toBe(`error: ${error}`);
  expect(r.stderr, context).not.toMatch(/^\s+at .+\(.*:\d+:\d+\)$/m);
  expect(r.code, context).toBe(exit);
}

beforeAll(async () => {
  mkdirSync(home, { recursive: true });
  mkdirSync(noDocker, { recursive: true });
  symlinkSync('/bin/sh', join(noDocker, 'sh'));
  symlinkSync('/bin/bash', join(noDocker, 'bash'));
  freePort = await aFreePort();
  busy = await listenOn();
  busyPort = portOf(busy);
  daemonPort = await aFreePort();
  writeFileSync(join(tmp, 'bad.yaml'), 'topics:\n  - name: [\n');
  writeFileSync(join(tmp, 'types.yaml'), 'topics:\n  - name: orders\n    partitions: three\n');
  writeFileSync(join(tmp, 'unknown-key.yaml'), 'topics:\n  - name: orders\n    partitons: 3\n');
  writeFileSync(join(tmp, 'bad-config.yaml'), 'topics:\n  - name: orders\n    partitions: 3\n    configs:\n      min.insync.replicas: lots\n');
  writeFileSync(join(tmp, 'not-a-list.yaml'), 'topics: orders\n');
});

afterAll(async () => {
  await new Promise((r) => busy?.close(r));
  rmSync(tmp, { recursive: true, force: true });
});

interface Row {
  /** what is wrong */
  what: string;
  script: string;
  args: () => string[];
  env?: () => Record<string, string>;
  exit: number;
  error: () => string;
}

const t = <T,>(value: T) => () => value;
const usage = {
  produce: 'yarn produce <topic> [--rate N] [--keys K] [--count N] [--acks all|1|0] [--brokers host:port,...] [--json]',
  up: 'yarn cluster:up [--profile single|multi] [--backend auto|docker|jvm|embedded]',
  topics: 'yarn topics:apply <file> [--dry-run] [--bootstrap host:port,...] [--backend ...]',
  offsets: 'yarn offsets:reset <group> --to earliest|latest|<offset> [--topic <topic>] [--dry-run] [--brokers host:port,...]',
  chaos: 'yarn chaos [--faults N | --duration 60s] [--seed N] [--backend auto|docker|jvm|embedded] [--partitions N] [--producers N] [--rate N] [--json]',
};
const LAB_LIST = '01 (first-message), 02 (consumer-groups), 03 (partitions-and-keys), 04 (offsets-and-replay), 05 (graceful-shutdown), 06 (replication), 07 (leader-failover), 08 (losing-the-majority), 09 (conduktor), 10 (exactly-once), 11 (compaction)';
const LAB_HOW = '`yarn lab:NN [--verify] [--keep] [--backend auto|docker|jvm|embedded]`, e.g. `yarn lab:01`';
const noEmbedded = 'no embedded cluster is running: start one with `yarn cluster:up --backend embedded`';
const noDockerError = 'Docker is not installed (no `docker` command found): install Docker Desktop or Docker Engine, or run without Docker: `--backend embedded`';
const down = () => `cannot reach Kafka at 127.0.0.1:${freePort}: is a cluster up? Run \`yarn cluster:up\` (or check KAFKA_BOOTSTRAP)`;
const refused = () => `cannot reach the cluster at 127.0.0.1:${freePort}: start it with \`yarn cluster:up\` (connection refused)`;

const rows: Row[] = [
  // topics:apply — the YAML entry point (the file is checked before the cluster is asked anything)
  { what: 'missing file', script: 'topics-apply.ts', args: () => [join(tmp, 'missing.yaml'), '--bootstrap', `127.0.0.1:${freePort}`], exit: 1, error: () => `no such file: ${join(tmp, 'missing.yaml')}` },
  { what: 'bad YAML', script: 'topics-apply.ts', args: () => [join(tmp, 'bad.yaml'), '--bootstrap', `127.0.0.1:${freePort}`], exit: 1, error: () => `${join(tmp, 'bad.yaml')}:3:1: YAML: Flow sequence in block collection must be sufficiently indented and end with a ]` },
  { what: 'wrong type', script: 'topics-apply.ts', args: () => [join(tmp, 'types.yaml'), '--dry-run', '--bootstrap', `127.0.0.1:${freePort}`], exit: 1, error: () => `${join(tmp, 'types.yaml')}:3:17: partitions must be a whole number, not the text "three"` },
  { what: 'topics not a list', script: 'topics-apply.ts', args: () => [join(tmp, 'not-a-list.yaml'), '--bootstrap', `127.0.0.1:${freePort}`], exit: 1, error: () => `${join(tmp, 'not-a-list.yaml')}:1:9: "topics" must be a list (items start with "- "), not the text "orders"` },
  { what: 'misspelt key', script: 'topics-apply.ts', args: () => [join(tmp, 'unknown-key.yaml'), '--bootstrap', `127.0.0.1:${freePort}`], exit: 1, error: () => `${join(tmp, 'unknown-key.yaml')}:3:5: unknown key "partitons" in a topic (did you mean "partitions"?)` },
  { what: 'bad config value', script: 'topics-apply.ts', args: () => [join(tmp, 'bad-config.yaml'), '--bootstrap', `127.0.0.1:${freePort}`], exit: 1, error: () => `${join(tmp, 'bad-config.yaml')}:5:28: config "min.insync.replicas" must be a whole number, not the text "lots"` },
  { what: 'cluster down', script: 'topics-apply.ts', args: () => ['topics/course.yaml', '--bootstrap', `127.0.0.1:${freePort}`], exit: 1, error: down },
  { what: 'unknown option', script: 'topics-apply.ts', args: t(['--force']), exit: 2, error: t(`unknown option --force (usage: ${usage.topics})`) },
  { what: 'no file (no silent default)', script: 'topics-apply.ts', args: t(['--dry-run']), exit: 2, error: t('which file? e.g. `yarn topics:apply topics/course.yaml` (3 brokers, the multi profile) or `topics/single.yaml` (1 broker)') },
  // offsets:reset
  { what: 'no group', script: 'offsets-reset.ts', args: t([]), exit: 2, error: t(`which group? (usage: ${usage.offsets})`) },
  { what: 'no --to', script: 'offsets-reset.ts', args: t(['billing']), exit: 2, error: t('where to? give --to earliest, --to latest or --to <offset>') },
  { what: 'bad --to', script: 'offsets-reset.ts', args: t(['billing', '--to', 'yesterday']), exit: 2, error: t('--to must be earliest, latest or an offset (a whole number ≥ 0), not "yesterday"') },
  { what: 'negative --to', script: 'offsets-reset.ts', args: t(['billing', '--to', '-3']), exit: 2, error: t('--to must be earliest, latest or an offset (a whole number ≥ 0), not "-3"') },
  { what: 'two groups', script: 'offsets-reset.ts', args: t(['billing', 'audit', '--to', '0']), exit: 2, error: t(`unexpected argument "audit" (usage: ${usage.offsets})`) },
  { what: 'cluster down', script: 'offsets-reset.ts', args: () => ['billing', '--to', 'earliest', '--brokers', `127.0.0.1:${freePort}`], exit: 1, error: down },
  // labs: the usage that works (a script per lab), and the labs when the number is unknown
  { what: 'unknown lab', script: 'lab.ts', args: t(['99']), exit: 2, error: t(`unknown lab "99": the labs are ${LAB_LIST}: run one with ${LAB_HOW}`) },
  { what: 'no lab given', script: 'lab.ts', args: t([]), exit: 2, error: t(`which lab? run ${LAB_HOW}; the labs are ${LAB_LIST}`) },
  // broker:kill|stop|start
  { what: 'broker id not a number', script: 'broker.ts', args: t(['kill', 'abc', '--backend', 'embedded']), exit: 2, error: t('"abc" is not a broker id (usage: yarn broker:kill <id>)') },
  { what: 'no broker id', script: 'broker.ts', args: t(['stop', '--backend', 'embedded']), exit: 2, error: t('which broker? (usage: yarn broker:stop <id>)') },
  { what: 'unknown action', script: 'broker.ts', args: t(['explode', '1']), exit: 2, error: t('unknown action "explode": use kill, stop or start') },
  { what: 'cluster down', script: 'broker.ts', args: t(['kill', '1', '--backend', 'embedded']), exit: 1, error: t(noEmbedded) },
  { what: 'Docker missing', script: 'broker.ts', args: t(['kill', '1', '--backend', 'docker']), env: () => ({ PATH: noDocker }), exit: 1, error: t(noDockerError) },
  // cluster:*
  { what: 'unknown backend', script: 'cluster-up.ts', args: t(['--backend', 'bogus']), exit: 2, error: t('unknown backend "bogus": use --backend auto, docker, jvm, embedded') },
  { what: 'unknown profile', script: 'cluster-up.ts', args: t(['--profile', 'huge']), exit: 2, error: t('unknown profile "huge": use --profile single or --profile multi') },
  { what: 'unknown option', script: 'cluster-up.ts', args: t(['--frobnicate']), exit: 2, error: t(`unknown option --frobnicate (usage: ${usage.up})`) },
  { what: 'Docker missing', script: 'cluster-up.ts', args: t(['--backend', 'docker']), env: () => ({ PATH: noDocker }), exit: 1, error: t(noDockerError) },
  { what: 'Docker missing', script: 'cluster-down.ts', args: t(['--backend', 'docker']), env: () => ({ PATH: noDocker }), exit: 1, error: t(noDockerError) },
  { what: 'Docker missing', script: 'cluster-reset.ts', args: t(['--backend', 'docker']), env: () => ({ PATH: noDocker }), exit: 1, error: t(noDockerError) },
  { what: 'unknown backend', script: 'cluster-status.ts', args: t(['--backend', 'kubernetes']), exit: 2, error: t('unknown backend "kubernetes": use --backend auto, docker, jvm, embedded') },
  // produce / consume
  { what: 'no topic', script: 'produce.ts', args: t([]), exit: 2, error: t(`which topic? (usage: ${usage.produce})`) },
  { what: 'negative rate', script: 'produce.ts', args: t(['orders', '--rate', '-3']), exit: 2, error: t('--rate must be a positive number of messages per second') },
  { what: 'bad acks', script: 'produce.ts', args: t(['orders', '--acks', '2']), exit: 2, error: t('--acks must be all, 1 or 0') },
  { what: 'negative count', script: 'produce.ts', args: t(['orders', '--count', '-3']), exit: 2, error: t('--count must be a whole number of messages, 1 or more') },
  { what: 'zero keys', script: 'produce.ts', args: t(['orders', '--rate', '5', '--keys', '0']), exit: 2, error: t('--keys must be a whole number of keys, 1 or more') },
  { what: 'cluster down', script: 'produce.ts', args: () => ['orders', '--rate', '5', '--count', '1', '--brokers', `127.0.0.1:${freePort}`], exit: 1, error: refused },
  { what: 'cluster down', script: 'consume.ts', args: () => ['orders', '--brokers', `127.0.0.1:${freePort}`], exit: 1, error: refused },
  // chaos
  { what: 'faults not a number', script: 'chaos.ts', args: t(['--faults', 'x']), exit: 2, error: t('--faults must be a whole number ≥ 1 (got "x")') },
  { what: 'negative seed', script: 'chaos.ts', args: t(['--seed', '-1']), exit: 2, error: t('--seed must be a whole number (got "-1")') },
  { what: 'bad duration', script: 'chaos.ts', args: t(['--duration', 'soon']), exit: 2, error: t('--duration "soon" is not a duration: use e.g. 60s, 10m or 1h') },
  { what: 'faults and duration', script: 'chaos.ts', args: t(['--faults', '2', '--duration', '5s']), exit: 2, error: t('give --faults or --duration, not both') },
  { what: 'stray argument', script: 'chaos.ts', args: t(['now']), exit: 2, error: t(`unexpected argument "now" (usage: ${usage.chaos})`) },
  { what: 'Docker missing', script: 'chaos.ts', args: t(['--backend', 'docker', '--faults', '1', '--json']), env: () => ({ PATH: noDocker }), exit: 1, error: t(noDockerError) },
];

describe.concurrent('bad input → one error line and a non-zero exit', () => {
  it.each(rows.map((r) => [`${r.script} ${r.what}`, r] as const))('%s', async (_name, row) => {
    const r = await run(row.script, row.args(), row.env?.() ?? {});
    expectOneErrorLine(r, row.error(), row.exit);
    if (row.script === 'chaos.ts' && row.args().includes('--json')) expect(r.stdout).toBe('');
  }, 60_000);

  it('port in use: the program holding it and its pid (this test process holds it), and how to move the kit', async () => {
    // lsof/ss name the process as the OS knows it (vitest renames its workers), so the name is not pinned; the pid is.
    const r = await run('cluster-up.ts', ['--backend', 'embedded', '--profile', 'single'], { KAFKA_LAB_PORTS: String(busyPort) });
    const lines = r.stderr.split('\n').filter((l) => l.startsWith('error:'));
    expect(lines, r.stderr).toHaveLength(1);
    expect(lines[0], r.stderr).toMatch(new RegExp(`^error: port ${busyPort} is already in use by .+ \\(pid ${process.pid}\\).*: stop it, or pick other ports with KAFKA_LAB_PORTS=${busyPort + 100}$`));
    expect(r.code).toBe(1);
  }, 60_000);

  it('cluster:status with nothing running: one line, exit 1; --json still answers with the error inside', async () => {
    expectOneErrorLine(await run('cluster-status.ts', ['--backend', 'embedded']), 'no embedded cluster is running: start one with `yarn cluster:up --backend embedded`', 1);
    const json = await run('cluster-status.ts', ['--backend', 'embedded', '--json']);
    expect(json.code).toBe(1);
    expect(JSON.parse(json.stdout)).toMatchObject({ backend: 'embedded', error: noEmbedded });
  }, 60_000);

  it('labs:verify with an unknown lab or a bad timeout', async () => {
    const unknown = await run('labs-verify.ts', ['--only', '99']);
    expectOneErrorLine(unknown, `unknown lab "99": the labs are ${LAB_LIST}`, 2);
    expectOneErrorLine(await run('labs-verify.ts', ['--timeout', 'abc']), '--timeout must be a number of seconds', 2);
  }, 60_000);
});

describe('with an embedded cluster running (free port, temp home)', () => {
  const daemonHome = join(tmp, 'daemon-home');
  const env = () => ({ KAFKA_LAB_PORTS: String(daemonPort) });
  beforeAll(async () => {
    mkdirSync(daemonHome, { recursive: true });
    const up = await run('cluster-up.ts', ['--backend', 'embedded', '--profile', 'single'], env(), daemonHome);
    expect(up.code, up.stderr).toBe(0);
  }, 90_000);
  afterAll(async () => {
    await run('cluster-down.ts', ['--backend', 'embedded'], env(), daemonHome);
  }, 60_000);

  it('unknown broker id', async () => {
    expectOneErrorLine(await run('broker.ts', ['kill', '7', '--backend', 'embedded'], env(), daemonHome), 'unknown broker 7: valid ids are 1', 1);
  }, 60_000);

  it('the other profile while one runs', async () => {
    expectOneErrorLine(
      await run('cluster-up.ts', ['--backend', 'embedded', '--profile', 'multi'], env(), daemonHome),
      `an embedded cluster with the single profile is already running (pid ${JSON.parse((await import('node:fs')).readFileSync(join(daemonHome, 'embedded', 'daemon.json'), 'utf8')).pid}): stop it with \`yarn cluster:down\` first, then start the multi profile`,
      1,
    );
  }, 60_000);

  it('topics:apply with a replication factor above the broker count', async () => {
    const file = join(tmp, 'rf.yaml');
    writeFileSync(file, 'topics:\n  - name: orders\n    partitions: 3\n    replicationFactor: 3\n');
    const r = await run('topics-apply.ts', [file, '--bootstrap', `127.0.0.1:${daemonPort}`], {}, daemonHome);
    expect(r.code, r.stderr).not.toBe(0);
    const errors = r.stderr.split('\n').filter((l) => l.startsWith('error:'));
    expect(errors).toHaveLength(1);
    expect(errors[0]).toMatch(/^error: .*rf\.yaml:4:\d+: .*replication/i);
  }, 60_000);
});
