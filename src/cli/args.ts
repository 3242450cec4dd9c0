/** argv parsing for the scripts: zx's minimist, plus unknown-option checks and typed helpers. */
import { minimist } from 'zx';
import { UserError } from '../cluster/types.js';
import { BACKEND_NAMES, type BackendChoice, type Profile } from '../cluster/types.js';

export interface ArgSpec {
  string?: string[];
  boolean?: string[];
  alias?: Record<string, string>;
  default?: Record<string, unknown>;
  /** usage line shown by --help and in unknown-option errors */
  usage: string;
}

export type ParsedArgs = minimist.ParsedArgs;

/**
 * Parse argv (default: process.argv.slice(2)). Unknown `--options` are a UserError; `--help` prints usage and exits 0.
 * `--` is tolerated (npm run passes it through in some versions).
 */
export function parseArgs(spec: ArgSpec, args: string[] = process.argv.slice(2)): ParsedArgs {
  const known = new Set<string>(['help', 'h', ...(spec.string ?? []), ...(spec.boolean ?? [])]);
  for (const [from, to] of Object.entries(spec.alias ?? {})) {
    known.add(from);
    known.add(to);
  }
  const unknown: string[] = [];
  // `--rate -3`: minimist would read -3 as an option of its own; a value-taking option keeps it as its value, so the
  // check of that value says what is wrong ("--rate must be a positive number") instead of "unknown option -3".
  const valued = new Set(spec.string ?? []);
  const joined: string[] = [];
  for (const arg of args.filter((a) => a !== '--')) {
    const prev = joined.at(-1);
    if (prev !== undefined && /^-\d/.test(arg) && /^--?[^=]+$/.test(prev) && valued.has(prev.replace(/^-+/, ''))) joined[joined.length - 1] = `${prev}=${arg}`;
    else joined.push(arg);
  }
  const parsed = minimist(joined, {
    string: spec.string ?? [],
    boolean: ['help', ...(spec.boolean ?? [])],
    alias: { h: 'help', ...(spec.alias ?? {}) },
    default: spec.default ?? {},
    unknown: (arg: string) => {
      if (arg.startsWith('-')) {
        const name = arg.replace(/^-+/, '').split('=')[0]!;
        if (!known.has(name) && !(name.startsWith('no-') && known.has(name.slice(3)))) unknown.push(arg);
      }
      return true;
    },
  });
  if (parsed.help) {
    process.stdout.write(`usage: ${spec.usage}\n`);
    process.exit(0);
  }
  if (unknown.length > 0) throw new UserError(`unknown option ${unknown[0]} (usage: ${spec.usage})`, 2);
  return parsed;
}

export function profileArg(value: unknown): Profile | undefined {
  if (value === undefined || value === '' || value === true) return undefined;
  if (value === 'single' || value === 'multi') return value;
  throw new UserError(`unknown profile "${String(value)}": use --profile single or --profile multi`, 2);
}

export function backendArg(value: unknown): BackendChoice | undefined {
  if (value === undefined || value === '' || value === true) return undefined;
  if (value === 'auto' || (BACKEND_NAMES as readonly unknown[]).includes(value)) return value as BackendChoice;
  throw new UserError(`unknown backend "${String(value)}": use --backend auto, ${BACKEND_NAMES.join(', ')}`, 2);
}

/** A positive integer positional, e.g. the broker id of `broker:kill 2`. */
export function brokerIdArg(value: unknown, usage: string): number {
  if (value === undefined) throw new UserError(`which broker? (usage: ${usage})`, 2);
  const id = Number(value);
  if (!Number.isInteger(id) || id < 0) throw new UserError(`"${String(value)}" is not a broker id (usage: ${usage})`, 2);
  return id;
}
