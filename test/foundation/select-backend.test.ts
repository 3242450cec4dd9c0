import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { chooseBackend, kafkaImage, openCluster } from '../../src/cluster/index.js';
import type { CommandRunner } from '../../src/cluster/runner.js';
import { type BackendCandidate, type BackendProbe, type RunningCluster, describeSelection, selectBackend } from '../../src/cluster/select-backend.js';
import type { BackendName } from '../../src/cluster/types.js';

/** docker, jvm, embedded in auto's order, answering what each test says; `asked` records what was probed. */
function probes(docker: BackendProbe, running: (RunningCluster & { backend: BackendName }) | null = null, jvm: BackendProbe = { usable: false, detail: 'no Java on this machine' }) {
  const asked: string[] = [];
  const candidate = (name: BackendName, probe: BackendProbe): BackendCandidate => ({
    name,
    running: async () => (asked.push(`running ${name}`), running?.backend === name ? { profile: running.profile, detail: running.detail } : null),
    probe: async () => (asked.push(`probe ${name}`), probe),
  });
  const p = [candidate('docker', docker), candidate('jvm', jvm), candidate('embedded', { usable: true, detail: '' })];
  return { p, asked };
}

const usable = { usable: true, detail: 'Docker 27.1.1 answers and apache/kafka:4.4.0 is present' };
const absent = { usable: false, detail: 'Docker is not installed (no `docker` command found)' };

describe('backend selection', () => {
  it('--backend wins and probes nothing', async () => {
    const { p, asked } = probes(absent);
    expect(await selectBackend({ flag: 'docker', env: { KAFKA_LAB_BACKEND: 'embedded' }, candidates: p })).toEqual({ backend: 'docker', reason: '--backend docker' });
    expect(asked).toEqual([]);
  });

  it('KAFKA_LAB_BACKEND comes next', async () => {
    const { p } = probes(usable);
    const s = await selectBackend({ env: { KAFKA_LAB_BACKEND: 'embedded' }, candidates: p });
    expect(describeSelection(s)).toBe('backend: embedded (KAFKA_LAB_BACKEND=embedded)');
  });

  it('rejects a misspelt KAFKA_LAB_BACKEND with a one-line error', async () => {
    const { p } = probes(usable);
    await expect(selectBackend({ env: { KAFKA_LAB_BACKEND: 'dokcer' }, candidates: p })).rejects.toThrow('KAFKA_LAB_BACKEND="dokcer" is not a backend: use auto, docker, jvm, embedded');
  });

  it('auto prefers the cluster that already runs', async () => {
    const { p, asked } = probes(usable, { backend: 'embedded', profile: 'multi', detail: 'an embedded multi cluster is running' });
    expect(await selectBackend({ env: {}, candidates: p })).toEqual({ backend: 'embedded', profile: 'multi', reason: 'auto: an embedded multi cluster is running' });
    expect(asked).toEqual(['running docker', 'running jvm', 'running embedded']);
  });

  it('auto picks jvm when docker cannot but Java and the Kafka runtime are here, and says why not docker', async () => {
    const { p, asked } = probes(absent, null, { usable: true, detail: 'Java 17 and Kafka 4.4.0 are installed' });
    expect(describeSelection(await selectBackend({ env: {}, candidates: p }))).toBe(
      'backend: jvm (auto: Docker is not installed (no `docker` command found); Java 17 and Kafka 4.4.0 are installed)',
    );
    expect(asked.filter((a) => a.startsWith('probe'))).toEqual(['probe docker', 'probe jvm']);
  });

  it('auto picks docker when the engine answers and the image is present', async () => {
    const { p } = probes(usable);
    expect(describeSelection(await selectBackend({ env: {}, candidates: p }))).toBe('backend: docker (auto: Docker 27.1.1 answers and apache/kafka:4.4.0 is present)');
  });

  it('auto falls back to embedded and says why', async () => {
    const { p } = probes({ usable: false, detail: 'Docker 27.1.1 answers but apache/kafka:4.4.0 is not pulled' });
    expect(describeSelection(await selectBackend({ env: { KAFKA_LAB_BACKEND: 'auto' }, candidates: p }))).toBe(
      'backend: embedded (auto: Docker 27.1.1 answers but apache/kafka:4.4.0 is not pulled; no Java on this machine)',
    );
    const { p: p2 } = probes(absent);
    expect((await selectBackend({ flag: 'auto', env: { KAFKA_LAB_BACKEND: 'docker' }, candidates: p2 })).backend).toBe('embedded');
  });
});

describe('chooseBackend / openCluster with a fake docker', () => {
  const NO_JAVA = { KAFKA_LAB_JAVA: '/nonexistent/java' };
  const home = () => mkdtempSync(join(tmpdir(), 'kafka-lab-select-'));
  const runner = (answers: Record<string, { exitCode: number; stdout?: string; stderr?: string }>): CommandRunner =>
    async (argv) => {
      const key = Object.keys(answers).find((k) => argv.join(' ').startsWith(k));
      const a = key ? answers[key]! : { exitCode: 127 };
      return { exitCode: a.exitCode, stdout: a.stdout ?? '', stderr: a.stderr ?? '' };
    };

  it('no docker binary → embedded, with the reason', async () => {
    const h = home();
    try {
      const s = await chooseBackend({ home: h, env: NO_JAVA, runner: runner({}) });
      expect(describeSelection(s)).toBe('backend: embedded (auto: Docker is not installed (no `docker` command found); KAFKA_LAB_JAVA points to /nonexistent/java, which does not exist)');
    } finally {
      rmSync(h, { recursive: true, force: true });
    }
  });

  it('daemon down → embedded; daemon up + image → docker, and openCluster prints the choice', async () => {
    const h = home();
    try {
      const down = await chooseBackend({ home: h, env: NO_JAVA, runner: runner({ 'docker info': { exitCode: 1, stderr: 'Cannot connect to the Docker daemon' } }) });
      expect(down).toEqual({ backend: 'embedded', reason: 'auto: the Docker daemon is not running; KAFKA_LAB_JAVA points to /nonexistent/java, which does not exist' });
      const lines: string[] = [];
      const cluster = await openCluster({
        home: h,
        env: {},
        profile: 'multi',
        log: (l) => lines.push(l),
        runner: runner({ 'docker info': { exitCode: 0, stdout: '27.1.1' }, 'docker image inspect': { exitCode: 0, stdout: 'sha256:1' } }),
      });
      expect(cluster.backend).toBe('docker');
      expect(cluster.profile).toBe('multi');
      expect(cluster.bootstrapServers()).toEqual(['127.0.0.1:9092', '127.0.0.1:9093', '127.0.0.1:9094']);
      expect(lines).toEqual([`backend: docker (auto: Docker 27.1.1 answers and ${kafkaImage()} is present)`]);
    } finally {
      rmSync(h, { recursive: true, force: true });
    }
  });
});
