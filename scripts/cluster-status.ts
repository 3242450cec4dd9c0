/** yarn cluster:status [--json] [--watch [--interval 2]] [--internal] [--backend ...] [--profile ...] */
import { backendArg, parseArgs, profileArg, runMain } from '../src/cli/index.js';
import { openCluster, readStatus, renderStatus, watchStatus } from '../src/cluster/index.js';

await runMain(async () => {
  const args = parseArgs({
    string: ['profile', 'backend', 'interval'],
    boolean: ['json', 'watch', 'internal'],
    alias: { w: 'watch' },
    usage: 'yarn cluster:status [--json] [--watch [--interval SECONDS]] [--internal] [--backend auto|docker|embedded] [--profile single|multi]',
  });
  const cluster = await openCluster({ backend: backendArg(args.backend), profile: profileArg(args.profile) });
  if (args.watch) {
    const stop = new AbortController();
    process.once('SIGINT', () => stop.abort());
    process.once('SIGTERM', () => stop.abort());
    const seconds = args.interval ? Number(args.interval) : 2;
    await watchStatus(cluster, { intervalMs: Math.max(0.5, Number.isFinite(seconds) ? seconds : 2) * 1000, internal: args.internal, signal: stop.signal });
    return 0;
  }
  const status = await readStatus(cluster);
  if (args.json) process.stdout.write(JSON.stringify(status, null, 2) + '\n');
  else process.stdout.write(renderStatus(status, { internal: args.internal }) + '\n');
  // Unreachable cluster: still print what we know, but exit non-zero so scripts notice.
  return status.error ? 1 : 0;
});
