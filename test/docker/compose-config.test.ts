/**
 * Every compose file must pass Compose's own validation: `docker compose config` (v2) or `docker-compose config` (v1),
 * whichever is installed (no engine needed). Without either, one line says so and the suite skips.
 */
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { PROJECT_ROOT } from '../../src/cluster/home.js';
import { LOCAL_KAFKA_IMAGE, OFFICIAL_KAFKA_IMAGE } from '../../src/common/kafka-version.js';
import { composeFlavour } from '../../src/testing/containers.js';
import { sh } from './engine.js';

const flavour = composeFlavour();
if (!flavour) console.warn('test/docker/compose-config.test.ts: skipped: neither `docker compose` nor `docker-compose` is installed');

const files = [
  ...readdirSync(join(PROJECT_ROOT, 'compose')).filter((f) => /\.ya?ml$/.test(f)).map((f) => `compose/${f}`),
  ...readdirSync(join(PROJECT_ROOT, 'conduktor')).filter((f) => /\.ya?ml$/.test(f)).map((f) => `conduktor/${f}`),
];

describe.skipIf(!flavour)(`compose files validate (${flavour === 'v1' ? 'docker-compose' : 'docker compose'} config)`, () => {
  const base = flavour === 'v1' ? ['docker-compose'] : ['docker', 'compose'];

  it('finds the compose files', () => {
    expect(files).toEqual(expect.arrayContaining(['compose/single-broker.yml', 'compose/multi-broker.yml', 'conduktor/docker-compose.yml']));
  });

  for (const file of files) {
    it(`${file}${file.startsWith('conduktor/') ? ' (with and without --profile host)' : ''}`, () => {
      const variants = file.startsWith('conduktor/') ? [[], ['--profile', 'host']] : [[]];
      for (const extra of variants) {
        const r = sh([...base, ...extra, '-f', join(PROJECT_ROOT, file), 'config', '--quiet'], 60_000);
        expect(r.stderr.trim(), `${file} ${extra.join(' ')}`).toBe('');
        expect(r.code).toBe(0);
      }
      // and the rendered image honours KAFKA_IMAGE (the image built here, `yarn docker:image`, relies on it)
      if (file.startsWith('compose/')) {
        const { KAFKA_IMAGE: _unset, ...env } = process.env;
        const pinned = sh([...base, '-f', join(PROJECT_ROOT, file), 'config'], 60_000, env);
        expect(pinned.stdout).toContain(`image: ${OFFICIAL_KAFKA_IMAGE}`);
        const local = sh([...base, '-f', join(PROJECT_ROOT, file), 'config'], 60_000, { ...env, KAFKA_IMAGE: LOCAL_KAFKA_IMAGE });
        expect(local.stdout).toContain(`image: ${LOCAL_KAFKA_IMAGE}`);
      }
    }, 120_000);
  }
});
