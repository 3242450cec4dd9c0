/**
 * Which backend runs the cluster, and why (always said out loud):
 *   1. --backend docker|embedded|auto
 *   2. KAFKA_LAB_BACKEND
 *   3. auto: a cluster that already runs (so `yarn broker:kill 2` acts on the cluster `yarn cluster:up` started),
 *      else docker when an engine answers AND the Kafka image is present locally, else embedded.
 * Probes are injected: tests need no Docker.
 */
import type { BackendChoice, BackendName, Profile } from './types.js';
import { UserError } from './types.js';

export interface DockerProbe {
  /** engine answers and the image is present */
  usable: boolean;
  /** what we found, for the message: 'Docker 27.1.1 answers and apache/kafka:4.1.1 is present' */
  detail: string;
}

export interface SelectionProbes {
  /** a cluster that runs now, started by either backend, or null */
  running(): Promise<{ backend: BackendName; profile?: Profile; detail: string } | null>;
  docker(): Promise<DockerProbe>;
}

export interface BackendSelection {
  backend: BackendName;
  /** one line: why this backend */
  reason: string;
  /** the profile of the running cluster, when that is why this backend was chosen */
  profile?: Profile;
}

export function parseBackendChoice(value: string | undefined, source: string): BackendChoice | undefined {
  if (value === undefined || value.trim() === '') return undefined;
  const v = value.trim().toLowerCase();
  if (v === 'auto' || v === 'docker' || v === 'embedded') return v;
  throw new UserError(`${source}="${value}" is not a backend: use auto, docker or embedded`, 2);
}

export async function selectBackend(options: {
  flag?: BackendChoice | undefined;
  env?: NodeJS.ProcessEnv;
  probes: SelectionProbes;
}): Promise<BackendSelection> {
  const env = options.env ?? process.env;
  if (options.flag && options.flag !== 'auto') return { backend: options.flag, reason: `--backend ${options.flag}` };
  const fromEnv = options.flag === 'auto' ? undefined : parseBackendChoice(env.KAFKA_LAB_BACKEND, 'KAFKA_LAB_BACKEND');
  if (fromEnv && fromEnv !== 'auto') return { backend: fromEnv, reason: `KAFKA_LAB_BACKEND=${fromEnv}` };

  const running = await options.probes.running();
  if (running) return { backend: running.backend, reason: `auto: ${running.detail}`, ...(running.profile ? { profile: running.profile } : {}) };
  const docker = await options.probes.docker();
  if (docker.usable) return { backend: 'docker', reason: `auto: ${docker.detail}` };
  return { backend: 'embedded', reason: `auto: ${docker.detail}` };
}

export function describeSelection(selection: BackendSelection): string {
  return `backend: ${selection.backend} (${selection.reason})`;
}
