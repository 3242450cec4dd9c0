/** yarn lab:NN [--verify] [--keep] [--backend auto|docker|jvm|embedded]  — or: tsx scripts/lab.ts <NN> ... */
import { UserError } from '../src/cluster/types.js';
import { findLab, labList, loadLab } from '../src/lab/registry.js';
import { labMain } from '../src/lab/main.js';

// package.json has one script per lab (lab:01 … lab:09), not a `lab` script that takes a number.
const HOW = '`yarn lab:NN [--verify] [--keep] [--backend auto|docker|jvm|embedded]`, e.g. `yarn lab:01`';

const [name, ...rest] = process.argv.slice(2);
try {
  if (!name || name.startsWith('-')) throw new UserError(`which lab? run ${HOW}; the labs are ${labList()}`, 2);
  const lab = await loadLab(findLab(name, `: run one with ${HOW}`));
  await labMain(lab, rest);
} catch (error) {
  if (error instanceof UserError) {
    process.stderr.write(`error: ${error.message}\n`);
    process.exit(error.exitCode);
  }
  throw error;
}
