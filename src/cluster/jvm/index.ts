/** The jvm backend as a BackendModule: real Kafka as local Java processes (./backend.ts). */
import { KAFKA_VERSION } from '../../common/kafka-version.js';
import type { BackendModule } from '../backend-module.js';
import type { Profile } from '../types.js';
import { JvmBackend, runningNodeIds } from './backend.js';
import { probeJava } from './java.js';
import { runtimeDir, runtimeState } from './runtime.js';

export { JvmBackend } from './backend.js';

export const jvmBackend: BackendModule = {
  name: 'jvm',
  async running(ctx) {
    for (const profile of ['single', 'multi'] as Profile[]) {
      if (runningNodeIds(ctx.home, profile).length > 0) {
        return { profile, detail: `Kafka ${KAFKA_VERSION} (${profile}) is running on the jvm backend` };
      }
    }
    return null;
  },
  async probe(ctx) {
    const java = probeJava(ctx.env);
    if (!java.ok) return { usable: false, detail: java.problem };
    const runtime = runtimeState(runtimeDir(KAFKA_VERSION, ctx.env));
    if (runtime.kind !== 'installed') {
      return { usable: false, detail: `Java ${java.java.major} is here but Kafka ${KAFKA_VERSION} is not installed (\`yarn kafka:install\` to use it)` };
    }
    return { usable: true, detail: `Java ${java.java.major} and Kafka ${KAFKA_VERSION} are installed` };
  },
  async open(profile, ctx) {
    return new JvmBackend({ profile, home: ctx.home, env: ctx.env, log: ctx.log });
  },
};
