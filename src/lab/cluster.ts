/** How a lab gets its Cluster: through src/cluster's openCluster (backend selection), never a backend directly. */
import type { BackendChoice, Cluster, Profile } from '../cluster/types.js';
import { UserError } from '../cluster/types.js';
import { openBackend, openCluster } from '../cluster/index.js';

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
    throw new UserError(
      `this lab needs the ${wanted} profile but a ${other} cluster is running (${mine.backend}): stop it with \`yarn cluster:down\` and run the lab again`,
    );
  }
  return { cluster: mine, running: false };
}
