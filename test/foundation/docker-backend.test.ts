import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { DockerBackend, brokerLogDiagnosis, dockerErrorMessage, parsePortOwner } from '../../src/cluster/docker/backend.js';
import { readCurrent, writeCurrent } from '../../src/cluster/home.js';
import type { CommandResult, CommandRunner } from '../../src/cluster/runner.js';
import { UserError } from '../../src/cluster/types.js';

type Reply = Partial<CommandResult> | ((argv: string[]) => Partial<CommandResult>);

/** A scripted docker: the first rule whose prefix matches the command answers; everything else fails loudly. */
function fakeDocker(rules: Array<[string, Reply]>) {
  const calls: string[] = [];
  const runner: CommandRunner = async (argv) => {
    const line = argv.join(' ');
    calls.push(line);
    const rule = rules.find(([prefix]) => line.startsWith(prefix));
    if (!rule) return { exitCode: 1, stdout: '', stderr: `unexpected command in test: ${line}` };
    const reply = typeof rule[1] === 'function' ? rule[1](argv) : rule[1];
    return { exitCode: 0, stdout: '', stderr: '', ...reply };
  };
  return { runner, calls };
}

const ROOT = '/kit';
const MULTI = `-p kafka-lab-multi -f ${join(ROOT, 'compose/multi-broker.yml')}`;
const SINGLE = `-p kafka-lab-single -f ${join(ROOT, 'compose/single-broker.yml')}`;
const psFilter = (project: string) => `docker ps -a --filter label=com.docker.compose.project=${project}`;
const rows = (...r: string[]) => ({ stdout: r.join('\n') + '\n' });

let home: string;
beforeEach(() => {
  home = mkdtempSync(join(tmpdir(), 'kafka-lab-docker-'));
});
afterEach(() => rmSync(home, { recursive: true, force: true }));

function backend(profile: 'single' | 'multi', runner: CommandRunner, extra: Partial<ConstructorParameters<typeof DockerBackend>[0]> = {}) {
  const waits: Array<{ ids: number[] }> = [];
  const lines: string[] = [];
  const b = new DockerBackend({
    profile,
    runner,
    home,
    projectRoot: ROOT,
    image: 'apache/kafka:4.1.1',
    log: (l) => lines.push(l),
    portFree: async () => true,
    waitForBrokers: async (o) => {
      waits.push({ ids: o.ids });
    },
    pollMs: 0,
    ...extra,
  });
  return { b, waits, lines };
}

const engineOk: Array<[string, Reply]> = [
  ['docker info', { stdout: '27.1.1\n' }],
  ['docker compose version', { stdout: 'Docker Compose version v2.29.1' }],
];

describe('docker backend: commands', () => {
  it('up (compose v2): checks engine, ports, image, then `up -d --wait` and waits for every broker in metadata', async () => {
    const { runner, calls } = fakeDocker([...engineOk, [psFilter('kafka-lab'), { stdout: '' }], ['docker image inspect', { stdout: 'sha256:abc' }], ['docker compose -p kafka-lab-multi', {}]]);
    const { b, waits } = backend('multi', runner);
    await b.up();
    expect(calls).toEqual([
      'docker info --format {{.ServerVersion}}',
      'docker compose version',
      `${psFilter('kafka-lab-multi')} --format {{.Label "com.docker.compose.service"}}\t{{.State}}\t{{.Status}}`,
      `${psFilter('kafka-lab-single')} --format {{.Label "com.docker.compose.service"}}\t{{.State}}\t{{.Status}}`,
      'docker image inspect --format {{.Id}} apache/kafka:4.1.1',
      `docker compose ${MULTI} up -d --wait --wait-timeout 180`,
    ]);
    expect(waits).toEqual([{ ids: [1, 2, 3] }]);
    expect(readCurrent(home)).toMatchObject({ backend: 'docker', profile: 'multi' });
  });

  it('up (compose v1): falls back to docker-compose and polls healthchecks itself', async () => {
    let polls = 0;
    const { runner, calls } = fakeDocker([
      ['docker info', { stdout: '20.10.24' }],
      ['docker compose version', { exitCode: 1, stderr: "docker: 'compose' is not a docker command." }],
      ['docker-compose version', { stdout: 'docker-compose version 1.29.2' }],
      [
        psFilter('kafka-lab-single'),
        () => (polls++ < 3 ? { stdout: '' } : rows(polls === 3 ? 'kafka-1\trunning\tUp 2 seconds (health: starting)' : 'kafka-1\trunning\tUp 9 seconds (healthy)')),
      ],
      [psFilter('kafka-lab-multi'), { stdout: '' }],
      ['docker image inspect', { stdout: 'sha256:abc' }],
      ['docker-compose -p kafka-lab-single', {}],
    ]);
    const { b } = backend('single', runner);
    await b.up();
    expect(calls).toContain(`docker-compose ${SINGLE} up -d`);
    expect(calls.filter((c) => c.startsWith(psFilter('kafka-lab-single'))).length).toBeGreaterThanOrEqual(3);
  });

  it('up reuses a running cluster without checking ports or image', async () => {
    const { runner, calls } = fakeDocker([...engineOk, [psFilter('kafka-lab-single'), rows('kafka-1\trunning\tUp 1 minute (healthy)')], ['docker compose -p', {}]]);
    const { b } = backend('single', runner, { portFree: async () => false });
    await b.up();
    expect(calls.some((c) => c.startsWith('docker image inspect'))).toBe(false);
  });

  it('pulls a missing image before starting', async () => {
    const { runner, calls } = fakeDocker([
      ...engineOk,
      [psFilter('kafka-lab'), { stdout: '' }],
      ['docker image inspect', { exitCode: 1, stderr: 'Error: No such image: apache/kafka:4.1.1' }],
      ['docker pull apache/kafka:4.1.1', {}],
      ['docker compose -p', {}],
    ]);
    const { b, lines } = backend('single', runner);
    await b.up();
    expect(calls).toContain('docker pull apache/kafka:4.1.1');
    expect(lines[0]).toMatch(/pulling apache\/kafka:4\.1\.1/);
  });

  it('kill / stop / start map to compose kill -s SIGKILL, stop -t 30, start, per service', async () => {
    let state = 'running';
    const { runner, calls } = fakeDocker([
      ...engineOk,
      [psFilter('kafka-lab-multi'), () => rows('kafka-1\trunning\tUp', `kafka-2\t${state}\t${state === 'running' ? 'Up 1 minute (healthy)' : 'Exited (137)'}`, 'kafka-3\trunning\tUp')],
      [`docker compose ${MULTI} kill`, () => ((state = 'exited'), {})],
      [`docker compose ${MULTI} start`, () => ((state = 'running'), {})],
      [`docker compose ${MULTI} stop`, () => ((state = 'exited'), {})],
    ]);
    const { b, waits } = backend('multi', runner);
    await b.killBroker(2);
    await b.startBroker(2);
    await b.stopBroker(2);
    expect(calls.filter((c) => c.startsWith('docker compose -p'))).toEqual([
      `docker compose ${MULTI} kill -s SIGKILL kafka-2`,
      `docker compose ${MULTI} start kafka-2`,
      `docker compose ${MULTI} stop -t 30 kafka-2`,
    ]);
    expect(waits).toEqual([{ ids: [2] }]);
    expect(await b.brokers()).toEqual([
      { id: 1, host: '127.0.0.1', port: 9092, up: true },
      { id: 2, host: '127.0.0.1', port: 9093, up: false },
      { id: 3, host: '127.0.0.1', port: 9094, up: true },
    ]);
  });

  it('down keeps volumes, reset removes them; both forget the current cluster', async () => {
    const { runner, calls } = fakeDocker([...engineOk, ['docker compose -p', {}]]);
    const { b } = backend('single', runner);
    writeCurrent('docker', 'single', home);
    await b.down();
    expect(readCurrent(home)).toBeNull();
    writeCurrent('docker', 'single', home);
    await b.reset();
    expect(readCurrent(home)).toBeNull();
    expect(calls.filter((c) => c.startsWith('docker compose -p'))).toEqual([
      `docker compose ${SINGLE} down --remove-orphans`,
      `docker compose ${SINGLE} down --volumes --remove-orphans`,
    ]);
  });
});

async function failure(promise: Promise<unknown>): Promise<string> {
  try {
    await promise;
  } catch (error) {
    expect(error).toBeInstanceOf(UserError);
    expect((error as Error).message).not.toContain('\n');
    return (error as Error).message;
  }
  throw new Error('expected a failure');
}

describe('docker backend: one-line errors', () => {
  it('no docker binary', async () => {
    const { runner } = fakeDocker([['docker', { exitCode: 127, stderr: 'docker: command not found' }]]);
    expect(await failure(backend('single', runner).b.up())).toMatch(/^Docker is not installed .*--backend embedded/);
  });

  it('neither compose v2 nor v1', async () => {
    const { runner } = fakeDocker([
      ['docker info', { stdout: '27.1.1' }],
      ['docker compose version', { exitCode: 1, stderr: "docker: 'compose' is not a docker command." }],
      ['docker-compose', { exitCode: 127 }],
    ]);
    expect(await failure(backend('single', runner).b.up())).toMatch(/^Docker Compose is missing/);
  });

  it('daemon not running', async () => {
    const { runner } = fakeDocker([
      ['docker info', { exitCode: 1, stderr: 'Cannot connect to the Docker daemon at unix:///var/run/docker.sock. Is the docker daemon running?' }],
    ]);
    expect(await failure(backend('single', runner).b.up())).toMatch(/^the Docker daemon is not running: start Docker Desktop/);
  });

  it('image missing and not pullable, with the pull command', async () => {
    const { runner } = fakeDocker([
      ...engineOk,
      [psFilter('kafka-lab'), { stdout: '' }],
      ['docker image inspect', { exitCode: 1, stderr: 'Error: No such image: apache/kafka:4.1.1' }],
      ['docker pull', { exitCode: 1, stderr: 'Error response from daemon: Get "https://registry-1.docker.io/v2/": dial tcp: lookup registry-1.docker.io: no such host' }],
    ]);
    expect(await failure(backend('single', runner).b.up())).toMatch(/^the image apache\/kafka:4\.1\.1 is not on this machine and could not be pulled .*run `docker pull apache\/kafka:4\.1\.1` when online$/);
  });

  it('port in use, naming the program that holds it', async () => {
    const { runner } = fakeDocker([
      ...engineOk,
      [psFilter('kafka-lab'), { stdout: '' }],
      ['lsof -nP -iTCP:9093', { stdout: 'COMMAND   PID USER   FD   TYPE DEVICE SIZE/OFF NODE NAME\nnode    4242 ann   21u  IPv4 0x1      0t0  TCP 127.0.0.1:9093 (LISTEN)\n' }],
    ]);
    const { b } = backend('multi', runner, { portFree: async (port) => port !== 9093 });
    expect(await failure(b.up())).toBe('port 9093 is already in use by node (pid 4242): stop it (the embedded cluster? `yarn cluster:down --backend embedded`), then try again');
  });

  it('the other profile is running', async () => {
    const { runner } = fakeDocker([...engineOk, [psFilter('kafka-lab-multi'), { stdout: '' }], [psFilter('kafka-lab-single'), rows('kafka-1\trunning\tUp (healthy)')]]);
    expect(await failure(backend('multi', runner).b.up())).toMatch(/^the single profile is running: stop it first with `yarn cluster:down`/);
  });

  it('compose reports a port conflict', async () => {
    const { runner } = fakeDocker([
      ...engineOk,
      [psFilter('kafka-lab'), { stdout: '' }],
      ['docker image inspect', { stdout: 'sha256:abc' }],
      ['docker compose -p kafka-lab-single -f /kit/compose/single-broker.yml up', { exitCode: 1, stderr: 'Error response from daemon: driver failed programming external connectivity on endpoint x: Bind for 127.0.0.1:9092 failed: port is already allocated' }],
    ]);
    expect(await failure(backend('single', runner).b.up())).toMatch(/^port 9092 is already in use by .*: stop it, then try again$/);
  });

  it('a broker that will not become healthy because of a leftover volume', async () => {
    const { runner } = fakeDocker([
      ...engineOk,
      [psFilter('kafka-lab'), { stdout: '' }],
      ['docker image inspect', { stdout: 'sha256:abc' }],
      [`docker compose ${SINGLE} up`, { exitCode: 1, stderr: 'container kafka-lab-single-kafka-1-1 is unhealthy' }],
      [`docker compose ${SINGLE} logs`, { stdout: 'kafka-1  | org.apache.kafka.common.errors.InconsistentClusterIdException: The Cluster ID a2Fma doesn\'t match stored clusterId' }],
    ]);
    expect(await failure(backend('single', runner).b.up())).toBe(
      'the data volumes belong to a different cluster id (InconsistentClusterIdException): wipe them with `yarn cluster:reset`',
    );
  });

  it('unknown broker id, without sending anything to a container', async () => {
    const { runner, calls } = fakeDocker([
      ...engineOk,
      [psFilter('kafka-lab-multi'), rows('kafka-1\trunning\tUp', 'kafka-2\trunning\tUp', 'kafka-3\trunning\tUp')],
      [psFilter('kafka-lab-single'), rows('kafka-1\trunning\tUp')],
    ]);
    expect(await failure(backend('multi', runner).b.killBroker(4))).toBe('unknown broker 4: the multi profile has brokers 1, 2, 3');
    expect(await failure(backend('single', runner).b.stopBroker(2))).toBe('unknown broker 2: the single profile has broker 1');
    expect(calls.some((c) => c.startsWith('docker compose -p'))).toBe(false);
  });

  it('kill of a broker that is not running, and of a cluster that does not exist', async () => {
    const { runner } = fakeDocker([...engineOk, [psFilter('kafka-lab-multi'), rows('kafka-1\texited\tExited (137) 3 seconds ago')], [psFilter('kafka-lab-single'), { stdout: '' }]]);
    const { b } = backend('multi', runner);
    expect(await failure(b.killBroker(1))).toBe('broker 1 is not running (Exited (137) 3 seconds ago): start it with `yarn broker:start 1`');
    expect(await failure(backend('single', runner).b.killBroker(2))).toBe('no single cluster exists in Docker: start it with `yarn cluster:up --profile single`');
  });

  it('status reports an unreachable Docker as an error field, not an exception', async () => {
    const { runner } = fakeDocker([['docker info', { exitCode: 1, stderr: 'Cannot connect to the Docker daemon' }]]);
    const status = await backend('multi', runner).b.status();
    expect(status.error).toMatch(/Docker daemon is not running/);
    expect(status.brokers.map((x) => x.up)).toEqual([false, false, false]);
  });
});

describe('docker output parsing', () => {
  it('maps known stderr texts', () => {
    expect(dockerErrorMessage('permission denied while trying to connect to the Docker daemon socket at unix:///var/run/docker.sock', 'img')).toMatch(/docker group/);
    expect(dockerErrorMessage('pull access denied for apache/kafka, repository does not exist', 'apache/kafka:9')).toMatch(/docker pull apache\/kafka:9/);
    expect(dockerErrorMessage('no such service: kafka-7', 'img')).toBe('there is no broker service "kafka-7" in this cluster');
    expect(dockerErrorMessage('something else entirely', 'img')).toBeNull();
  });

  it('reads broker logs for known causes', () => {
    expect(brokerLogDiagnosis('java.lang.OutOfMemoryError: Java heap space')).toMatch(/out of memory/);
    expect(brokerLogDiagnosis('all good')).toBeNull();
  });

  it('parses lsof, ss and the quorum tool', () => {
    expect(parsePortOwner('LISTEN 0 511 127.0.0.1:9092 0.0.0.0:* users:(("java",pid=77,fd=130))')).toBe('java (pid 77)');
    expect(parsePortOwner('')).toBeNull();
  });
});
