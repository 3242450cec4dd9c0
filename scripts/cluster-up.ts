/**
 * yarn cluster:up [--profile single|multi] [--backend auto|docker|jvm|embedded]
 *
 * Ctrl-C while it starts a cluster stops that cluster again: the brokers run detached (a daemon, JVMs, containers),
 * so simply exiting would leave one running that nobody asked for. A start cannot be cut half-way (its processes are
 * then in no known state), so it finishes first, then the cluster is brought down, and it says so; exit 130.
 * Ctrl-C again says where it is; a third time exits at once and says what may be left running. A cluster that was
 * already running is left as it was.
 */
import { backendArg, parseArgs, profileArg, runMain, step } from '../src/cli/index.js';
import { type Interrupt, againKey, describeInterrupt, onInterrupt } from '../src/clients/interrupts.js';
import { openCluster } from '../src/cluster/index.js';

await runMain(async () => {
  const args = parseArgs({ string: ['profile', 'backend'], usage: 'yarn cluster:up [--profile single|multi] [--backend auto|docker|jvm|embedded]' });
  const cluster = await openCluster({ backend: backendArg(args.backend), profile: profileArg(args.profile) ?? 'single' });
  const already = await cluster.isUp();
  const what = `the ${cluster.profile} cluster (${cluster.backend})`;
  const say = (line: string) => process.stderr.write(line + '\n');
  let interrupted: Interrupt | null = null;
  let phase = `starting ${what}`;
  onInterrupt((interrupt) => {
    const key = againKey(interrupt);
    if (interrupt.count === 1) {
      interrupted = interrupt;
      if (already) {
        say(`${describeInterrupt(interrupt)}: stopping; ${what} was already running and stays as it was`);
        process.exit(130);
      }
      say(`${describeInterrupt(interrupt)}: ${what} will be stopped again as soon as it has started (${key} again shows where it is)`);
      return;
    }
    if (interrupt.count === 2) return say(`still ${phase} (${key} again exits at once, and may leave it running)`);
    say(`exiting now, while ${phase}: it may be left running; \`yarn cluster:down${cluster.backend === 'embedded' ? '' : ` --backend ${cluster.backend}`}\` stops it`);
    process.exit(130);
  }, { keyboard: true }); // Ctrl-C as a key: yarn stays, so the stop happens in the foreground

  let failure: unknown = null;
  await step(`${already ? 'checking' : 'starting'} ${what}`, () => cluster.up()).catch((error: unknown) => (failure = error));
  if (interrupted) {
    phase = `stopping ${what}, which this cluster:up started`;
    await step(phase, () => cluster.down());
    say(`interrupted: ${what} is stopped again, nothing is left running`);
    return 130;
  }
  if (failure) throw failure;
  console.log(`cluster is up: bootstrap ${cluster.bootstrapServers().join(',')}`);
  // topics/course.yaml asks for three replicas: only the multi profile can hold it.
  const topics = cluster.profile === 'multi' ? 'topics/course.yaml' : 'topics/single.yaml';
  console.log(`next: \`yarn cluster:status\`, \`yarn topics:apply ${topics}\`, \`yarn cluster:down\` when done`);
});
