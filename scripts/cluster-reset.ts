/** yarn cluster:reset [--backend ...] [--profile ...] [--up]: stop and wipe all data (topics, offsets); --up starts a fresh one */
import { backendArg, parseArgs, profileArg, runMain, step } from '../src/cli/index.js';
import { labHome, openCluster } from '../src/cluster/index.js';
import { refuseWhileLabsRun } from '../src/lab/lab-leases.js';

await runMain(async () => {
  const args = parseArgs({
    string: ['profile', 'backend'],
    boolean: ['up'],
    usage: 'yarn cluster:reset [--backend auto|docker|jvm|embedded] [--profile single|multi] [--up]',
  });
  const log = (line: string) => process.stderr.write(line + '\n');
  const cluster = await openCluster({ backend: backendArg(args.backend), profile: profileArg(args.profile), log });
  refuseWhileLabsRun(labHome(), cluster, 'cluster:reset');
  await step(`wiping the ${cluster.profile} cluster (${cluster.backend})`, () => cluster.reset());
  if (args.up) {
    await step(`starting a fresh ${cluster.profile} cluster`, () => cluster.up());
    console.log(`a brand-new ${cluster.profile} cluster is up (no topics, no offsets): bootstrap ${cluster.bootstrapServers().join(',')}`);
  } else {
    console.log('cluster wiped: the next `yarn cluster:up` starts a brand-new one');
  }
});
