import { readFileSync } from 'node:fs';
import { expect, it } from 'vitest';
import { advertisedVersions, handlers } from '../../src/broker/handlers/index.js';

it('the README lists exactly the APIs and versions the broker advertises', () => {
  const readme = readFileSync(new URL('../../README.md', import.meta.url), 'utf8');
  const table = readme.split('<!-- api-table:start -->')[1]!.split('<!-- api-table:end -->')[0]!;
  const rows = table
    .split('\n')
    .filter((line) => /^\| [A-Za-z]+ \| \d+ \|/.test(line))
    .map((line) => line.split('|').map((cell) => cell.trim()));
  const documented = rows.map(([, name, key, versions]) => `${name} ${key} ${versions}`);
  const advertised = advertisedVersions().map((v) => `${handlers.get(v.apiKey)!.name} ${v.apiKey} ${v.minVersion}–${v.maxVersion}`);
  expect(documented).toEqual(advertised);
});
