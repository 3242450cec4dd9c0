/**
 * yarn offsets:reset <group> --to earliest|latest|<offset> [--topic t] [--dry-run] [--brokers host:port,...]
 *   Moves a consumer group's committed offsets, like `kafka-consumer-groups --reset-offsets --execute`: the group's
 *   next consumer starts there. Only while the group has no members (Kafka refuses otherwise).
 */
import { UserError, backendArg, formatTable, parseArgs, profileArg, runMain, step } from '../src/cli/index.js';
import { QUICK_RETRY, createKafka, resolveBootstrap } from '../src/clients/index.js';
import { openCluster } from '../src/cluster/index.js';
import { applyReset, describeTarget, parseResetTarget, planReset } from '../src/groups/reset-offsets.js';

const USAGE = 'yarn offsets:reset <group> --to earliest|latest|<offset> [--topic <topic>] [--dry-run] [--brokers host:port,...]';

await runMain(async () => {
  const args = parseArgs({ string: ['to', 'topic', 'brokers', 'backend', 'profile'], boolean: ['dry-run'], usage: USAGE });
  const groupId = args._[0] === undefined ? undefined : String(args._[0]);
  if (!groupId) throw new UserError(`which group? (usage: ${USAGE})`, 2);
  if (args._.length > 1) throw new UserError(`unexpected argument "${String(args._[1])}" (usage: ${USAGE})`, 2);
  const target = parseResetTarget(args.to);
  const topic = args.topic === undefined ? undefined : String(args.topic);
  if (topic === '') throw new UserError(`--topic needs a topic name (usage: ${USAGE})`, 2);
  const dryRun = Boolean(args['dry-run']);

  // --brokers (or KAFKA_BOOTSTRAP) points at any cluster; otherwise the kit's own that runs.
  const brokers = resolveBootstrap(
    args.brokers ? { brokers: String(args.brokers).split(',') } : process.env.KAFKA_BOOTSTRAP ? {} : {
      cluster: await openCluster({ backend: backendArg(args.backend), profile: profileArg(args.profile) }),
    },
  );
  const admin = createKafka({ clientId: 'kafka-lab-offsets', brokers, retry: QUICK_RETRY, logLevel: 'nothing' }).admin();
  await admin.connect();
  try {
    const plan = await planReset(admin, groupId, target, topic === undefined ? {} : { topic });
    console.log(
      formatTable(
        ['topic', { header: 'partition', align: 'right' }, { header: 'committed before', align: 'right' }, { header: 'new offset', align: 'right' }],
        plan.map((p) => [p.topic, p.partition, p.from ?? '(none)', p.clamped ? `${p.to} (${p.clamped === 'to the log end' ? 'log end' : 'log start'})` : p.to]),
      ),
    );
    const ends = new Set(plan.map((p) => p.clamped).filter(Boolean));
    const clamped =
      ends.size === 0 ? '' : ends.size === 2 ? ' (outside the log: moved to its start or end, as kafka-consumer-groups does)'
      : ends.has('to the log end') ? ' (beyond the log end: moved to the end, as kafka-consumer-groups does)'
      : ' (before the log start: moved to the start, as kafka-consumer-groups does)';
    const what = `${plan.length} partition(s) of ${[...new Set(plan.map((p) => p.topic))].join(', ')} to ${describeTarget(target)}${clamped}`;
    if (dryRun) {
      console.log(`dry run: group ${groupId} would move ${what}; nothing changed (run without --dry-run to do it)`);
      return;
    }
    await step(`resetting group ${groupId}`, () => applyReset(admin, brokers, groupId, plan));
    console.log(`group ${groupId} moved ${what}: its next consumer starts reading there`);
  } finally {
    await admin.disconnect().catch(() => undefined);
  }
});
