import { describe, expect, it } from 'vitest';
import { escapeXml, toJUnitXml } from '../../src/lab/junit.js';

describe('JUnit XML', () => {
  it('writes suites, cases, failures and escapes text', () => {
    const xml = toJUnitXml(
      'kafka-lab labs',
      [
        { name: 'lab 01 First message', classname: 'labs.01', timeMs: 1234 },
        { name: 'lab 07 <failover>', classname: 'labs.07', timeMs: 30_000, failure: { message: 'lost 3 & more', details: '\u001b[31mred\u001b[39m "x"' }, systemOut: 'a\u0007b' },
      ],
      new Date('2026-01-01T00:00:00Z'),
    );
    expect(xml.startsWith('<?xml version="1.0" encoding="UTF-8"?>')).toBe(true);
    expect(xml).toContain('<testsuites name="kafka-lab labs" tests="2" failures="1" errors="0" skipped="0" time="31.234">');
    expect(xml).toContain('<testcase name="lab 01 First message" classname="labs.01" time="1.234"/>');
    expect(xml).toContain('<testcase name="lab 07 &lt;failover&gt;" classname="labs.07" time="30.000">');
    expect(xml).toContain('<failure message="lost 3 &amp; more">red &quot;x&quot;</failure>');
    expect(xml).toContain('<system-out>ab</system-out>');
    expect(xml).toContain('timestamp="2026-01-01T00:00:00.000Z"');
    expect(xml.match(/<testcase /g)).toHaveLength(2);
  });

  it('escapes the five XML specials', () => {
    expect(escapeXml(`<a href="x">'&'</a>`)).toBe('&lt;a href=&quot;x&quot;&gt;&apos;&amp;&apos;&lt;/a&gt;');
  });
});
