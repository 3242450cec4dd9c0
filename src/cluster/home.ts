/**
 * Where kafka-lab keeps its state: KAFKA_LAB_HOME, else <project>/.kafka-lab (git-ignored).
 * `current.json` remembers which backend and profile `cluster:up` started, so `cluster:down`, `broker:kill 2`,
 * `cluster:status` and the labs find the running cluster without being told again.
 */
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { BACKEND_NAMES, type BackendName, type Profile } from './types.js';

/** The repository root (this file is src/cluster/home.ts). */
export const PROJECT_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');

export function labHome(env: NodeJS.ProcessEnv = process.env): string {
  return env.KAFKA_LAB_HOME ? resolve(env.KAFKA_LAB_HOME) : join(PROJECT_ROOT, '.kafka-lab');
}

export interface CurrentCluster {
  backend: BackendName;
  profile: Profile;
  since: string;
}

export function currentFile(home = labHome()): string {
  return join(home, 'current.json');
}

export function readCurrent(home = labHome()): CurrentCluster | null {
  const file = currentFile(home);
  if (!existsSync(file)) return null;
  try {
    const data = JSON.parse(readFileSync(file, 'utf8')) as Partial<CurrentCluster>;
    if (BACKEND_NAMES.includes(data.backend as BackendName) && (data.profile === 'single' || data.profile === 'multi')) {
      return { backend: data.backend as BackendName, profile: data.profile, since: data.since ?? '' };
    }
  } catch {
    // a torn or hand-edited file: treat as absent
  }
  return null;
}

export function writeCurrent(backend: BackendName, profile: Profile, home = labHome()): void {
  mkdirSync(home, { recursive: true });
  const data: CurrentCluster = { backend, profile, since: new Date().toISOString() };
  writeFileSync(currentFile(home), JSON.stringify(data, null, 2) + '\n');
}

export function clearCurrent(home = labHome()): void {
  rmSync(currentFile(home), { force: true });
}
