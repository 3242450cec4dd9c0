/**
 * yarn kafka:install [--via auto|maven|download] [--force]
 * Puts the pinned Apache Kafka runtime in the cache (~/.cache/kafka-lab/kafka-<version>) for the jvm backend and the
 * local docker image. See src/cluster/jvm/install.ts for where the jars come from and how they are checked.
 */
import { info, parseArgs, runMain } from '../src/cli/index.js';
import { Progress } from '../src/common/progress.js';
import { UserError } from '../src/common/user-error.js';
import { type InstallVia, installRuntime } from '../src/cluster/jvm/install.js';
import { readLock } from '../src/cluster/jvm/runtime.js';

await runMain(async () => {
  const args = parseArgs({ string: ['via'], boolean: ['force'], usage: 'yarn kafka:install [--via auto|maven|download] [--force]' });
  const via = (args.via ?? 'auto') as InstallVia;
  if (!['auto', 'maven', 'download'].includes(via)) throw new UserError(`--via ${String(args.via)}: use auto, maven or download`, 2);
  const lock = readLock();
  const total = lock.artifacts.reduce((n, a) => n + a.size, 0);
  const progress = new Progress(`Kafka ${lock.kafkaVersion}`, { total, unit: 'bytes' });
  const started = Date.now();
  const result = await installRuntime({
    via,
    force: Boolean(args.force),
    lock,
    log: (line) => {
      progress.done();
      info(line);
    },
    onProgress: (p) => progress.tick(p.doneBytes, p.detail),
  }).finally(() => progress.done());
  if (result.already) info(`Kafka ${lock.kafkaVersion} is already installed in ${result.dir} (--force reinstalls)`);
  else info(`Kafka ${lock.kafkaVersion} installed in ${result.dir}: ${lock.artifacts.length} jars, ${(result.bytes / 1e6).toFixed(1)} MB, checked against their pinned SHA-256 (${result.source}, ${((Date.now() - started) / 1000).toFixed(1)}s)`);
});
