/** Turning `--only`, `--clients` and `--quick` into the scenarios and clients of a run; bad names are one line. */
import { UserError } from '../common/user-error.js';
import { SCENARIOS } from './scenarios/index.js';
import { CLIENT_NAMES, type ClientName, type Scenario } from './types.js';

const list = (value: unknown): string[] => (value === undefined || value === '' ? [] : String(value).split(',').map((s) => s.trim()).filter(Boolean));

export interface Selection {
  scenarios: Scenario[];
  clients: ClientName[];
  quick: boolean;
}

export function select(options: { only?: unknown; clients?: unknown; quick?: boolean }): Selection {
  const only = list(options.only);
  for (const name of only) {
    if (!SCENARIOS.some((s) => s.name === name)) throw new UserError(`unknown scenario ${name}: the scenarios are ${SCENARIOS.map((s) => s.name).join(', ')}`, 2);
  }
  const clients = list(options.clients);
  for (const name of clients) {
    if (!(CLIENT_NAMES as readonly string[]).includes(name)) throw new UserError(`unknown client ${name}: the clients are ${CLIENT_NAMES.join(', ')}`, 2);
  }
  const quick = Boolean(options.quick);
  // --only names scenarios outright, the CI set included or not
  const scenarios = only.length > 0 ? SCENARIOS.filter((s) => only.includes(s.name)) : SCENARIOS.filter((s) => !quick || s.quick);
  return { scenarios, clients: clients.length > 0 ? (clients as ClientName[]) : [...CLIENT_NAMES], quick };
}
