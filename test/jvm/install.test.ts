/**
 * yarn kafka:install's guarantees, against a real HTTP server that plays Maven Central (serving a few real jars of the
 * pinned lock) and against the real mvn: the pinned bytes or nothing; an interrupted download leaves nothing used.
 */
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { type Server, createServer } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort } from '../../src/cluster/ports.js';
import { installRuntime } from '../../src/cluster/jvm/install.js';
import { mavenAvailable } from '../../src/cluster/jvm/maven.js';
import { type LockedArtifact, type RuntimeLock, libsDir, readLock, repositoryPath, runtimeDir, runtimeState } from '../../src/cluster/jvm/runtime.js';

const full = readLock();
/** Three small jars of the real lock, so each install moves a few hundred kB. */
const small = [...full.artifacts].sort((a, b) => a.size - b.size).slice(0, 3);
const lock: RuntimeLock = { ...full, artifacts: small };
const installed = runtimeDir();
const haveJars = small.every((a) => existsSync(join(libsDir(installed), a.file)) || existsSync(join(process.env.HOME ?? '', '.m2', 'repository', repositoryPath(a))));

function jarBytes(a: LockedArtifact): Buffer {
  const fromRuntime = join(libsDir(installed), a.file);
  return readFileSync(existsSync(fromRuntime) ? fromRuntime : join(process.env.HOME ?? '', '.m2', 'repository', repositoryPath(a)));
}

type Mode = 'ok' | 'corrupt' | 'cut';

describe.skipIf(!haveJars)('kafka:install over HTTP (a local stand-in for Maven Central)', () => {
  let server: Server;
  let base = '';
  let mode: Mode = 'ok';
  const requests: string[] = [];
  let work = '';

  beforeAll(async () => {
    work = mkdtempSync(join(tmpdir(), 'kafka-lab-install-'));
    const byPath = new Map(small.map((a) => [`/m2/${repositoryPath(a)}`, jarBytes(a)]));
    server = createServer((req, res) => {
      requests.push(req.url ?? '');
      const body = byPath.get(req.url ?? '');
      if (!body) return res.writeHead(404).end();
      res.writeHead(200, { 'content-length': body.length });
      if (mode === 'corrupt' && req.url === `/m2/${repositoryPath(small[1]!)}`) {
        const bad = Buffer.from(body);
        bad[bad.length - 1] ^= 0xff;
        return res.end(bad);
      }
      if (mode === 'cut' && req.url === `/m2/${repositoryPath(small[2]!)}`) {
        res.write(body.subarray(0, body.length >> 1));
        return setTimeout(() => res.destroy(), 20);
      }
      res.end(body);
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    base = `http://127.0.0.1:${(server.address() as { port: number }).port}/m2`;
  });
  afterAll(() => {
    server?.close();
    rmSync(work, { recursive: true, force: true });
  });

  const env = () => ({ ...process.env, KAFKA_LAB_MAVEN_REPO: base, KAFKA_LAB_M2_REPO: join(work, 'no-m2') });
  const leftovers = (dir: string) => readdirSync(join(dir, '..')).filter((n) => n.includes('.partial-'));

  it('downloads the pinned jars, checks each SHA-256 and writes the manifest last', async () => {
    mode = 'ok';
    const dir = join(work, 'ok', 'kafka-x');
    const progress: number[] = [];
    const result = await installRuntime({ lock, dir, via: 'download', env: env(), onProgress: (p) => progress.push(p.doneBytes) });
    expect(result).toMatchObject({ dir, already: false, source: 'download' });
    expect(runtimeState(dir).kind).toBe('installed');
    for (const a of small) expect(createHash('sha256').update(readFileSync(join(libsDir(dir), a.file))).digest('hex')).toBe(a.sha256);
    expect(progress.at(-1)).toBe(small.reduce((n, a) => n + a.size, 0));
    const again = await installRuntime({ lock, dir, via: 'download', env: env() });
    expect(again.already).toBe(true);
  });

  it('a jar that does not match its pinned checksum: nothing is installed', async () => {
    mode = 'corrupt';
    const dir = join(work, 'corrupt', 'kafka-x');
    await expect(installRuntime({ lock, dir, via: 'download', env: env() })).rejects.toThrow(
      new RegExp(`^${small[1]!.file.replace(/\./g, '\\.')} does not match its pinned checksum .*: a mirror or proxy changed it; nothing was installed$`),
    );
    expect(existsSync(dir)).toBe(false);
    expect(leftovers(dir)).toEqual([]);
  });

  it('an interrupted download leaves no runtime and no staging folder; the next install completes', async () => {
    mode = 'cut';
    const dir = join(work, 'cut', 'kafka-x');
    await expect(installRuntime({ lock, dir, via: 'download', env: env() })).rejects.toThrow(
      new RegExp(`^the download of ${small[2]!.file.replace(/\./g, '\\.')} broke off \\(.+\\): nothing was installed; run \`yarn kafka:install\` again$`),
    );
    expect(existsSync(dir)).toBe(false);
    expect(leftovers(dir)).toEqual([]);
    mode = 'ok';
    await installRuntime({ lock, dir, via: 'download', env: env() });
    expect(runtimeState(dir).kind).toBe('installed');
  });

  it('a half-written runtime from before (no manifest) is never used, and is replaced', async () => {
    mode = 'ok';
    const dir = join(work, 'half', 'kafka-x');
    mkdirSync(libsDir(dir), { recursive: true });
    writeFileSync(join(libsDir(dir), small[0]!.file), 'truncated');
    expect(runtimeState(dir)).toMatchObject({ kind: 'broken' });
    await installRuntime({ lock, dir, via: 'download', env: env() });
    expect(runtimeState(dir).kind).toBe('installed');
  });

  it('offline with an empty cache: one line saying what to run while online', async () => {
    const dir = join(work, 'offline', 'kafka-x');
    const closed = await freePort();
    await expect(
      installRuntime({ lock, dir, via: 'download', env: { ...env(), KAFKA_LAB_MAVEN_REPO: `http://127.0.0.1:${closed}/m2` } }),
    ).rejects.toThrow(/^cannot fetch the Kafka 4\.4\.0 runtime \(.*ECONNREFUSED.*\): connect to the internet and run `yarn kafka:install` once; after that the jvm backend works offline$/);
    expect(existsSync(dir)).toBe(false);
  });

  it('jars already in ~/.m2 with the pinned checksum are copied, not downloaded', async () => {
    mode = 'ok';
    const m2 = join(work, 'm2');
    const a = small[0]!;
    mkdirSync(join(m2, repositoryPath(a), '..'), { recursive: true });
    writeFileSync(join(m2, repositoryPath(a)), jarBytes(a));
    requests.length = 0;
    const dir = join(work, 'm2-install', 'kafka-x');
    await installRuntime({ lock, dir, via: 'download', env: { ...env(), KAFKA_LAB_M2_REPO: m2 } });
    expect(requests.some((r) => r.endsWith(a.file))).toBe(false);
    expect(requests.length).toBe(small.length - 1);
  });
});

describe('kafka:install through mvn', async () => {
  const mvn = await mavenAvailable();
  if (!mvn) console.warn('test/jvm/install.test.ts: mvn is not installed: the "through mvn" test skipped');
  it.skipIf(!mvn)('resolves the pinned artifacts with mvn (no transitive extras) and checks them', async () => {
    const work = mkdtempSync(join(tmpdir(), 'kafka-lab-install-mvn-'));
    try {
      const dir = join(work, 'kafka-x');
      const result = await installRuntime({ lock, dir, via: 'maven', env: { ...process.env, KAFKA_LAB_M2_REPO: join(work, 'no-m2') } });
      expect(result.source).toBe('maven');
      expect(readdirSync(libsDir(dir)).sort()).toEqual(small.map((a) => a.file).sort());
      expect(runtimeState(dir).kind).toBe('installed');
    } finally {
      rmSync(work, { recursive: true, force: true });
    }
  }, 120_000);
});
