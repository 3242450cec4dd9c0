/**
 * What `broker:kill|stop|start` tells the user, from the brokers that serve before the action. Every node of the kit's
 * clusters is a broker and a KRaft controller voter (combined mode), so how many stay up decides what happens next:
 * with a majority of voters the controller fences the dead broker and moves its leaders; without one, nothing in the
 * metadata changes; with no broker at all, nothing serves.
 */
import type { BrokerState } from './types.js';

export type BrokerAction = 'kill' | 'stop' | 'start';

/** A reason not to act at all (exit 0: nothing to do; else an error), or null to go ahead. */
export function refusal(action: BrokerAction, id: number, before: BrokerState[]): { message: string; exitCode: number } | null {
  const target = before.find((b) => b.id === id);
  if (!target) return null; // an unknown id: the backend says which ids there are
  if (action === 'start' && target.up) {
    return { message: `broker ${id} is already running: nothing to start (\`yarn cluster:status\` shows it)`, exitCode: 0 };
  }
  // With no broker up at all the cluster may not run: the backend says so (and how to start it).
  if (action !== 'start' && !target.up && before.some((b) => b.up)) {
    return { message: `broker ${id} is not running: nothing to ${action} (\`yarn broker:start ${id}\` starts it again)`, exitCode: 1 };
  }
  return null;
}

/** The line printed once the action is done. */
export function afterAction(action: BrokerAction, id: number, before: BrokerState[]): string {
  const voters = before.length;
  const majority = Math.floor(voters / 2) + 1;
  const upAfter = before.filter((b) => (b.id === id ? action === 'start' : b.up)).map((b) => b.id);
  const down = before.filter((b) => !upAfter.includes(b.id)).map((b) => b.id);
  const startHint = (ids: number[]) => (ids.length === 1 ? `\`yarn broker:start ${ids[0]}\`` : `\`yarn broker:start <id>\`, id ${ids.join(' or ')}`);

  if (action === 'start') {
    if (voters === 1) return `broker ${id} serves again: \`yarn cluster:status\``;
    if (upAfter.length < majority) {
      return `broker ${id} is up, but only ${upAfter.length} of ${voters} controller voters run: no quorum, so the metadata stays frozen until another node starts (${startHint(down)})`;
    }
    return `it catches up and rejoins the ISR: \`yarn cluster:status --watch\``;
  }
  // With every node down, `cluster:up` is what starts them again on every backend (with their data).
  if (upAfter.length === 0) {
    return voters === 1
      ? `broker ${id} was the only broker: nothing can serve reads or writes until \`yarn cluster:up\` starts it again (its data is kept)`
      : `no broker is left: nothing can serve reads or writes until \`yarn cluster:up\` starts them again (their data is kept; ${majority} of the ${voters} make a controller quorum)`;
  }
  if (upAfter.length < majority) {
    return (
      `only broker ${upAfter.join(', ')} ${upAfter.length === 1 ? 'is' : 'are'} left, ${upAfter.length} of ${voters} controller voters: no quorum, so nothing is ` +
      `fenced and no leader moves, and acks=all writes time out until another node is back (${startHint(down)}); lab 08 shows it`
    );
  }
  return action === 'kill'
    ? `the controller fences it after the session timeout (~5 s), then its partitions get new leaders: watch with \`yarn cluster:status --watch\``
    : `its partitions already have new leaders: \`yarn cluster:status\`; bring it back with \`yarn broker:start ${id}\``;
}
