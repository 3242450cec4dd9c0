/**
 * Finding a Java that can run Kafka 4.x (17 or newer): KAFKA_LAB_JAVA (a java binary), else $JAVA_HOME/bin/java,
 * else `java` on the PATH.
 */
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { KAFKA_VERSION } from '../../common/kafka-version.js';
import { UserError } from '../../common/user-error.js';

export const MIN_JAVA = 17;

export interface Java {
  path: string;
  major: number;
  /** the first line of `java -version`, e.g. openjdk version "17.0.15" 2025-04-15 */
  description: string;
}

export type JavaProbe = { ok: true; java: Java } | { ok: false; problem: string };

export function javaCandidate(env: NodeJS.ProcessEnv = process.env): { path: string; source: string } {
  if (env.KAFKA_LAB_JAVA) return { path: env.KAFKA_LAB_JAVA, source: 'KAFKA_LAB_JAVA' };
  if (env.JAVA_HOME) return { path: join(env.JAVA_HOME, 'bin', 'java'), source: 'JAVA_HOME' };
  return { path: 'java', source: 'PATH' };
}

/** `openjdk version "17.0.15"` → 17, `java version "1.8.0_351"` → 8. */
export function parseJavaMajor(versionOutput: string): number | null {
  const m = /version "(\d+)(?:\.(\d+))?[^"]*"/.exec(versionOutput);
  if (!m) return null;
  const first = Number(m[1]);
  return first === 1 && m[2] ? Number(m[2]) : first;
}

export function probeJava(env: NodeJS.ProcessEnv = process.env): JavaProbe {
  const candidate = javaCandidate(env);
  const result = spawnSync(candidate.path, ['-version'], { encoding: 'utf8', timeout: 20_000, env });
  if (result.error) {
    const missing = (result.error as NodeJS.ErrnoException).code === 'ENOENT';
    return {
      ok: false,
      problem: missing
        ? candidate.source === 'PATH'
          ? 'no Java on this machine (no `java` on the PATH)'
          : `${candidate.source} points to ${candidate.path}, which does not exist`
        : `${candidate.path} -version failed: ${result.error.message}`,
    };
  }
  const output = `${result.stderr}${result.stdout}`;
  const major = parseJavaMajor(output);
  const description = output.split('\n')[0]?.trim() ?? '';
  if (major === null) return { ok: false, problem: `cannot tell the version of ${candidate.path} (${description || 'no output'})` };
  if (major < MIN_JAVA) return { ok: false, problem: `Java ${major} found (${candidate.path}), Kafka ${KAFKA_VERSION} needs Java ${MIN_JAVA} or newer` };
  return { ok: true, java: { path: candidate.path, major, description } };
}

/** The Java to run Kafka with, or a UserError that says how to get one. */
export function requireJava(env: NodeJS.ProcessEnv = process.env): Java {
  const probe = probeJava(env);
  if (probe.ok) return probe.java;
  throw new UserError(`${probe.problem}: install a JDK ${MIN_JAVA}+ (e.g. Temurin from adoptium.net) and set JAVA_HOME, or use --backend embedded`);
}
