/**
 * yarn broker:kill <id>   abrupt (SIGKILL): no controlled shutdown, leaders move after the session timeout (~5 s)
 * yarn broker:stop <id>   graceful (SIGTERM): controlled shutdown, leaders move first
 * yarn broker:start <id>  start it again with the data it had
 */
import { UserError, backendArg, brokerIdArg, parseArgs, profileArg, runMain, step } from '../src/cli/index.js';
import { openCluster } from '../src/cluster/index.js';
import { type BrokerAction, afterAction, refusal } from '../src/cluster/broker-hints.js';

const ACTIONS: readonly BrokerAction[] = ['kill', 'stop', 'start'];

await runMain(async () => {
  const args = parseArgs({ string: ['profile', 'backend'], usage: 'yarn broker:kill|broker:stop|broker:start <id> [--backend ...]' });
  const [actionArg, idArg] = args._ as string[];
  if (!ACTIONS.includes(actionArg as BrokerAction)) throw new UserError(`unknown action "${actionArg ?? ''}": use kill, stop or start`, 2);
  const action = actionArg as BrokerAction;
  const usage = `yarn broker:${action} <id>`;
  const id = brokerIdArg(idArg, usage);
  const cluster = await openCluster({ backend: backendArg(args.backend), profile: profileArg(args.profile) });
  // Which brokers serve now decides what is true to say: "already running", "the only broker", "no quorum left".
  const before = await cluster.brokers().catch(() => []);
  const problem = refusal(action, id, before);
  if (problem) {
    if (problem.exitCode === 0) {
      console.log(problem.message);
      return 0;
    }
    throw new UserError(problem.message, problem.exitCode);
  }
  const what = { kill: `killing broker ${id} (abrupt, like SIGKILL)`, stop: `stopping broker ${id} (controlled shutdown)`, start: `starting broker ${id}` }[action];
  await step(what, () => (action === 'kill' ? cluster.killBroker(id) : action === 'stop' ? cluster.stopBroker(id) : cluster.startBroker(id)));
  console.log(afterAction(action, id, before));
});
