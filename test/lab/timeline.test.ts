import { describe, expect, it } from 'vitest';
import { Timeline } from '../../src/lab/timeline.js';

describe('Timeline', () => {
  it('draws bars per interval with a gap and markers under their interval', () => {
    const t0 = 1_000_000;
    const tl = new Timeline(['acked', 'consumed'], 500, t0);
    for (let i = 0; i < 20; i++) {
      if (i >= 8 && i < 12) continue; // a 2 s hole
      tl.count('acked', 10, t0 + i * 500 + 10);
      tl.count('consumed', 10, t0 + i * 500 + 20);
    }
    tl.mark('K', 'kill broker 2', t0 + 8 * 500 + 5);
    tl.mark('E', 'new leader 3', t0 + 12 * 500 + 5);
    tl.end(t0 + 20 * 500);
    const lines = tl.render({ width: 80, height: 2 });
    const text = lines.join('\n');
    expect(text).toContain('acked');
    expect(text).toContain('consumed');
    // top row of the acked chart: full blocks except the 4 empty intervals
    const top = lines[0]!;
    const bars = top.slice(top.indexOf('│') + 1, top.lastIndexOf('│'));
    expect(bars).toBe('█'.repeat(8) + ' '.repeat(4) + '█'.repeat(8));
    const events = lines.find((l) => l.trim().startsWith('events'))!;
    const row = events.slice(events.indexOf('│') + 1, events.lastIndexOf('│'));
    expect(row.indexOf('K')).toBe(8);
    expect(row.indexOf('E')).toBe(12);
    expect(text).toMatch(/K\s+4(\.0)?s\s+kill broker 2/);
    expect(tl.longestGapMs('acked', t0, t0 + 10_000)).toBe(2000);
  });

  it('merges intervals to fit the width', () => {
    const t0 = 0;
    const tl = new Timeline(['acked'], 100, t0);
    for (let i = 0; i < 400; i++) tl.count('acked', 1, t0 + i * 100);
    const lines = tl.render({ width: 60, height: 1 });
    const bars = lines[0]!.slice(lines[0]!.indexOf('│') + 1, lines[0]!.lastIndexOf('│'));
    expect(bars.length).toBeLessThanOrEqual(60);
    expect(bars.length).toBeGreaterThan(20);
  });

  it('rejects an unknown series', () => {
    expect(() => new Timeline(['acked']).count('nope')).toThrow(/unknown/);
  });
});
