/**
 * How a lab gets its Cluster: through src/cluster's openCluster (backend selection), never a backend directly.
 *
 * Two more things happen here, so every lab gets them:
 *   - labs running at once share one cluster (./lab-leases.ts): a second lab waits while the first brings the
 *     cluster up, then uses it; the lab that started it brings it down only after the other has finished;
 *   - a lab that finds a broker down (left by an interrupted lab, or a `broker:kill` the student forgot) starts it
 *     again first, in one line, so it does not fail later on e.g. "Topic creation errors" (RF 3 on two brokers).
 */
import type { BackendChoice, Cluster, Profile } from '../cluster/types.js';
import { UserError } from '../cluster/types.js';
import { labHome, openBackend, openCluster } from '../cluster/index.js';
import { type LabLease, LabLeases, describeHolder } from './lab-leases.js';

/** Clusters a lab brought up itself (lab 09 says what that means for exploring it afterwards). */
const startedByThisLab = new WeakSet<Cluster>();

export function clusterStartedByThisLab(cluster: Cluster): boolean {
  return startedByThisLab.has(cluster);
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const names = (leases: LabLease[]) => leases.map(describeHolder).join(', ');

/**
 * Picks the cluster for a lab: a running one of an acceptable profile if there is one, else the lab's own profile.
 * Returns whether the lab must bring it up (and so bring it down at the end).
 */
export async function chooseCluster(
  backend: BackendChoice,
  wanted: Profile,
  acceptOther: boolean,
  log: (line: string) => void,
): Promise<{ cluster: Cluster; running: boolean }> {
  const leases = new LabLeases(labHome());
  await leases.lock((holder) => log(`${describeHolder(holder)} is bringing up a cluster: waiting for it, then this lab uses it too`));
  let chosen: { cluster: Cluster; running: boolean };
  try {
    chosen = await pick(backend, wanted, acceptOther, log, leases);
  } catch (error) {
    leases.unlock();
    throw error;
  }
  leases.lease(chosen.cluster.backend, chosen.cluster.profile);
  if (chosen.running) {
    leases.unlock();
    await repairBrokers(chosen.cluster, leases, log);
    return chosen;
  }
  // The lock stays held until up() is done: a lab started meanwhile waits, then finds this cluster running.
  return { cluster: shared(chosen.cluster, leases, log), running: false };
}

async function pick(
  backend: BackendChoice,
  wanted: Profile,
  acceptOther: boolean,
  log: (line: string) => void,
  leases: LabLeases,
): Promise<{ cluster: Cluster; running: boolean }> {
  const other: Profile = wanted === 'single' ? 'multi' : 'single';
  const mine = await openCluster({ backend, profile: wanted, log });
  if (await mine.isUp()) return { cluster: mine, running: true };
  let theirs: Cluster | null = null;
  try {
    theirs = await openBackend(mine.backend, other, { log: () => {} });
    if (!(await theirs.isUp())) theirs = null;
  } catch {
    theirs = null; // e.g. ports configured for the other profile only: then it is not running either
  }
  if (theirs) {
    if (acceptOther) return { cluster: theirs, running: true };
    const users = leases.others(theirs.backend, other);
    if (users.length > 0) {
      throw new UserError(`this lab needs the ${wanted} profile, and ${names(users)} is running on a ${other} cluster: run this lab once it has finished`);
    }
    throw new UserError(
      `this lab needs the ${wanted} profile but a ${other} cluster is running (${mine.backend}): stop it with \`yarn cluster:down\` and run the lab again`,
    );
  }
  return { cluster: mine, running: false };
}

/** A broker that is down when the lab starts is started again, unless another lab runs (it may have stopped it). */
async function repairBrokers(cluster: Cluster, leases: LabLeases, log: (line: string) => void): Promise<void> {
  const down = (await cluster.brokers().catch(() => [])).filter((b) => !b.up).map((b) => b.id);
  if (down.length === 0) return;
  const which = `broker${down.length > 1 ? 's' : ''} ${down.join(', ')}`;
  const users = leases.others(cluster.backend, cluster.profile);
  if (users.length > 0) {
    log(`${which} ${down.length > 1 ? 'are' : 'is'} down and ${names(users)} is running (it may have stopped it on purpose): left as it is`);
    return;
  }
  log(`${which} ${down.length > 1 ? 'were' : 'was'} down (an interrupted lab, or a broker:kill?): starting ${down.length > 1 ? 'them' : 'it'} again first`);
  for (const id of down) await cluster.startBroker(id);
}

/**
 * The cluster a lab brings up, shared with labs started meanwhile: up() releases the start lock once the cluster
 * serves; down() waits until no other lab uses the cluster (at most 15 minutes: a lab left at a pause must not keep
 * this one forever).
 */
function shared(cluster: Cluster, leases: LabLeases, log: (line: string) => void): Cluster {
  const wrapper: Cluster = {
    get backend() {
      return cluster.backend;
    },
    get profile() {
      return cluster.profile;
    },
    up: async () => {
      try {
        await cluster.up();
        startedByThisLab.add(wrapper);
      } finally {
        leases.unlock();
      }
    },
    down: async () => {
      const deadline = Date.now() + 15 * 60_000;
      let told = false;
      for (;;) {
        await leases.lock(() => undefined, 60_000);
        const users = leases.others(cluster.backend, cluster.profile);
        if (users.length === 0) {
          try {
            return await cluster.down();
          } finally {
            leases.unlock();
          }
        }
        leases.unlock();
        if (Date.now() > deadline) {
          throw new Error(`${names(users)} still uses the cluster: left it up (\`yarn cluster:down\` stops it)`);
        }
        if (!told) log(`${names(users)} still uses this cluster: waiting for it to finish before bringing the cluster down`);
        told = true;
        await sleep(500);
      }
    },
    reset: () => cluster.reset(),
    status: () => cluster.status(),
    bootstrapServers: () => cluster.bootstrapServers(),
    brokers: () => cluster.brokers(),
    killBroker: (id) => cluster.killBroker(id),
    stopBroker: (id) => cluster.stopBroker(id),
    startBroker: (id) => cluster.startBroker(id),
    electPreferredLeaders: () => cluster.electPreferredLeaders(),
    isUp: () => cluster.isUp(),
  };
  return wrapper;
}
