/** yarn bench [--quick] [--json] [--produce-only] [--messages N] [--backends embedded,jvm,docker] [--labs embedded,jvm,docker] [--cpu-prof DIR]: see docs/bench.md */
import { join } from 'node:path';
import { parseArgs, runMain } from '../src/cli/index.js';
import { PROJECT_ROOT } from '../src/cluster/home.js';
import { runBench } from '../bench/run.js';
import type { BackendName } from '../bench/backends.js';
import { UserError } from '../src/common/user-error.js';
import { renderTable, writeReport } from '../bench/report.js';

await runMain(async () => {
  const args = parseArgs({
    boolean: ['quick', 'json', 'produce-only'],
    string: ['cpu-prof', 'messages', 'labs', 'backends'],
    usage: 'yarn bench [--quick] [--json] [--produce-only] [--messages N] [--backends embedded,jvm,docker] [--labs embedded,jvm,docker] [--cpu-prof DIR]',
  });
  // --json keeps stdout to the one object; progress goes to stderr either way
  const log = (line: string) => process.stderr.write(line + '\n');
  const backendList = (option: 'labs' | 'backends'): BackendName[] | undefined => {
    if (args[option] === undefined) return undefined;
    const list = String(args[option]).split(',').filter(Boolean);
    const unknown = list.find((b) => !['embedded', 'jvm', 'docker'].includes(b));
    if (unknown) throw new UserError(`--${option}: unknown backend "${unknown}" (embedded, jvm, docker)`);
    return list as BackendName[];
  };
  const labs = backendList('labs');
  const backends = backendList('backends');
  const messages = args.messages === undefined ? undefined : Number(args.messages);
  if (messages !== undefined && !(Number.isInteger(messages) && messages > 0)) throw new UserError(`--messages: "${args.messages}" is not a positive whole number`);
  const result = await runBench({
    quick: Boolean(args.quick),
    produceOnly: Boolean(args['produce-only']),
    ...(messages ? { messages } : {}),
    ...(labs ? { labs } : {}),
    ...(backends ? { backends } : {}),
    ...(args['cpu-prof'] ? { cpuProfDir: String(args['cpu-prof']) } : {}),
    log,
    root: PROJECT_ROOT,
  });
  const report = writeReport(result, join(PROJECT_ROOT, 'bench', 'results'), Boolean(args['produce-only'] || backends));
  if (args.json) process.stdout.write(JSON.stringify(result) + '\n');
  else process.stdout.write(`\n${renderTable(result)}\n\nreport: ${report}\n`);
  return 0;
});
