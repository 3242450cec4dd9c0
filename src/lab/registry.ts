/** The labs, in order. scripts/lab.ts and scripts/labs-verify.ts find them here. */
import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { UserError } from '../cluster/types.js';
import type { LabDefinition } from './runner.js';

export const PROJECT_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');

export interface LabEntry {
  id: string;
  slug: string;
  title: string;
}

export const LABS: LabEntry[] = [
  { id: '01', slug: 'first-message', title: 'First message' },
  { id: '02', slug: 'consumer-groups', title: 'Consumer groups' },
  { id: '03', slug: 'partitions-and-keys', title: 'Partitions and keys' },
  { id: '04', slug: 'offsets-and-replay', title: 'Offsets and replay' },
  { id: '05', slug: 'graceful-shutdown', title: 'Graceful shutdown' },
  { id: '06', slug: 'replication', title: 'Replication' },
  { id: '07', slug: 'leader-failover', title: 'Leader failover' },
  { id: '08', slug: 'losing-the-majority', title: 'Losing the majority' },
  { id: '09', slug: 'conduktor', title: 'Conduktor' },
  { id: '10', slug: 'exactly-once', title: 'Exactly-once' },
  { id: '11', slug: 'compaction', title: 'Compaction' },
];

export function labDir(entry: LabEntry): string {
  return join(PROJECT_ROOT, 'labs', `${entry.id}-${entry.slug}`);
}

/** "01 (first-message), 02 (consumer-groups), …" */
export function labList(): string {
  return LABS.map((l) => `${l.id} (${l.slug})`).join(', ');
}

/** Accepts "7", "07", "07-leader-failover" or "leader-failover". `hint` ends the error for an unknown lab. */
export function findLab(name: string, hint = ''): LabEntry {
  const n = name.trim().replace(/^labs\//, '').replace(/\/$/, '');
  const entry = LABS.find(
    (l) => l.id === n || l.id === n.padStart(2, '0') || `${l.id}-${l.slug}` === n || l.slug === n,
  );
  if (!entry) {
    throw new UserError(`unknown lab "${name}": the labs are ${labList()}${hint}`, 2);
  }
  return entry;
}

export async function loadLab(entry: LabEntry): Promise<LabDefinition> {
  const file = join(labDir(entry), 'lab.ts');
  if (!existsSync(file)) throw new UserError(`lab ${entry.id} has no lab.ts at ${file}`);
  const mod = (await import(pathToFileURL(file).href)) as { default?: LabDefinition };
  if (!mod.default) throw new UserError(`${file} does not export a lab (export default defineLab({...}))`);
  return mod.default;
}
