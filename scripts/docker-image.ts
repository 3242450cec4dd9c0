/**
 * yarn docker:image [IMAGE] [--runtime DIR]
 *
 * Builds the real Apache Kafka image kafka-lab/kafka:4.4.0 on this machine, without any registry: a root filesystem
 * assembled in a temp dir and `docker import`ed.
 *
 *   /opt/kafka/libs        the Kafka runtime jars of the jvm backend's cache (`yarn kafka:install`), as they are
 *   /opt/java/openjdk      a small Java runtime jlink'ed from this machine's JDK 17 (JAVA_HOME, else Debian's JDK 17)
 *   /usr/lib, /lib64       the shared libraries `ldd` lists for that runtime and for /bin/sh (dash), copied from here
 *   /opt/kafka/bin, /etc/kafka/docker   our own POSIX sh scripts and default configs (docker/kafka/rootfs/)
 *
 * The start command /etc/kafka/docker/run reads the apache/kafka image's environment contract and hands it to Kafka's
 * own kafka.docker.KafkaDockerWrapper, then execs the broker (docs/docker.md says what is honoured and what is not).
 * The image runs as appuser (uid 1000) like the official one.
 *
 * Nothing is left half-done: the temp dir is removed, and IMAGE is only re-tagged once the new image has run Kafka's
 * own code (kafka-storage.sh random-uuid); a failed build leaves the previous image under that tag.
 */
import { spawn } from 'node:child_process';
import { chmodSync, cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, realpathSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { homedir, tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from '../src/cli/args.js';
import { runMain } from '../src/cli/main.js';
import { KAFKA_VERSION, LOCAL_KAFKA_IMAGE } from '../src/common/kafka-version.js';
import { UserError } from '../src/common/user-error.js';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
/** Our scripts and default configs, laid out as in the image. */
const OVERLAY = join(ROOT, 'docker', 'kafka', 'rootfs');
const DEFAULT_JDK = '/usr/lib/jvm/java-17-openjdk-amd64';
const APP_UID = 1000;

/**
 * What Kafka needs of the JDK, found with `jdeps --print-module-deps` over the runtime jars and then by trial (broker,
 * KRaft, the CLI tools, KafkaDockerWrapper):
 *   java.base java.logging java.management java.naming java.xml java.sql   broker, log4j2, jackson (YAML configs)
 *   java.security.jgss java.security.sasl jdk.security.auth jdk.security.jgss   SASL (PLAIN/SCRAM/GSSAPI/OAUTH) login
 *   java.rmi java.management.rmi jdk.management.agent                      remote JMX (KAFKA_JMX_PORT), kafka-jmx.sh
 *   jdk.management     com.sun.management MXBeans (Kafka's JVM metrics)
 *   jdk.unsupported    sun.misc.Unsafe (lz4, zstd-jni, Kafka's own buffers)
 *   jdk.crypto.ec      elliptic-curve TLS cipher suites
 *   jdk.naming.dns     DNS lookups through JNDI (SASL/Kerberos realms)
 *   java.desktop       only for java.beans, which log4j2 (LoggerContext) uses: its native libraries (AWT, fonts, sound,
 *                      which would need X11 and more) are left out with --exclude-files; Kafka is headless.
 */
const JRE_MODULES = [
  'java.base',
  'java.desktop',
  'java.logging',
  'java.management',
  'java.management.rmi',
  'java.naming',
  'java.rmi',
  'java.security.jgss',
  'java.security.sasl',
  'java.sql',
  'java.xml',
  'jdk.crypto.ec',
  'jdk.management',
  'jdk.management.agent',
  'jdk.naming.dns',
  'jdk.security.auth',
  'jdk.security.jgss',
  'jdk.unsupported',
];

/** Classes the image's start script runs besides those of the tool scripts in /opt/kafka/bin. */
const ENTRY_CLASSES = ['kafka.Kafka', 'kafka.docker.KafkaDockerWrapper'];

/** The jvm backend's cache: KAFKA_LAB_CACHE, else $XDG_CACHE_HOME/kafka-lab, else ~/.cache/kafka-lab. */
function defaultRuntimeDir(env: NodeJS.ProcessEnv = process.env): string {
  const cache = env.KAFKA_LAB_CACHE
    ? resolve(env.KAFKA_LAB_CACHE)
    : join(env.XDG_CACHE_HOME ? resolve(env.XDG_CACHE_HOME) : join(env.HOME ?? homedir(), '.cache'), 'kafka-lab');
  return join(cache, `kafka-${KAFKA_VERSION}`);
}

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs a program to the end; code 127 when it does not exist. */
function run(argv: string[], options: { cwd?: string } = {}): Promise<Run> {
  return new Promise((resolveRun) => {
    const child = spawn(argv[0]!, argv.slice(1), { cwd: options.cwd ?? ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    child.on('error', (error: NodeJS.ErrnoException) => resolveRun({ code: error.code === 'ENOENT' ? 127 : 1, stdout, stderr: stderr + error.message }));
    child.on('close', (code, signal) => resolveRun({ code: code ?? (signal ? 128 : 1), stdout, stderr }));
  });
}

const lastLine = (text: string) =>
  text
    .split('\n')
    .map((l) => l.trim())
    .filter(Boolean)
    .at(-1) ?? '(no output)';

/** Runs a program; a non-zero exit becomes a UserError that names the step. */
async function must(what: string, argv: string[], options: { cwd?: string } = {}): Promise<string> {
  const r = await run(argv, options);
  if (r.code === 127) throw new UserError(`${what}: ${argv[0]} is not installed`);
  if (r.code !== 0) throw new UserError(`${what} failed (${argv[0]} exit ${r.code}): ${lastLine(r.stderr || r.stdout)}`);
  return r.stdout;
}

/** `kafka-run-class.sh some.Class` in each tool script of the overlay, plus the classes the start script runs. */
function classesToCheck(binDir = join(OVERLAY, 'opt', 'kafka', 'bin')): Map<string, string> {
  const classes = new Map<string, string>(ENTRY_CLASSES.map((c) => [c, '/etc/kafka/docker/run']));
  for (const file of readdirSync(binDir).sort()) {
    const m = /^exec \S*kafka-run-class\.sh\s+([\w.$]+)/m.exec(readFileSync(join(binDir, file), 'utf8'));
    if (m) classes.set(m[1]!, file);
  }
  return classes;
}

/** Zip entry names are stored as plain text in a jar, so a class is in a jar when its path's bytes are. */
function missingClasses(libs: string, classes: Iterable<string>): string[] {
  const jars = readdirSync(libs)
    .filter((f) => f.endsWith('.jar'))
    .map((f) => readFileSync(join(libs, f)));
  return [...classes].filter((name) => {
    const entry = Buffer.from(name.replace(/\./g, '/') + '.class');
    return !jars.some((jar) => jar.includes(entry));
  });
}

/** The shared libraries an ELF file needs, as `ldd` resolves them on this machine (absolute paths, loader included). */
async function sharedLibraries(file: string): Promise<string[]> {
  const r = await run(['ldd', file]);
  if (r.code === 127) throw new UserError('ldd is not installed (it comes with glibc: apt-get install libc-bin)');
  if (r.code !== 0) return []; // not a dynamic executable (a script, a static binary)
  const libs: string[] = [];
  for (const line of r.stdout.split('\n')) {
    const arrow = /=>\s+(\/\S+)/.exec(line);
    const loader = /^\s*(\/\S+)\s+\(/.exec(line);
    const path = arrow?.[1] ?? loader?.[1];
    if (path) libs.push(path);
  }
  return libs;
}

function listFiles(dir: string): string[] {
  const out: string[] = [];
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) out.push(...listFiles(path));
    else if (entry.isFile()) out.push(path);
  }
  return out;
}

const isElf = (file: string) => {
  try {
    const head = readFileSync(file).subarray(0, 4);
    return head.equals(Buffer.from([0x7f, 0x45, 0x4c, 0x46]));
  } catch {
    return false;
  }
};

function du(dir: string): number {
  return listFiles(dir).reduce((sum, f) => sum + statSync(f).size, 0);
}

const mb = (bytes: number) => `${Math.round(bytes / 1e6)} MB`;

interface Jdk {
  home: string;
  version: string;
  major: number;
}

/**
 * The JDK to jlink from: JAVA_HOME when it is a JDK 17+ with jlink and jmods, else Debian's JDK 17. (A JDK without
 * jmods/, such as some JDK 24+ builds, cannot be jlink'ed from here.)
 */
function findJdk(env: NodeJS.ProcessEnv = process.env): Jdk {
  const problems: string[] = [];
  for (const home of [...(env.JAVA_HOME ? [env.JAVA_HOME] : []), DEFAULT_JDK]) {
    const release = existsSync(join(home, 'release')) ? readFileSync(join(home, 'release'), 'utf8') : '';
    const version = /JAVA_VERSION="([^"]+)"/.exec(release)?.[1] ?? '?';
    const major = Number(version.split('.')[0]);
    if (!existsSync(join(home, 'bin', 'jlink'))) problems.push(`${home} has no bin/jlink`);
    else if (!existsSync(join(home, 'jmods', 'java.base.jmod'))) problems.push(`${home} has no jmods/`);
    else if (!(major >= 17)) problems.push(`${home} is Java ${version} (Kafka ${KAFKA_VERSION} needs 17+)`);
    else return { home, version, major };
  }
  throw new UserError(`no JDK to jlink a Java runtime from (${problems.join('; ')}): install one (Debian: apt-get install openjdk-17-jdk-headless) or set JAVA_HOME`);
}

async function checkDocker(): Promise<string> {
  const info = await run(['docker', 'info', '--format', '{{.ServerVersion}}']);
  if (info.code === 127) throw new UserError('docker is not installed: install Docker Engine (Debian: apt-get install docker.io)');
  if (info.code !== 0) throw new UserError(`the Docker daemon does not answer (${lastLine(info.stderr)}): start it (\`sudo systemctl start docker\`, or dockerd)`);
  return info.stdout.trim();
}

async function imageId(ref: string): Promise<string | null> {
  const r = await run(['docker', 'image', 'inspect', '--format', '{{.Id}}', ref]);
  return r.code === 0 ? r.stdout.trim() : null;
}

await runMain(async () => {
  const started = performance.now();
  const args = parseArgs({ string: ['runtime'], usage: 'yarn docker:image [IMAGE] [--runtime DIR]   (default IMAGE: ' + LOCAL_KAFKA_IMAGE + ')' });
  const image = String(args._[0] ?? LOCAL_KAFKA_IMAGE);
  if (args._.length > 1) throw new UserError(`one image name at most (usage: yarn docker:image [IMAGE] [--runtime DIR])`, 2);
  const runtime = resolve(typeof args.runtime === 'string' && args.runtime ? args.runtime : defaultRuntimeDir());
  const libs = join(runtime, 'libs');
  const jars = existsSync(libs) ? readdirSync(libs).filter((f) => f.endsWith('.jar')) : [];
  if (jars.length === 0) throw new UserError(`the Kafka ${KAFKA_VERSION} runtime is not installed: run \`yarn kafka:install\` first`);
  if (!jars.includes(`kafka_2.13-${KAFKA_VERSION}.jar`)) {
    throw new UserError(`${libs} has no kafka_2.13-${KAFKA_VERSION}.jar: it is not the Kafka ${KAFKA_VERSION} runtime (run \`yarn kafka:install\`)`);
  }
  const missing = missingClasses(libs, classesToCheck().keys());
  if (missing.length > 0) throw new UserError(`the runtime in ${libs} lacks ${missing.join(', ')}: run \`yarn kafka:install\` again`);
  const jdk = findJdk();
  const engine = await checkDocker();

  const total = 6;
  let n = 0;
  const step = (text: string) => process.stderr.write(`[${++n}/${total}] ${text}\n`);

  const stage = mkdtempSync(join(tmpdir(), 'kafka-lab-image-'));
  const cleanup = () => rmSync(stage, { recursive: true, force: true });
  const interrupted = () => {
    cleanup();
    process.stderr.write('error: interrupted (nothing was tagged)\n');
    process.exit(130);
  };
  process.once('SIGINT', interrupted);
  process.once('SIGTERM', interrupted);
  let built: string | null = null;
  try {
    const rootfs = join(stage, 'rootfs');
    // Debian's merged /usr: /bin, /lib, /lib64, /sbin are links into /usr, so ldd's paths land in one place.
    for (const dir of ['usr/bin', 'usr/sbin', 'usr/lib', 'usr/lib64', 'etc', 'opt/kafka/libs', 'opt/kafka/config', 'opt/kafka/logs', 'var/lib/kafka/data', 'mnt/shared/config', 'etc/kafka/secrets', 'home/appuser', 'tmp', 'proc', 'sys', 'dev']) {
      mkdirSync(join(rootfs, dir), { recursive: true });
    }
    for (const link of ['bin', 'sbin', 'lib', 'lib64']) symlinkSync(`usr/${link}`, join(rootfs, link));
    chmodSync(join(rootfs, 'tmp'), 0o1777);

    // jdk.crypto.ec went into java.base in JDK 22: take the modules this JDK has.
    const modules = JRE_MODULES.filter((m) => existsSync(join(jdk.home, 'jmods', `${m}.jmod`)));
    step(`Java: jlink ${modules.length} modules of ${jdk.home} (Java ${jdk.version}) into /opt/java/openjdk`);
    const jre = join(rootfs, 'opt', 'java', 'openjdk');
    mkdirSync(dirname(jre), { recursive: true });
    await must('jlink', [
      join(jdk.home, 'bin', 'jlink'),
      '--add-modules', modules.join(','),
      '--strip-debug', '--no-man-pages', '--no-header-files',
      '--exclude-files=/java.desktop/lib/**',
      jdk.major >= 21 ? '--compress=zip-6' : '--compress=2',
      // a class-data sharing archive: every JVM (broker, healthcheck, tool) starts faster
      '--generate-cds-archive',
      '--output', jre,
    ]);
    // Kafka's heaps are far below 32 GB: the archive for uncompressed oops would never be used.
    rmSync(join(jre, 'lib', 'server', 'classes_nocoops.jsa'), { force: true });
    process.stderr.write(`      ${mb(du(jre))}\n`);

    step(`Kafka: ${jars.length} jars of ${runtime} into /opt/kafka/libs`);
    for (const jar of jars) cpSync(join(libs, jar), join(rootfs, 'opt', 'kafka', 'libs', jar));

    step('shared libraries (ldd) of the Java runtime and of /bin/sh');
    cpSync(realpathSync('/bin/sh'), join(rootfs, 'usr', 'bin', 'sh'));
    const elves = [join(rootfs, 'usr', 'bin', 'sh'), ...listFiles(jre).filter(isElf)];
    const wanted = new Set<string>();
    for (const file of elves) for (const lib of await sharedLibraries(file)) if (!lib.startsWith(rootfs)) wanted.add(lib);
    for (const lib of [...wanted].sort()) {
      const target = join(rootfs, lib);
      mkdirSync(dirname(target), { recursive: true });
      cpSync(lib, target, { dereference: true });
    }
    process.stderr.write(`      ${[...wanted].sort().join(' ')}\n`);

    step('our scripts and configs (docker/kafka/rootfs), users, name lookup');
    cpSync(OVERLAY, rootfs, { recursive: true });
    writeFileSync(join(rootfs, 'etc', 'passwd'), `root:x:0:0:root:/root:/bin/sh\nappuser:x:${APP_UID}:${APP_UID}::/home/appuser:/bin/sh\n`);
    writeFileSync(join(rootfs, 'etc', 'group'), `root:x:0:\nappuser:x:${APP_UID}:\n`);
    // glibc 2.34+ has the files and dns modules built in: /etc/hosts first (compose service names), then Docker's DNS.
    writeFileSync(join(rootfs, 'etc', 'nsswitch.conf'), 'passwd: files\ngroup: files\nhosts: files dns\n');

    step(`docker import (Docker ${engine})`);
    const tar = join(stage, 'rootfs.tar');
    // Owned by appuser, as in the official image: what the broker writes. A new named volume on
    // /var/lib/kafka/data takes the ownership of that directory.
    const appOwned = ['./var/lib/kafka/data', './opt/kafka/config', './opt/kafka/logs', './mnt/shared/config', './etc/kafka/secrets', './home/appuser'];
    await must('tar', ['tar', '--create', '--file', tar, '--numeric-owner', '--owner=0', '--group=0', ...appOwned.map((p) => `--exclude=${p}`), '-C', rootfs, '.']);
    await must('tar', ['tar', '--append', '--file', tar, '--numeric-owner', `--owner=${APP_UID}`, `--group=${APP_UID}`, '-C', rootfs, ...appOwned]);
    const previous = await imageId(image);
    const changes = [
      'ENV PATH=/opt/kafka/bin:/opt/java/openjdk/bin:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin',
      'ENV JAVA_HOME=/opt/java/openjdk',
      'ENV LANG=C.UTF-8',
      'USER appuser',
      'WORKDIR /opt/kafka',
      'EXPOSE 9092',
      // CMD like apache/kafka, so `docker run IMAGE /opt/kafka/bin/kafka-topics.sh ...` works the same way
      'CMD ["/etc/kafka/docker/run"]',
    ];
    const imported = await must('docker import', [
      'docker', 'import',
      ...changes.flatMap((c) => ['--change', c]),
      '--message', `kafka-lab: Apache Kafka ${KAFKA_VERSION} on Java ${jdk.version} (jlink), built from the jvm backend's runtime`,
      tar,
    ]);
    built = imported.trim();

    step('checking that the image runs Kafka (kafka-storage.sh random-uuid)');
    const check = await run(['docker', 'run', '--rm', '--entrypoint', '/opt/kafka/bin/kafka-storage.sh', built, 'random-uuid']);
    if (check.code !== 0 || !/^[\w-]{22}$/m.test(check.stdout)) {
      if (process.env.KAFKA_LAB_DEBUG) process.stderr.write(check.stderr + check.stdout);
      const output = check.stderr || check.stdout;
      const cause = /^\S*(?:Exception|Error)\b.*$/m.exec(output)?.[0] ?? lastLine(output);
      throw new UserError(`the new image does not run Kafka (exit ${check.code}): ${cause}`);
    }
    await must('docker tag', ['docker', 'tag', built, image]);
    // The image it replaces would linger untagged: remove it unless a container still uses it.
    if (previous && previous !== built) await run(['docker', 'rmi', previous]);
    built = null;
    const size = Number((await must('docker image inspect', ['docker', 'image', 'inspect', '--format', '{{.Size}}', image])).trim());
    const seconds = ((performance.now() - started) / 1000).toFixed(1);
    console.log(`built ${image}: Apache Kafka ${KAFKA_VERSION}, Java ${jdk.version}, ${mb(size)}, in ${seconds} s`);
    console.log(`use it: KAFKA_IMAGE=${image} yarn cluster:up --backend docker`);
  } finally {
    // an image that was imported but failed its check is not kept
    if (built) await run(['docker', 'rmi', built]);
    cleanup();
    process.removeListener('SIGINT', interrupted);
    process.removeListener('SIGTERM', interrupted);
  }
});
