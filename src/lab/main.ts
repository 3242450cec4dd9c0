/** Command-line entry for one lab: parse flags, run, print, exit with the outcome. */
import { UserError } from '../cluster/types.js';
import { parseLabArgs, runLab, type LabDefinition } from './runner.js';

export async function labMain(def: LabDefinition, argv: string[] = process.argv.slice(2)): Promise<never> {
  let code = 1;
  try {
    const args = parseLabArgs(argv);
    if (args.rest.length > 0) throw new UserError(`unknown argument ${args.rest[0]}: use --verify, --keep, --backend auto|docker|jvm|embedded`, 2);
    const result = await runLab(def, {
      verify: args.verify,
      keep: args.keep,
      backend: args.backend,
      handleSignals: true,
      ...(process.env.KAFKA_LAB_RESULT_FILE ? { resultFile: process.env.KAFKA_LAB_RESULT_FILE } : {}),
    });
    // 130 after Ctrl-C, as a shell reports a command that SIGINT ended (the lab undid what it did first).
    code = result.interrupted ? 130 : result.ok ? 0 : 1;
  } catch (error) {
    if (error instanceof UserError) {
      process.stderr.write(`error: ${error.message}\n`);
      code = error.exitCode;
    } else {
      process.stderr.write(`${(error as Error)?.stack ?? String(error)}\n`);
      code = 1;
    }
  }
  process.exit(code);
}

/** True when this module is the script node was started with (for `tsx labs/NN-x/lab.ts`). */
export function isMain(importMetaUrl: string): boolean {
  const entry = process.argv[1];
  if (!entry) return false;
  const url = new URL(importMetaUrl);
  return decodeURIComponent(url.pathname) === entry || decodeURIComponent(url.pathname).replace(/\.ts$/, '') === entry.replace(/\.ts$/, '');
}
