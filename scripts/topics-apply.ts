/** yarn topics:apply <file> [--dry-run]   e.g. topics/course.yaml (3 brokers) or topics/single.yaml (1 broker) */
import { UserError, parseArgs, runMain, step, backendArg, profileArg } from '../src/cli/index.js';
import { createKafka, QUICK_RETRY } from '../src/clients/index.js';
import { openCluster } from '../src/cluster/index.js';
import { applyTopicSet, loadTopicSet } from '../src/topics/index.js';

const USAGE = 'yarn topics:apply <file> [--dry-run] [--bootstrap host:port,...] [--backend ...]';

await runMain(async () => {
  const args = parseArgs({
    string: ['profile', 'backend', 'bootstrap'],
    boolean: ['dry-run'],
    alias: { n: 'dry-run' },
    usage: USAGE,
  });
  // No default file: the course's set needs three brokers, so applying it unasked to a single broker only fails.
  if (args._[0] === undefined) {
    throw new UserError('which file? e.g. `yarn topics:apply topics/course.yaml` (3 brokers, the multi profile) or `topics/single.yaml` (1 broker)', 2);
  }
  const file = String(args._[0]);
  const dryRun = Boolean(args['dry-run']);
  // The file first: a missing file, bad YAML or a wrong type is reported as such, not as "cannot reach Kafka".
  // (applyTopicSet reads it again and adds the checks that need the cluster, e.g. replication factor vs brokers.)
  loadTopicSet(file);
  // --bootstrap (or KAFKA_BOOTSTRAP) points at any cluster; otherwise the kit's own.
  const brokers = args.bootstrap ? String(args.bootstrap).split(',') : process.env.KAFKA_BOOTSTRAP ? undefined : (
    await openCluster({ backend: backendArg(args.backend), profile: profileArg(args.profile) })
  ).bootstrapServers();
  const kafka = createKafka({ clientId: 'kafka-lab-topics', ...(brokers ? { brokers } : {}), retry: QUICK_RETRY, logLevel: 'nothing' });
  const admin = kafka.admin();
  await admin.connect();
  try {
    const result = await step(`${dryRun ? 'planning' : 'applying'} ${file}`, () => applyTopicSet(admin, file, null, { dryRun }));
    for (const line of result.lines) console.log(line);
    if (dryRun) console.log(result.plan.changes ? 'dry run: nothing changed (run without --dry-run to apply)' : 'dry run: already up to date');
    else console.log(result.applied ? 'applied' : 'nothing to do: the cluster already matches the file');
  } finally {
    await admin.disconnect().catch(() => undefined);
  }
});
