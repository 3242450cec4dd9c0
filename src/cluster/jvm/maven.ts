/**
 * Resolving jars with `mvn`, Maven's own client: it honours the user's ~/.m2/settings.xml (mirrors, proxies, a
 * company repository) and caches in ~/.m2, so a second checkout or a re-install downloads nothing.
 *
 * One throwaway POM lists what we want; `dependency:copy-dependencies` copies the jars in Maven's repository layout,
 * so each file says its own groupId, artifactId and version.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative, sep } from 'node:path';
import { UserError } from '../../common/user-error.js';

export interface MavenDependency {
  groupId: string;
  artifactId: string;
  version: string;
}

export interface ResolvedJar extends MavenDependency {
  file: string;
  path: string;
}

export interface ResolveOptions {
  dependencies: MavenDependency[];
  /** false: exactly these artifacts, nothing they depend on (an install from the lock) */
  transitive: boolean;
  outputDir: string;
  /** each line mvn prints, e.g. "Downloaded from central: https://…/x.jar (54 kB at 1.2 MB/s)" */
  onLine?: (line: string) => void;
  mvn?: string;
  env?: NodeJS.ProcessEnv;
}

const xml = (text: string) => text.replace(/&/g, '&amp;').replace(/</g, '&lt;');

export function pomFor(dependencies: MavenDependency[], transitive: boolean): string {
  const exclusions = transitive ? '' : '<exclusions><exclusion><groupId>*</groupId><artifactId>*</artifactId></exclusion></exclusions>';
  const deps = dependencies
    .map((d) => `    <dependency><groupId>${xml(d.groupId)}</groupId><artifactId>${xml(d.artifactId)}</artifactId><version>${xml(d.version)}</version>${exclusions}</dependency>`)
    .join('\n');
  return `<project xmlns="http://maven.apache.org/POM/4.0.0">
  <modelVersion>4.0.0</modelVersion>
  <groupId>io.kafka-lab</groupId><artifactId>kafka-runtime</artifactId><version>0</version><packaging>pom</packaging>
  <dependencies>
${deps}
  </dependencies>
</project>
`;
}

/** `mvn -v` answers. */
export function mavenAvailable(mvn = 'mvn', env: NodeJS.ProcessEnv = process.env): Promise<boolean> {
  return new Promise((resolve) => {
    const child = spawn(mvn, ['-v'], { stdio: 'ignore', env });
    child.on('error', () => resolve(false));
    child.on('close', (code) => resolve(code === 0));
  });
}

/** The jars of a repository-layout folder: org/x/y/1.0/y-1.0.jar → { groupId: 'org.x', artifactId: 'y', version: '1.0' }. */
export function jarsInRepositoryLayout(root: string): ResolvedJar[] {
  const out: ResolvedJar[] = [];
  const walk = (dir: string) => {
    for (const name of readdirSync(dir)) {
      const path = join(dir, name);
      if (statSync(path).isDirectory()) walk(path);
      else if (name.endsWith('.jar')) {
        const parts = relative(root, path).split(sep);
        const [version, artifactId] = [parts.at(-2)!, parts.at(-3)!];
        out.push({ groupId: parts.slice(0, -3).join('.'), artifactId, version, file: name, path });
      }
    }
  };
  walk(root);
  return out.sort((a, b) => a.file.localeCompare(b.file));
}

/** The last lines that say why mvn failed (its [ERROR] lines), as one line. */
export function mavenFailure(lines: string[]): string {
  const errors = lines.filter((l) => l.startsWith('[ERROR]')).map((l) => l.replace(/^\[ERROR\]\s*/, '').trim()).filter(Boolean);
  return (errors[0] ?? lines.filter(Boolean).at(-1) ?? 'no output').slice(0, 300);
}

/** Runs mvn on a throwaway POM; resolves with the jars it copied into outputDir (repository layout). */
export async function resolveWithMaven(options: ResolveOptions): Promise<ResolvedJar[]> {
  const work = mkdtempSync(join(tmpdir(), 'kafka-lab-mvn-'));
  try {
    writeFileSync(join(work, 'pom.xml'), pomFor(options.dependencies, options.transitive));
    const args = [
      '-B',
      '-f',
      join(work, 'pom.xml'),
      'dependency:copy-dependencies',
      '-DincludeScope=runtime',
      '-Dmdep.useRepositoryLayout=true',
      `-DoutputDirectory=${options.outputDir}`,
    ];
    const lines: string[] = [];
    const code = await new Promise<number>((resolve, reject) => {
      const child = spawn(options.mvn ?? 'mvn', args, { cwd: work, stdio: ['ignore', 'pipe', 'pipe'], env: options.env ?? process.env });
      let buffered = '';
      const onData = (chunk: Buffer) => {
        buffered += chunk.toString();
        let nl: number;
        while ((nl = buffered.indexOf('\n')) >= 0) {
          const line = buffered.slice(0, nl).replace(/\r$/, '');
          buffered = buffered.slice(nl + 1);
          lines.push(line);
          options.onLine?.(line);
        }
      };
      child.stdout.on('data', onData);
      child.stderr.on('data', onData);
      child.on('error', (error: NodeJS.ErrnoException) =>
        reject(error.code === 'ENOENT' ? new UserError('`mvn` is not installed: install Maven, or use `yarn kafka:install --via download`') : error),
      );
      child.on('close', (c) => resolve(c ?? 1));
    });
    if (code !== 0) throw new MavenError(mavenFailure(lines), lines);
    return jarsInRepositoryLayout(options.outputDir);
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

export class MavenError extends Error {
  constructor(
    message: string,
    readonly lines: string[],
  ) {
    super(message);
  }
}
