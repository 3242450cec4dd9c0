/** yarn bench [--quick] [--json] [--produce-only] [--messages N] [--cpu-prof DIR]: see docs/bench.md */
import { join } from 'node:path';
import { parseArgs, runMain } from '../src/cli/index.js';
import { PROJECT_ROOT } from '../src/cluster/home.js';
import { runBench } from '../bench/run.js';
import { renderTable, writeReport } from '../bench/report.js';

await runMain(async () => {
  const args = parseArgs({
    boolean: ['quick', 'json', 'produce-only'],
    string: ['cpu-prof', 'messages'],
    usage: 'yarn bench [--quick] [--json] [--produce-only] [--messages N] [--cpu-prof DIR]',
  });
  // --json keeps stdout to the one object; progress goes to stderr either way
  const log = (line: string) => process.stderr.write(line + '\n');
  const result = await runBench({
    quick: Boolean(args.quick),
    produceOnly: Boolean(args['produce-only']),
    ...(args.messages ? { messages: Number(args.messages) } : {}),
    ...(args['cpu-prof'] ? { cpuProfDir: String(args['cpu-prof']) } : {}),
    log,
    root: PROJECT_ROOT,
  });
  const report = writeReport(result, join(PROJECT_ROOT, 'bench', 'results'));
  if (args.json) process.stdout.write(JSON.stringify(result) + '\n');
  else process.stdout.write(`\n${renderTable(result)}\n\nreport: ${report}\n`);
  return 0;
});
