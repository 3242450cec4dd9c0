/**
 * Can these tests have a Docker engine and the Kafka image? One answer per test file, with the reason when not: the
 * tests then print that one line and skip (or fail, when KAFKA_LAB_REQUIRE_DOCKER=1: .ci/run sets it once it has
 * started an engine, so a broken engine cannot turn into a quietly skipped suite).
 *
 * The image is KAFKA_IMAGE, else the kit's own kafka-lab/kafka:4.4.0. That one is built when missing
 * (scripts/docker-image.ts, about half a minute) if the jvm backend's Kafka runtime is installed (`yarn kafka:install`).
 */
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { homedir } from 'node:os';
import { join, resolve } from 'node:path';
import { PROJECT_ROOT } from '../../src/cluster/home.js';
import { KAFKA_VERSION, LOCAL_KAFKA_IMAGE } from '../../src/common/kafka-version.js';
import { composeFlavour } from '../../src/testing/containers.js';

export interface Engine {
  ok: boolean;
  reason: string;
  image: string;
  compose: 'v2' | 'v1' | null;
  required: boolean;
}

export function sh(argv: string[], timeoutMs = 60_000, env: NodeJS.ProcessEnv = process.env): { code: number; stdout: string; stderr: string } {
  const [cmd, ...args] = argv;
  const r = spawnSync(cmd!, args, { encoding: 'utf8', timeout: timeoutMs, cwd: PROJECT_ROOT, env });
  return { code: r.status ?? (r.error ? 127 : 1), stdout: r.stdout ?? '', stderr: (r.stderr ?? '') + (r.error ? String(r.error.message) : '') };
}

const last = (text: string) => text.trim().split('\n').filter(Boolean).at(-1) ?? '(no output)';

/** Where `yarn kafka:install` puts the runtime jars (the same rule as scripts/docker-image.ts). */
function runtimeInstalled(env: NodeJS.ProcessEnv = process.env): boolean {
  const cache = env.KAFKA_LAB_CACHE
    ? resolve(env.KAFKA_LAB_CACHE)
    : join(env.XDG_CACHE_HOME ? resolve(env.XDG_CACHE_HOME) : join(env.HOME ?? homedir(), '.cache'), 'kafka-lab');
  const libs = join(cache, `kafka-${KAFKA_VERSION}`, 'libs');
  return existsSync(libs) && readdirSync(libs).some((f) => f === `kafka_2.13-${KAFKA_VERSION}.jar`);
}

let cached: Engine | null = null;

/** Engine answers, compose exists, the image is here (kafka-lab/kafka:4.4.0 is built when missing). */
export function dockerEngine(): Engine {
  if (cached) return cached;
  const image = process.env.KAFKA_IMAGE?.trim() || LOCAL_KAFKA_IMAGE;
  const required = process.env.KAFKA_LAB_REQUIRE_DOCKER === '1';
  const no = (reason: string): Engine => (cached = { ok: false, reason, image, compose: null, required });
  const info = sh(['docker', 'info', '--format', '{{.ServerVersion}}'], 20_000);
  if (info.code !== 0) return no(info.code === 127 ? 'no `docker` command on this machine' : `no Docker engine answers (${last(info.stderr)})`);
  const compose = composeFlavour();
  if (!compose) return no('neither `docker compose` nor `docker-compose` is installed');
  if (sh(['docker', 'image', 'inspect', image], 20_000).code !== 0) {
    if (image !== LOCAL_KAFKA_IMAGE) return no(`the image ${image} is not on this machine (docker pull it, or unset KAFKA_IMAGE to use ${LOCAL_KAFKA_IMAGE})`);
    if (!runtimeInstalled()) return no(`${image} is missing and cannot be built: the Kafka ${KAFKA_VERSION} runtime is not installed (\`yarn kafka:install\`)`);
    const build = sh([process.execPath, '--import', 'tsx', join(PROJECT_ROOT, 'scripts', 'docker-image.ts'), image], 300_000);
    if (build.code !== 0) return no(`could not build ${image}: ${last(build.stderr || build.stdout)}`);
  }
  return (cached = { ok: true, reason: `Docker ${info.stdout.trim()}, compose ${compose}, image ${image}`, image, compose, required });
}

/** `docker ps -a` rows of one compose project: service → { state, status }. */
export function projectContainers(project: string): Map<string, { state: string; status: string }> {
  const r = sh(['docker', 'ps', '-a', '--filter', `label=com.docker.compose.project=${project}`, '--format', '{{.Label "com.docker.compose.service"}}\t{{.State}}\t{{.Status}}']);
  const rows = new Map<string, { state: string; status: string }>();
  for (const line of r.stdout.split('\n').filter(Boolean)) {
    const [service = '', state = '', status = ''] = line.split('\t');
    rows.set(service, { state, status });
  }
  return rows;
}

export function volumeExists(name: string): boolean {
  return sh(['docker', 'volume', 'inspect', name]).code === 0;
}

/** Best-effort: whatever a test left of a compose project, gone with its volumes. */
export function composeDownQuietly(project: string, file: string, compose: 'v2' | 'v1' | null): void {
  const base = compose === 'v1' ? ['docker-compose'] : ['docker', 'compose'];
  sh([...base, '-p', project, '-f', join(PROJECT_ROOT, file), 'down', '--volumes', '--remove-orphans', '-t', '5'], 120_000);
}

/** stdout + stderr of a compose service's container (compose v1 and v2 name containers differently). */
export function serviceLogs(project: string, service: string): string {
  const id = sh(['docker', 'ps', '-aq', '--filter', `label=com.docker.compose.project=${project}`, '--filter', `label=com.docker.compose.service=${service}`]).stdout.trim().split('\n')[0];
  if (!id) return '';
  const r = sh(['docker', 'logs', id], 60_000);
  return r.stdout + r.stderr;
}
