/**
 * The Java and Go drivers are built once into <cache>/conformance/<name>-<hash of their sources>/ (the kit's cache,
 * beside the Kafka runtime), so a run after the first starts them at once and an edited source builds afresh.
 */
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { javaCandidate } from '../../cluster/jvm/java.js';
import { cacheRoot, runtimeDir } from '../../cluster/jvm/runtime.js';
import { UserError } from '../../common/user-error.js';

export const DRIVERS_DIR = fileURLToPath(new URL('.', import.meta.url));
export const JAVA_SOURCE = join(DRIVERS_DIR, 'java', 'Driver.java');
export const GO_DIR = join(DRIVERS_DIR, 'franz-go');

/** `<runtime libs>/*`: kafka-clients of the broker's own version and its dependencies, as the jvm backend installed them. */
export const javaClasspath = (): string => join(runtimeDir(), 'libs', '*');

export function javac(): string {
  const java = javaCandidate();
  return java.source === 'PATH' ? 'javac' : join(java.path, '..', 'javac');
}

function hashOf(files: string[]): string {
  const h = createHash('sha256');
  for (const f of files) h.update(readFileSync(f));
  return h.digest('hex').slice(0, 12);
}

/** Builds into a temp folder, then renames it: an interrupted build leaves nothing that is used. */
function cached(name: string, sources: string[], build: (into: string) => void): string {
  const dir = join(cacheRoot(), 'conformance', `${name}-${hashOf(sources)}`);
  if (existsSync(dir)) return dir;
  const tmp = `${dir}.tmp-${process.pid}`;
  rmSync(tmp, { recursive: true, force: true });
  mkdirSync(tmp, { recursive: true });
  try {
    build(tmp);
    renameSync(tmp, dir);
  } catch (error) {
    rmSync(tmp, { recursive: true, force: true });
    throw error;
  }
  return dir;
}

function run(command: string, args: string[], options: { cwd?: string; env?: NodeJS.ProcessEnv }, what: string): void {
  const result = spawnSync(command, args, { encoding: 'utf8', timeout: 600_000, ...options });
  if (result.error) throw new UserError(`${what}: ${command} did not run (${result.error.message})`);
  if (result.status !== 0) throw new UserError(`${what} failed: ${(result.stderr || result.stdout).trim().split('\n').slice(0, 5).join(' | ')}`);
}

/** The folder holding Driver.class. */
export function buildJavaDriver(): string {
  return cached('java', [JAVA_SOURCE], (into) => run(javac(), ['-cp', javaClasspath(), '-d', into, JAVA_SOURCE], {}, 'compiling the Java driver'));
}

/** The franz-go driver binary (go.mod/go.sum pin franz-go; the module proxy supplies it on the first build). */
export function buildGoDriver(): string {
  const sources = ['go.mod', 'go.sum', 'main.go'].map((f) => join(GO_DIR, f));
  const dir = cached('franz-go', sources, (into) => run('go', ['build', '-o', join(into, 'driver'), '.'], { cwd: GO_DIR, env: { ...process.env, GOFLAGS: '-mod=readonly' } }, 'building the franz-go driver'));
  return join(dir, 'driver');
}
