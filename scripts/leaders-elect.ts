/** yarn leaders:elect [--backend ...]   preferred leader election now (Kafka's kafka-leader-election.sh --election-type preferred) */
import { backendArg, parseArgs, profileArg, runMain, step } from '../src/cli/index.js';
import { openCluster } from '../src/cluster/index.js';

await runMain(async () => {
  const args = parseArgs({ string: ['profile', 'backend'], usage: 'yarn leaders:elect [--backend auto|docker|embedded]' });
  const cluster = await openCluster({ backend: backendArg(args.backend), profile: profileArg(args.profile) });
  let moved: number | null = null;
  await step('moving leadership back to preferred replicas', async () => {
    moved = await cluster.electPreferredLeaders();
  });
  console.log(moved === null ? 'done: `yarn cluster:status` shows the leaders' : `${moved} partition(s) moved back to their preferred leader`);
});
