/** One Kafka version for the whole kit: every file that names one names src/common/kafka-version.ts's. */
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { KAFKA_VERSION, OFFICIAL_KAFKA_IMAGE } from '../../src/common/kafka-version.js';
import { DEFAULT_KAFKA_IMAGE } from '../../src/cluster/docker/backend.js';
import { PROJECT_ROOT } from '../../src/cluster/home.js';

const files = [
  ...['compose', 'conduktor', 'docs', '.github/workflows'].flatMap((dir) =>
    readdirSync(join(PROJECT_ROOT, dir))
      .filter((f) => /\.(ya?ml|md)$/.test(f))
      .map((f) => `${dir}/${f}`),
  ),
  'README.md',
  ...readdirSync(join(PROJECT_ROOT, 'labs')).map((l) => `labs/${l}/README.md`),
];

describe('the pinned Kafka version', () => {
  it('the docker backend defaults to the official image of that version', () => {
    expect(DEFAULT_KAFKA_IMAGE).toBe(OFFICIAL_KAFKA_IMAGE);
  });

  it.each(files)('%s names no other Kafka version', (file) => {
    let text: string;
    try {
      text = readFileSync(join(PROJECT_ROOT, file), 'utf8');
    } catch {
      return; // a lab without a README is another test's business
    }
    const named = [...text.matchAll(/(?:apache\/kafka:|kafka-lab\/kafka:|kafka_2\.13-|Kafka |kafka-clients )v?(\d+\.\d+\.\d+)\b/g)].map((m) => m[1]);
    for (const version of named) expect(`${file}: ${version}`).toBe(`${file}: ${KAFKA_VERSION}`);
  });

  it('the GitHub workflow pulls that image', () => {
    const workflow = readFileSync(join(PROJECT_ROOT, '.github/workflows/labs.yml'), 'utf8');
    expect(workflow).toContain(`KAFKA_IMAGE: ${OFFICIAL_KAFKA_IMAGE}`);
  });
});
