/**
 * What may legitimately differ between two Kafkas, removed before comparing: generated ids (member ids, cluster id,
 * producer ids), wall-clock timestamps, and exact durations (a Timing matches another within either's tolerance).
 */
import type { Observation, Timing } from './types.js';

/** Keys whose values are generated per run: only whether one was given is kept. */
const GENERATED = new Set(['memberId', 'clusterId', 'producerId']);
const WALL_CLOCK = new Set(['timestamp', 'lastFetchTimestamp', 'lastCaughtUpTimestamp', 'throttleTimeMs']);

export function isTiming(value: unknown): value is Timing {
  return typeof value === 'object' && value !== null && 'ms' in value && 'toleranceMs' in value && Object.keys(value).length === 2;
}

export function normalise(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(normalise);
  if (isTiming(value)) return { ms: Math.round(value.ms), toleranceMs: value.toleranceMs };
  if (typeof value !== 'object' || value === null) return value;
  const out: Record<string, unknown> = {};
  for (const [key, v] of Object.entries(value)) {
    if (WALL_CLOCK.has(key)) continue;
    out[key] = GENERATED.has(key) && typeof v === 'string' ? (v === '' ? '' : '<generated>') : normalise(v);
  }
  return out;
}

export const normaliseAll = (observations: Observation[]): Observation[] => observations.map((o) => ({ step: o.step, value: normalise(o.value) }));

/** Two normalised values agree: equal, with timings within the larger tolerance. */
export function agree(a: unknown, b: unknown): boolean {
  if (isTiming(a) && isTiming(b)) return Math.abs(a.ms - b.ms) <= Math.max(a.toleranceMs, b.toleranceMs);
  if (Array.isArray(a) || Array.isArray(b)) return Array.isArray(a) && Array.isArray(b) && a.length === b.length && a.every((x, i) => agree(x, b[i]));
  if (typeof a === 'object' && a !== null && typeof b === 'object' && b !== null) {
    const keys = new Set([...Object.keys(a), ...Object.keys(b)]);
    return [...keys].every((k) => agree((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k]));
  }
  return a === b;
}

export interface Difference {
  step: string;
  embedded: unknown;
  jvm: unknown;
}

/** Step by step (observations in the order they were made; a step only one side reached differs too). */
export function compare(embedded: Observation[], jvm: Observation[]): Difference[] {
  const e = normaliseAll(embedded);
  const j = normaliseAll(jvm);
  const steps = [...new Set([...e.map((o) => o.step), ...j.map((o) => o.step)])];
  const at = (list: Observation[], step: string) => list.filter((o) => o.step === step).map((o) => o.value);
  const out: Difference[] = [];
  for (const step of steps) {
    const a = at(e, step);
    const b = at(j, step);
    if (!agree(a, b)) out.push({ step, embedded: a.length === 1 ? a[0] : a.length === 0 ? '(not reached)' : a, jvm: b.length === 1 ? b[0] : b.length === 0 ? '(not reached)' : b });
  }
  return out;
}

/** A value as one short line: timings as "at once" / "~3.0 s". */
export function show(value: unknown): string {
  if (isTiming(value)) return value.ms < 500 ? `at once (${Math.round(value.ms)} ms)` : `~${(value.ms / 1000).toFixed(1)} s`;
  if (typeof value === 'string') return value;
  if (Array.isArray(value)) return `[${value.map(show).join(', ')}]`;
  if (typeof value === 'object' && value !== null) return `{${Object.entries(value).map(([k, v]) => `${k}: ${show(v)}`).join(', ')}}`;
  return String(value);
}
