/** The docker backend as a BackendModule: compose/*.yml on the Kafka image (./backend.ts). */
import type { BackendModule } from '../backend-module.js';
import { readCurrent } from '../home.js';
import { DockerBackend, imageHint } from './backend.js';

export const dockerBackend: BackendModule = {
  name: 'docker',
  async running(ctx) {
    // Only what cluster:up recorded: asking Docker about every project on every command would be slow.
    const current = readCurrent(ctx.home);
    if (current?.backend !== 'docker') return null;
    const docker = new DockerBackend({ profile: current.profile, home: ctx.home, log: () => {}, ...(ctx.runner ? { runner: ctx.runner } : {}) });
    return (await docker.isUp()) ? { profile: current.profile, detail: `a ${current.profile} cluster is running in Docker` } : null;
  },
  async probe(ctx) {
    const docker = new DockerBackend({ profile: 'single', home: ctx.home, log: () => {}, ...(ctx.runner ? { runner: ctx.runner } : {}) });
    let version: string;
    try {
      version = await docker.checkEngine();
    } catch (error) {
      return { usable: false, detail: (error as Error).message.split(':')[0]! };
    }
    try {
      if (await docker.imagePresent()) return { usable: true, detail: `Docker ${version} answers and ${docker.image} is present` };
    } catch {
      /* treat as absent */
    }
    return { usable: false, detail: `Docker ${version} answers but ${docker.image} is not here (${imageHint(docker.image)})` };
  },
  async open(profile, ctx) {
    return new DockerBackend({ profile, log: ctx.log, home: ctx.home, ...(ctx.runner ? { runner: ctx.runner } : {}) });
  },
};
