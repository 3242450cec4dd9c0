/**
 * yarn chaos [--faults N | --duration 60s] [--seed N] [--backend auto|docker|jvm|embedded] [--json]
 *   A 3-broker cluster, a topic with replication factor 3 and min.insync.replicas=2, idempotent acks=all producers and
 *   a consumer group, while brokers are killed, stopped and restarted on a seeded schedule. Ends with the message
 *   audit; exits 1 when an acknowledged message was lost or reordered. See docs/chaos.md.
 */
import { backendArg, createLiveView, parseArgs, runMain } from '../src/cli/index.js';
import { FAILOVER_RETRY, createKafka } from '../src/clients/index.js';
import { chooseBackend, openBackend } from '../src/cluster/index.js';
import { describeSelection } from '../src/cluster/select-backend.js';
import { UserError, type Cluster } from '../src/cluster/types.js';
import { DOCKER_TIMING, FAST_TIMING, renderLive, renderReport, runChaos, startChaosCluster } from '../src/chaos/index.js';
import { intOption, parseDuration } from '../src/chaos/args.js';

const USAGE = 'yarn chaos [--faults N | --duration 60s] [--seed N] [--backend auto|docker|jvm|embedded] [--partitions N] [--producers N] [--rate N] [--json]';

await runMain(async () => {
  const args = parseArgs({ usage: USAGE, string: ['faults', 'duration', 'seed', 'backend', 'partitions', 'producers', 'rate'], boolean: ['json'] });
  if (args._.length > 0) throw new UserError(`unexpected argument "${String(args._[0])}" (usage: ${USAGE})`, 2);
  const faultsOpt = intOption('faults', args.faults, 1);
  const durationMs = args.duration !== undefined ? parseDuration(String(args.duration)) : undefined;
  if (faultsOpt !== undefined && durationMs !== undefined) throw new UserError('give --faults or --duration, not both', 2);
  const faults = faultsOpt ?? (durationMs === undefined ? 24 : undefined);
  const seed = intOption('seed', args.seed) ?? Math.floor(Math.random() * 1_000_000);
  const partitions = intOption('partitions', args.partitions, 1) ?? 6;
  const producers = intOption('producers', args.producers, 1) ?? 3;
  const rate = intOption('rate', args.rate, 1) ?? 50;
  const json = Boolean(args.json);
  const out = json ? process.stderr : process.stdout;
  const say = (line: string) => out.write(line + '\n');

  const selection = await chooseBackend({ backend: backendArg(args.backend) });
  say(describeSelection(selection));
  let cluster: Cluster;
  let cleanup: () => Promise<void>;
  if (selection.backend === 'embedded') {
    // In-process: isolated from anything on 9092, starts in milliseconds, 1 s broker session timeout.
    const inProcess = await startChaosCluster();
    cluster = inProcess.cluster;
    cleanup = () => inProcess.close();
    say(`embedded chaos cluster in this process: ${cluster.bootstrapServers().join(', ')} (broker session timeout 1000 ms)`);
  } else {
    cluster = await openBackend(selection.backend, 'multi', { log: say });
    const wasUp = await cluster.isUp();
    if (!wasUp) say(`starting the multi-broker cluster (${selection.backend})…`);
    await cluster.up();
    cleanup = async () => {
      if (!wasUp) await cluster.down();
    };
  }
  const embedded = cluster.backend === 'embedded';
  const kafka = createKafka({
    clientId: 'kafka-lab-chaos',
    brokers: cluster.bootstrapServers(),
    logLevel: process.env.KAFKA_LAB_DEBUG ? 'debug' : 'nothing',
    // Sized for the session timeout: ~6 s of retries on the embedded cluster (1 s), ~23 s on real Kafka (5 s).
    retry: embedded ? { initialRetryTime: 100, multiplier: 2, maxRetryTime: 500, retries: 12 } : FAILOVER_RETRY,
    config: { connectionTimeout: embedded ? 1000 : 3000, requestTimeout: embedded ? 10_000 : 15_000 },
  });

  const abort = new AbortController();
  const onSignal = () => {
    say('interrupted: finishing the current fault, then draining and auditing (Ctrl-C again to quit at once)');
    abort.abort();
    process.once('SIGINT', () => process.exit(130));
  };
  process.once('SIGINT', onSignal);

  const interactive = !json && Boolean(process.stdout.isTTY);
  const view = interactive ? createLiveView(process.stdout) : null;
  say(`seed ${seed}: ${faults !== undefined ? `${faults} faults` : `faults for ${Math.round(durationMs! / 1000)} s`} (repeat with --seed ${seed})`);
  let report;
  try {
    report = await runChaos({
      cluster,
      kafka,
      seed,
      ...(faults !== undefined ? { faults } : {}),
      ...(durationMs !== undefined ? { durationMs } : {}),
      timing: embedded ? FAST_TIMING : DOCKER_TIMING,
      partitions,
      producers,
      rate,
      retry: embedded ? { initialRetryTime: 100, multiplier: 2, maxRetryTime: 500, retries: 12 } : FAILOVER_RETRY,
      recoveryTimeoutMs: embedded ? 20_000 : 90_000,
      drainTimeoutMs: embedded ? 60_000 : 180_000,
      signal: abort.signal,
      ...(interactive ? { onFrame: (s) => view!.render(renderLive(s)) } : { log: (line) => say(line) }),
    });
  } finally {
    view?.done();
    await cleanup().catch((error) => say(`cleanup failed: ${(error as Error).message}`));
  }
  say(renderReport(report));
  if (json) {
    const { faults: faultList, ...rest } = report;
    process.stdout.write(JSON.stringify({ ...rest, faults: faultList.length, faultLog: faultList }) + '\n');
  }
  return report.ok ? 0 : 1;
});
