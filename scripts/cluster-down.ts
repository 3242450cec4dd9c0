/** yarn cluster:down [--backend auto|docker|jvm|embedded] [--profile single|multi]  (data is kept; cluster:reset wipes it) */
import { backendArg, parseArgs, profileArg, runMain, step } from '../src/cli/index.js';
import { labHome, openCluster } from '../src/cluster/index.js';
import { refuseWhileLabsRun } from '../src/lab/lab-leases.js';

await runMain(async () => {
  const args = parseArgs({ string: ['profile', 'backend'], usage: 'yarn cluster:down [--backend auto|docker|jvm|embedded] [--profile single|multi]' });
  const cluster = await openCluster({ backend: backendArg(args.backend), profile: profileArg(args.profile) });
  refuseWhileLabsRun(labHome(), cluster, 'cluster:down');
  if (!(await cluster.isUp())) {
    console.log(`no ${cluster.backend} cluster is running: nothing to stop`);
    await cluster.down(); // still clears leftovers such as stopped containers or a stale daemon file
    return;
  }
  await step(`stopping the ${cluster.profile} cluster (${cluster.backend})`, () => cluster.down());
  console.log('cluster stopped; its data is kept for the next `yarn cluster:up` (`yarn cluster:reset` wipes it)');
});
