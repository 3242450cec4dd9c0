/** yarn cluster:up [--profile single|multi] [--backend auto|docker|embedded] */
import { backendArg, parseArgs, profileArg, runMain, step } from '../src/cli/index.js';
import { openCluster } from '../src/cluster/index.js';

await runMain(async () => {
  const args = parseArgs({ string: ['profile', 'backend'], usage: 'yarn cluster:up [--profile single|multi] [--backend auto|docker|embedded]' });
  const cluster = await openCluster({ backend: backendArg(args.backend), profile: profileArg(args.profile) ?? 'single' });
  const already = await cluster.isUp();
  await step(`${already ? 'checking' : 'starting'} the ${cluster.profile} cluster (${cluster.backend})`, () => cluster.up());
  console.log(`cluster is up: bootstrap ${cluster.bootstrapServers().join(',')}`);
  console.log('next: `yarn cluster:status`, `yarn topics:apply topics/course.yaml`, `yarn cluster:down` when done');
});
