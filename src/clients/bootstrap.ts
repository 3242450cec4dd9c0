/**
 * Where a command-line client (`yarn produce`, `yarn consume`) connects: `--brokers`, else KAFKA_BOOTSTRAP, else
 * every broker of the kit's cluster that runs (any backend, any profile), else 127.0.0.1:9092.
 *
 * Every broker, not the first: kafkajs only ever bootstraps from this list. A consumer that crashes on a dead
 * leader restarts by reconnecting to its seed broker, rotating through this list only, so with broker 1 alone in
 * it a consumer waits for broker 1 to come back while brokers 2 and 3 serve its partitions.
 */
import { chooseBackend, openBackend } from '../cluster/index.js';
import { type Cluster, PROFILE_BROKERS, type Profile } from '../cluster/types.js';
import { normalizeBroker } from './kafka.js';

export interface Bootstrap {
  brokers: string[];
  /** where they came from, for messages: '--brokers', 'KAFKA_BOOTSTRAP', 'the multi cluster on embedded', 'the default: …' */
  source: string;
  /** the kit's running cluster, when that is where they came from */
  cluster?: Cluster;
}

/** The kit's cluster that runs now, on the backend auto (or KAFKA_LAB_BACKEND) picks, or null. Never starts one. */
export async function runningCluster(env: NodeJS.ProcessEnv = process.env): Promise<Cluster | null> {
  const quiet = { env, log: () => {} };
  let selection;
  try {
    selection = await chooseBackend(quiet);
  } catch {
    return null; // no backend usable here: then nothing runs either
  }
  const profiles: Profile[] = selection.profile ? [selection.profile] : ['multi', 'single'];
  for (const profile of profiles) {
    try {
      const cluster = await openBackend(selection.backend, profile, quiet);
      if (await cluster.isUp()) return cluster;
    } catch {
      /* e.g. KAFKA_LAB_PORTS sized for the other profile: not this one */
    }
  }
  return null;
}

export async function discoverBootstrap(options: { brokers?: string[] | undefined; env?: NodeJS.ProcessEnv } = {}): Promise<Bootstrap> {
  const env = options.env ?? process.env;
  const clean = (list: string[]) => list.map(normalizeBroker).filter(Boolean);
  if (options.brokers?.length) return { brokers: clean(options.brokers), source: '--brokers' };
  if (env.KAFKA_BOOTSTRAP) return { brokers: clean(env.KAFKA_BOOTSTRAP.split(',')), source: 'KAFKA_BOOTSTRAP' };
  const cluster = await runningCluster(env);
  if (cluster) return { brokers: clean(cluster.bootstrapServers()), source: `the ${cluster.profile} cluster on ${cluster.backend}`, cluster };
  return { brokers: PROFILE_BROKERS.single.map((b) => `${b.host}:${b.port}`), source: 'the default: no cluster of the kit runs' };
}
