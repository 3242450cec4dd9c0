/** yarn leaders:elect [--backend ...]   preferred leader election now (Kafka's kafka-leader-election.sh --election-type preferred) */
import { UserError, backendArg, parseArgs, profileArg, runMain, step } from '../src/cli/index.js';
import { electLeaders, openCluster } from '../src/cluster/index.js';

type Moved = Array<{ topic: string; partition: number }>;

/** "orders 0,3; payments 1" */
function byTopic(partitions: Moved): string {
  const topics = new Map<string, number[]>();
  for (const p of partitions) topics.set(p.topic, [...(topics.get(p.topic) ?? []), p.partition]);
  return [...topics].sort(([a], [b]) => a.localeCompare(b)).map(([t, ps]) => `${t} ${ps.sort((a, b) => a - b).join(',')}`).join('; ');
}

await runMain(async () => {
  const args = parseArgs({ string: ['profile', 'backend'], usage: 'yarn leaders:elect [--backend auto|docker|jvm|embedded]' });
  const cluster = await openCluster({ backend: backendArg(args.backend), profile: profileArg(args.profile) });
  const live = (await cluster.brokers()).filter((b) => b.up).map((b) => `${b.host}:${b.port}`);
  if (live.length === 0) throw new UserError(`no broker of the ${cluster.profile} cluster is running (${cluster.backend}): start it with \`yarn cluster:up\``);
  // ElectLeaders names every partition that moved, so what the user can see (cluster:status lists no internal
  // topics unless --internal) is counted apart from the internal ones such as __consumer_offsets.
  const result = await step('moving leadership back to preferred replicas', () => electLeaders(live));
  const visible = result.moved.filter((p) => !p.topic.startsWith('__'));
  const internal = result.moved.filter((p) => p.topic.startsWith('__'));
  const internalTopics = [...new Set(internal.map((p) => p.topic))].sort().join(', ');
  const internalNote = internal.length ? ` (and ${internal.length} of internal topics: ${internalTopics}; \`yarn cluster:status --internal\` shows them)` : '';
  if (visible.length > 0) console.log(`${visible.length} partition(s) moved back to their preferred leader: ${byTopic(visible)}${internalNote}`);
  else if (internal.length > 0) console.log(`no partition of your topics moved${internalNote}`);
  else console.log('nothing to move: every partition that can be led by its preferred replica already is');
  if (result.failed.length > 0) {
    const reasons = [...new Set(result.failed.map((f) => f.error))].join(', ');
    console.log(`${result.failed.length} partition(s) could not move (${reasons}): their preferred replica is down or not in sync yet: ${byTopic(result.failed)}`);
  }
});
