/**
 * A fix for kafkajs 2.2.4 (unmaintained), applied once to its consumer runner when the kit's clients load.
 *
 * A consumer that stops while its fetchers are being rebuilt (a broker just left the cluster, so the fetch manager
 * throws away its fetchers and starts new ones) ends up with fetchers started after stop(). Each asks the stopped
 * runner for records and gets [] at once, forever: a loop of microtasks only, so no timer or socket event runs again
 * and the process spins at 100% CPU (seen in lab 07: Ctrl-C right after the leader was killed never finished
 * undoing). Here a stopped runner stops those fetchers too and lets the event loop turn before it answers.
 */
import { createRequire } from 'node:module';

interface RunnerInternals {
  running: boolean;
  fetchManager: { stop(): Promise<void> };
  fetch(nodeId: number): Promise<unknown[]>;
}

const require = createRequire(import.meta.url);
const Runner = require('kafkajs/src/consumer/runner.js') as { prototype: RunnerInternals & { kafkaLabFixed?: boolean } };

if (!Runner.prototype.kafkaLabFixed) {
  const fetch = Runner.prototype.fetch;
  Runner.prototype.fetch = async function (this: RunnerInternals, nodeId: number) {
    if (this.running) return fetch.call(this, nodeId);
    void this.fetchManager.stop().catch(() => undefined);
    await new Promise((resolve) => setImmediate(resolve));
    return [];
  };
  Runner.prototype.kafkaLabFixed = true;
}
