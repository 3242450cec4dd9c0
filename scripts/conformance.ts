/** yarn conformance [--quick] [--only a,b] [--clients a,b] [--json] [--out FILE] [--write-docs] [--from FILE]: see README */
import { parseArgs, runMain } from '../src/cli/index.js';
import { conformance } from '../src/conformance/main.js';

await runMain(async () => {
  const args = parseArgs({
    boolean: ['quick', 'json', 'write-docs'],
    string: ['only', 'clients', 'out', 'from'],
    usage: 'yarn conformance [--quick] [--only scenario,…] [--clients kafkajs,kcat,kafka-python,java,franz-go,raw] [--json] [--out report.json] [--write-docs] [--from report.json]',
  });
  return conformance({ only: args.only, clients: args.clients, quick: Boolean(args.quick), json: Boolean(args.json), out: args.out, writeDocs: Boolean(args['write-docs']), from: args.from });
});
