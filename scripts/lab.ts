/** yarn lab:NN [--verify] [--keep] [--backend docker|embedded|auto]  — or: tsx scripts/lab.ts <NN> ... */
import { UserError } from '../src/cluster/types.js';
import { findLab, loadLab } from '../src/lab/registry.js';
import { labMain } from '../src/lab/main.js';

const [name, ...rest] = process.argv.slice(2);
try {
  if (!name || name.startsWith('-')) throw new UserError('which lab? usage: yarn lab <NN> [--verify] [--keep] [--backend docker|embedded|auto]', 2);
  const lab = await loadLab(findLab(name));
  await labMain(lab, rest);
} catch (error) {
  if (error instanceof UserError) {
    process.stderr.write(`error: ${error.message}\n`);
    process.exit(error.exitCode);
  }
  throw error;
}
