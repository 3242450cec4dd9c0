/** Bad input is one line; --quick and --only pick the right scenarios; --write-docs keeps the hand-written sections. */
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { BEGIN, END, writeFidelityDoc } from '../../src/conformance/fidelity-doc.js';
import type { Report } from '../../src/conformance/run.js';
import { plannedPairs } from '../../src/conformance/run.js';
import { SCENARIOS } from '../../src/conformance/scenarios/index.js';
import { select } from '../../src/conformance/select.js';

describe('selecting scenarios and clients', () => {
  it('names the valid choices when a scenario or client is unknown', () => {
    expect(() => select({ only: 'produce-consume,nope' })).toThrow(/^unknown scenario nope: the scenarios are produce-consume, /);
    expect(() => select({ clients: 'kafkajs,rust' })).toThrow(/^unknown client rust: the clients are kafkajs, kcat, kafka-python, java, franz-go, raw$/);
  });

  it('--quick runs the CI set with each scenario\'s quick clients; --only runs what it names', () => {
    const quick = select({ quick: true });
    expect(quick.scenarios.every((s) => s.quick)).toBe(true);
    expect(quick.scenarios.map((s) => s.name)).not.toContain('quorum-lost');
    const pairs = plannedPairs(quick).filter((p) => p.scenario === 'hw-under-min-isr');
    expect(pairs.map((p) => p.client)).toEqual(['kafkajs']);
    expect(select({ only: 'quorum-lost' }).scenarios.map((s) => s.name)).toEqual(['quorum-lost']);
    expect(plannedPairs(select({})).length).toBeGreaterThan(plannedPairs(quick).length);
  });

  it('every scenario has a unique name and at least one client', () => {
    expect(new Set(SCENARIOS.map((s) => s.name)).size).toBe(SCENARIOS.length);
    for (const s of SCENARIOS) expect(s.clients.length).toBeGreaterThan(0);
  });
});

describe('the generated section of docs/fidelity.md', () => {
  const report: Report = {
    kafkaVersion: '4.4.0',
    startedAt: '2026-12-02T00:00:00.000Z',
    ms: 1000,
    clusterStartMs: { embedded: 1, jvm: 2 },
    noLongerDiffering: [],
    results: [
      { scenario: 'fetch-wait', title: 'Fetch waits', level: 'must-match', client: 'raw', verdict: 'differs', differences: [{ step: 'minBytes=0', embedded: { ms: 3000, toleranceMs: 1000 }, jvm: { ms: 3, toleranceMs: 1000 } }] },
    ],
  };

  it('is replaced between its markers, and what is around it stays', () => {
    const file = join(mkdtempSync(join(tmpdir(), 'fidelity-')), 'fidelity.md');
    writeFileSync(file, '# Fidelity\n\nhand-written\n');
    writeFidelityDoc(report, file);
    const once = readFileSync(file, 'utf8');
    expect(once).toContain('hand-written');
    expect(once).toContain('| minBytes=0 | ~3.0 s | at once (3 ms) | not yet explained |');
    writeFileSync(file, once + '\n## After\n\nalso hand-written\n');
    writeFidelityDoc({ ...report, results: [] }, file);
    const twice = readFileSync(file, 'utf8');
    expect(twice.split(BEGIN).length).toBe(2);
    expect(twice).not.toContain('minBytes=0');
    expect(twice).toContain('also hand-written');
    expect(twice.indexOf(END)).toBeLessThan(twice.indexOf('## After'));
  });
});
