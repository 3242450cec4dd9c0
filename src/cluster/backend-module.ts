/**
 * The one shape every backend has: how to find a cluster of it that runs, whether `auto` may start one here, and how
 * to open it. src/cluster/index.ts chooses by looping over BACKENDS (docker, jvm, embedded: auto's order).
 */
import type { CommandRunner } from './runner.js';
import type { BackendProbe, RunningCluster } from './select-backend.js';
import type { BackendName, Cluster, Profile } from './types.js';

export interface BackendContext {
  home: string;
  env: NodeJS.ProcessEnv;
  /** one-line messages of the opened cluster */
  log: (line: string) => void;
  /** tests: a fake docker */
  runner?: CommandRunner;
}

export interface BackendModule {
  readonly name: BackendName;
  /** a cluster of this backend that runs now (cheap: auto asks it on every command) */
  running(ctx: BackendContext): Promise<RunningCluster | null>;
  /** can a new cluster start on this backend here, and what was found */
  probe(ctx: BackendContext): Promise<BackendProbe>;
  open(profile: Profile, ctx: BackendContext): Promise<Cluster>;
}
