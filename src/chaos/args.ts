import { UserError } from '../cluster/types.js';

/** "60s", "2m", "1h", "1500ms" or a bare number of seconds → ms. */
export function parseDuration(text: string): number {
  const m = /^(\d+(?:\.\d+)?)(ms|s|m|h)?$/.exec(text.trim());
  if (!m) throw new UserError(`--duration "${text}" is not a duration: use e.g. 60s, 10m or 1h`, 2);
  const n = Number(m[1]);
  const ms = n * { ms: 1, s: 1000, m: 60_000, h: 3_600_000 }[(m[2] ?? 's') as 'ms' | 's' | 'm' | 'h'];
  if (!(ms > 0)) throw new UserError(`--duration must be longer than 0`, 2);
  return ms;
}

/** A non-negative integer option, e.g. --faults or --seed. */
export function intOption(name: string, value: unknown, min = 0): number | undefined {
  if (value === undefined || value === '') return undefined;
  const n = Number(value);
  if (!Number.isInteger(n) || n < min) throw new UserError(`--${name} must be a whole number${min > 0 ? ` ≥ ${min}` : ''} (got "${String(value)}")`, 2);
  return n;
}
