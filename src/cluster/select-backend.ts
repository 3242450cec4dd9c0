/**
 * Which backend runs the cluster, and why (always said out loud):
 *   1. --backend docker|jvm|embedded|auto
 *   2. KAFKA_LAB_BACKEND
 *   3. auto: a cluster that already runs (so `yarn broker:kill 2` acts on the cluster `yarn cluster:up` started),
 *      else the first backend, in order, that can start one here: docker (an engine answers AND the Kafka image is
 *      present), jvm (Java 17+ AND the Kafka runtime is installed), embedded (always).
 * A loop over candidates, each saying how to probe for itself; tests pass their own candidates and need no Docker.
 */
import { BACKEND_NAMES, type BackendChoice, type BackendName, type Profile } from './types.js';
import { UserError } from '../common/user-error.js';

export interface BackendProbe {
  /** auto may start a new cluster on this backend here */
  usable: boolean;
  /** what we found, for the message: 'Docker 20.10.24 answers and apache/kafka:4.4.0 is present' */
  detail: string;
}

export interface RunningCluster {
  profile: Profile;
  /** 'a multi cluster is running in Docker' */
  detail: string;
}

export interface BackendCandidate {
  name: BackendName;
  /** a cluster of this backend that runs now, or null */
  running(): Promise<RunningCluster | null>;
  probe(): Promise<BackendProbe>;
}

export interface BackendSelection {
  backend: BackendName;
  /** one line: why this backend */
  reason: string;
  /** the profile of the running cluster, when that is why this backend was chosen */
  profile?: Profile;
}

const CHOICES = `auto, ${BACKEND_NAMES.join(', ')}`;

export function parseBackendChoice(value: string | undefined, source: string): BackendChoice | undefined {
  if (value === undefined || value.trim() === '') return undefined;
  const v = value.trim().toLowerCase();
  if (v === 'auto' || (BACKEND_NAMES as readonly string[]).includes(v)) return v as BackendChoice;
  throw new UserError(`${source}="${value}" is not a backend: use ${CHOICES}`, 2);
}

export async function selectBackend(options: {
  flag?: BackendChoice | undefined;
  env?: NodeJS.ProcessEnv;
  candidates: BackendCandidate[];
}): Promise<BackendSelection> {
  const env = options.env ?? process.env;
  if (options.flag && options.flag !== 'auto') return { backend: options.flag, reason: `--backend ${options.flag}` };
  const fromEnv = options.flag === 'auto' ? undefined : parseBackendChoice(env.KAFKA_LAB_BACKEND, 'KAFKA_LAB_BACKEND');
  if (fromEnv && fromEnv !== 'auto') return { backend: fromEnv, reason: `KAFKA_LAB_BACKEND=${fromEnv}` };

  for (const candidate of options.candidates) {
    const running = await candidate.running();
    if (running) return { backend: candidate.name, reason: `auto: ${running.detail}`, profile: running.profile };
  }
  const skipped: string[] = [];
  for (const candidate of options.candidates) {
    const probe = await candidate.probe();
    if (probe.usable) return { backend: candidate.name, reason: `auto: ${[...skipped, probe.detail].filter(Boolean).join('; ')}` };
    skipped.push(probe.detail);
  }
  throw new UserError(`no backend can run a cluster here (${skipped.join('; ')})`);
}

export function describeSelection(selection: BackendSelection): string {
  return `backend: ${selection.backend} (${selection.reason})`;
}
