/** yarn cluster:status [--json] [--watch [--interval 2]] [--internal] [--backend ...] [--profile ...] */
import { backendArg, parseArgs, profileArg, renderStatus, runMain, watchStatus } from '../src/cli/index.js';
import { onInterrupt } from '../src/clients/interrupts.js';
import { UserError, openCluster, readStatus } from '../src/cluster/index.js';

await runMain(async () => {
  const args = parseArgs({
    string: ['profile', 'backend', 'interval'],
    boolean: ['json', 'watch', 'internal'],
    alias: { w: 'watch' },
    usage: 'yarn cluster:status [--json] [--watch [--interval SECONDS]] [--internal] [--backend auto|docker|jvm|embedded] [--profile single|multi]',
  });
  // The backend line waits until we know a cluster runs: with nothing running the whole answer is one line.
  const chosen: string[] = [];
  const backend = backendArg(args.backend);
  const cluster = await openCluster({ backend, profile: profileArg(args.profile), log: (line) => chosen.push(line) });
  if (!args.json && !args.watch && !(await cluster.isUp())) {
    throw new UserError(
      backend && backend !== 'auto'
        ? `no ${backend} cluster is running: start one with \`yarn cluster:up --backend ${backend}\``
        : 'no cluster is running (none in Docker, on the jvm backend or embedded): start one with `yarn cluster:up`',
    );
  }
  for (const line of chosen) process.stderr.write(line + '\n');
  if (args.watch) {
    // Ctrl-C ends the watch (exit 0), once however many copies of it arrive; a second one exits at once.
    const stop = new AbortController();
    onInterrupt(({ count }) => (count === 1 ? stop.abort() : process.exit(130)), { keyboard: true });
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
