/** yarn kafka:lock: re-pin the jvm backend's Kafka runtime (maintainers; needs mvn). See src/cluster/jvm/lock.ts. */
import { runMain, step } from '../src/cli/index.js';
import { KAFKA_VERSION } from '../src/common/kafka-version.js';
import { buildLock, writeLock } from '../src/cluster/jvm/lock.js';
import { LOCK_FILE } from '../src/cluster/jvm/runtime.js';

await runMain(async () => {
  const lock = await step(`resolving Kafka ${KAFKA_VERSION} with mvn`, (h) => buildLock(KAFKA_VERSION, (line) => {
    const jar = /Downloaded from \S+: \S*\/([^/\s]+\.(?:jar|pom))/.exec(line);
    if (jar) h.update(jar[1]!);
  }));
  writeLock(lock);
  const mb = lock.artifacts.reduce((n, a) => n + a.size, 0) / 1e6;
  process.stdout.write(`${lock.artifacts.length} jars (${mb.toFixed(1)} MB) pinned in ${LOCK_FILE}\n`);
});
