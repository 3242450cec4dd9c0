/**
 * Labs started at the same time (two terminals, one machine) share one cluster instead of racing to start it:
 *
 *   start.lock   held by the one lab that is deciding whether to bring a cluster up, until it is up (or by the lab
 *                that is about to bring one down), so a second lab waits for it and then finds the cluster running;
 *   <pid>.json   one lease per running lab: which cluster it uses. The lab that started a cluster brings it down only
 *                once no other lab holds a lease on it.
 *
 * Both live in <home>/labs/. A file whose pid is no longer alive (a lab killed with SIGKILL) is stale and ignored.
 */
import { closeSync, mkdirSync, openSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync, writeSync } from 'node:fs';
import { basename, join } from 'node:path';
import { type BackendName, type Profile, UserError } from '../cluster/types.js';

export interface LabHolder {
  pid: number;
  /** "lab 07", or the script's name */
  lab: string;
}

export interface LabLease extends LabHolder {
  backend: BackendName;
  profile: Profile;
}

function pidAlive(pid: number): boolean {
  if (!Number.isInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function readJson<T>(file: string): T | null {
  try {
    return JSON.parse(readFileSync(file, 'utf8')) as T;
  } catch {
    return null;
  }
}

/** "lab 07" for `tsx scripts/lab.ts 07` or `tsx labs/07-leader-failover/lab.ts`, else the script's file name. */
export function describeThisProcess(argv = process.argv): string {
  const script = argv[1] ?? '';
  const nested = /labs[\\/](\d\d)-[^\\/]+[\\/]lab\.[tj]s$/.exec(script);
  if (nested) return `lab ${nested[1]}`;
  if (/scripts[\\/]lab\.[tj]s$/.test(script) && argv[2]) return `lab ${argv[2].padStart(2, '0')}`;
  return basename(script) || 'a lab';
}

/** "lab 07 (pid 4242)" */
export function describeHolder(h: LabHolder): string {
  return `${h.lab} (pid ${h.pid})`;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

export class LabLeases {
  readonly dir: string;
  private locked = false;
  private leased = false;

  constructor(
    home: string,
    readonly self: LabHolder = { pid: process.pid, lab: describeThisProcess() },
  ) {
    this.dir = join(home, 'labs');
    // Whatever way this process ends (process.exit included), it holds nothing afterwards.
    process.once('exit', () => {
      this.unlock();
      this.release();
    });
  }

  private get lockFile(): string {
    return join(this.dir, 'start.lock');
  }

  private get leaseFile(): string {
    return join(this.dir, `${this.self.pid}.json`);
  }

  /** Takes the start lock, or returns who holds it. */
  private tryLock(): LabHolder | null {
    mkdirSync(this.dir, { recursive: true });
    for (let attempt = 0; attempt < 3; attempt++) {
      try {
        const fd = openSync(this.lockFile, 'wx');
        writeSync(fd, JSON.stringify(this.self));
        closeSync(fd);
        this.locked = true;
        return null;
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      }
      const holder = readJson<LabHolder>(this.lockFile);
      // A lock whose holder died, or a torn file older than a few seconds, is stale.
      const stale = holder ? !pidAlive(holder.pid) : Date.now() - (statSync(this.lockFile, { throwIfNoEntry: false })?.mtimeMs ?? 0) > 5_000;
      if (!stale) return holder ?? { pid: 0, lab: 'another lab' };
      rmSync(this.lockFile, { force: true });
    }
    return { pid: 0, lab: 'another lab' };
  }

  /** Waits for the start lock (at most timeoutMs; then goes on without it rather than hang forever). */
  async lock(onWait: (holder: LabHolder) => void, timeoutMs = 10 * 60_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    let told = false;
    for (;;) {
      const holder = this.tryLock();
      if (!holder || Date.now() > deadline) return;
      if (!told) onWait(holder);
      told = true;
      await sleep(200);
    }
  }

  unlock(): void {
    if (!this.locked) return;
    this.locked = false;
    const holder = readJson<LabHolder>(this.lockFile);
    if (holder?.pid === this.self.pid) rmSync(this.lockFile, { force: true });
  }

  /** This lab uses the cluster of backend/profile. */
  lease(backend: BackendName, profile: Profile): void {
    mkdirSync(this.dir, { recursive: true });
    const lease: LabLease = { ...this.self, backend, profile };
    writeFileSync(this.leaseFile, JSON.stringify(lease));
    this.leased = true;
  }

  release(): void {
    if (!this.leased) return;
    this.leased = false;
    rmSync(this.leaseFile, { force: true });
  }

  /** Other labs that run now and use that cluster (any cluster when no backend is given). */
  others(backend?: BackendName, profile?: Profile): LabLease[] {
    let files: string[];
    try {
      files = readdirSync(this.dir).filter((f) => /^\d+\.json$/.test(f));
    } catch {
      return [];
    }
    const leases: LabLease[] = [];
    for (const file of files) {
      const lease = readJson<LabLease>(join(this.dir, file));
      if (!lease || lease.pid === this.self.pid) continue;
      if (!pidAlive(lease.pid)) {
        rmSync(join(this.dir, file), { force: true });
        continue;
      }
      if (backend && (lease.backend !== backend || lease.profile !== profile)) continue;
      leases.push(lease);
    }
    return leases;
  }
}

/** `cluster:down` / `cluster:reset` under a running lab would break it half-way: say which lab, and stop. */
export function refuseWhileLabsRun(home: string, cluster: { backend: BackendName; profile: Profile }, script: string): void {
  const users = new LabLeases(home, { pid: process.pid, lab: script }).others(cluster.backend, cluster.profile);
  if (users.length === 0) return;
  throw new UserError(`${users.map(describeHolder).join(', ')} is running on this cluster: let it finish (or stop it with Ctrl-C), then run \`yarn ${script}\` again`);
}
