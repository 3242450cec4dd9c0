/**
 * yarn broker:kill <id>   abrupt (SIGKILL): no controlled shutdown, leaders move after the session timeout (~5 s)
 * yarn broker:stop <id>   graceful (SIGTERM): controlled shutdown, leaders move first
 * yarn broker:start <id>  start it again with the data it had
 */
import { UserError, backendArg, brokerIdArg, parseArgs, profileArg, runMain, step } from '../src/cli/index.js';
import { openCluster } from '../src/cluster/index.js';

const ACTIONS = ['kill', 'stop', 'start'] as const;
type Action = (typeof ACTIONS)[number];

await runMain(async () => {
  const args = parseArgs({ string: ['profile', 'backend'], usage: 'yarn broker:kill|broker:stop|broker:start <id> [--backend ...]' });
  const [actionArg, idArg] = args._ as string[];
  if (!ACTIONS.includes(actionArg as Action)) throw new UserError(`unknown action "${actionArg ?? ''}": use kill, stop or start`, 2);
  const action = actionArg as Action;
  const usage = `yarn broker:${action} <id>`;
  const id = brokerIdArg(idArg, usage);
  const cluster = await openCluster({ backend: backendArg(args.backend), profile: profileArg(args.profile) });
  const what = { kill: `killing broker ${id} (abrupt, like SIGKILL)`, stop: `stopping broker ${id} (controlled shutdown)`, start: `starting broker ${id}` }[action];
  await step(what, () => (action === 'kill' ? cluster.killBroker(id) : action === 'stop' ? cluster.stopBroker(id) : cluster.startBroker(id)));
  const next = {
    kill: `the controller fences it after the session timeout (~5 s), then its partitions get new leaders: watch with \`yarn cluster:status --watch\``,
    stop: `its partitions already have new leaders: \`yarn cluster:status\`; bring it back with \`yarn broker:start ${id}\``,
    start: `it catches up and rejoins the ISR: \`yarn cluster:status --watch\``,
  }[action];
  console.log(next);
});
