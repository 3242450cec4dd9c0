/** The embedded backend as a BackendModule: the kit's own Kafka-compatible cluster in a background Node process. */
import { existsSync } from 'node:fs';
import type { BackendModule } from '../backend-module.js';
import { embeddedPaths, pidAlive, readDaemonInfo } from './daemon-files.js';

export const embeddedBackend: BackendModule = {
  name: 'embedded',
  async running(ctx) {
    // The daemon's pid file, without asking it anything: this must be cheap.
    const file = embeddedPaths(ctx.home).daemonJson;
    if (!existsSync(file)) return null;
    const info = readDaemonInfo(file);
    return info && pidAlive(info.pid) ? { profile: info.profile, detail: `an embedded ${info.profile} cluster is running` } : null;
  },
  async probe() {
    return { usable: true, detail: '' }; // it needs nothing: the reasons the others gave say why it was chosen
  },
  async open(profile, ctx) {
    const { EmbeddedBackend } = await import('./backend.js');
    return new EmbeddedBackend({ profile, log: ctx.log, home: ctx.home });
  },
};
