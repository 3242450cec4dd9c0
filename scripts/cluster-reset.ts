/** yarn cluster:reset [--backend ...] [--profile ...] [--up]: stop and wipe all data (topics, offsets); --up starts a fresh one */
import { backendArg, parseArgs, profileArg, runMain, step } from '../src/cli/index.js';
import { openCluster } from '../src/cluster/index.js';

await runMain(async () => {
  const args = parseArgs({
    string: ['profile', 'backend'],
    boolean: ['up'],
    usage: 'yarn cluster:reset [--backend auto|docker|embedded] [--profile single|multi] [--up]',
  });
  const cluster = await openCluster({ backend: backendArg(args.backend), profile: profileArg(args.profile) });
  await step(`wiping the ${cluster.profile} cluster (${cluster.backend})`, () => cluster.reset());
  if (args.up) {
    await step(`starting a fresh ${cluster.profile} cluster`, () => cluster.up());
    console.log(`fresh cluster is up: bootstrap ${cluster.bootstrapServers().join(',')}`);
  } else {
    console.log('cluster wiped: the next `yarn cluster:up` starts a brand-new one');
  }
});
