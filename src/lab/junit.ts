/** A JUnit XML report (the format CI systems read). */
export interface JUnitCase {
  name: string;
  classname: string;
  timeMs: number;
  failure?: { message: string; details?: string };
  skipped?: string;
  systemOut?: string;
}

export function escapeXml(text: string): string {
  return (
    text
      // XML 1.0 forbids most control characters, even escaped; terminal output (ANSI) is full of them.
      // eslint-disable-next-line no-control-regex
      .replace(/\u001b\[[0-9;]*[A-Za-z]/g, '')
      // eslint-disable-next-line no-control-regex
      .replace(/[\u0000-\u0008\u000b\u000c\u000e-\u001f\ufffe\uffff]/g, '')
      .replace(/&/g, '&amp;')
      .replace(/</g, '&lt;')
      .replace(/>/g, '&gt;')
      .replace(/"/g, '&quot;')
      .replace(/'/g, '&apos;')
  );
}

export function toJUnitXml(suiteName: string, cases: JUnitCase[], timestamp = new Date()): string {
  const failures = cases.filter((c) => c.failure).length;
  const skipped = cases.filter((c) => !c.failure && c.skipped !== undefined).length;
  const total = cases.reduce((t, c) => t + c.timeMs, 0);
  const secs = (ms: number) => (ms / 1000).toFixed(3);
  const lines = [
    '<?xml version="1.0" encoding="UTF-8"?>',
    `<testsuites name="${escapeXml(suiteName)}" tests="${cases.length}" failures="${failures}" errors="0" skipped="${skipped}" time="${secs(total)}">`,
    `  <testsuite name="${escapeXml(suiteName)}" tests="${cases.length}" failures="${failures}" errors="0" skipped="${skipped}" time="${secs(total)}" timestamp="${timestamp.toISOString()}">`,
  ];
  for (const c of cases) {
    const open = `    <testcase name="${escapeXml(c.name)}" classname="${escapeXml(c.classname)}" time="${secs(c.timeMs)}"`;
    const body: string[] = [];
    if (c.failure) {
      body.push(`      <failure message="${escapeXml(c.failure.message)}">${escapeXml(c.failure.details ?? c.failure.message)}</failure>`);
    } else if (c.skipped !== undefined) {
      body.push(`      <skipped message="${escapeXml(c.skipped)}"/>`);
    }
    if (c.systemOut) body.push(`      <system-out>${escapeXml(c.systemOut)}</system-out>`);
    lines.push(body.length ? `${open}>\n${body.join('\n')}\n    </testcase>` : `${open}/>`);
  }
  lines.push('  </testsuite>', '</testsuites>', '');
  return lines.join('\n');
}
