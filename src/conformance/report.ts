/** Drawing a run: the live table while it runs, the summary after, the one-line-per-pair log for CI. */
import { formatTable } from '../cli/table.js';
import { c } from '../cli/ansi.js';
import { show } from './normalise.js';
import type { PairResult, Report, SideResult } from './run.js';

const seconds = (ms: number) => `${(ms / 1000).toFixed(1)} s`;

function sideCell(r: PairResult, side: SideResult | undefined): string {
  if (r.verdict === 'skipped') return c.dim('–');
  if (!side) return r.verdict === 'running' ? c.yellow('running') : c.dim('pending');
  return side.error ? c.red(`stopped ${seconds(side.ms)}`) : seconds(side.ms);
}

export function verdictCell(r: PairResult): string {
  switch (r.verdict) {
    case 'match':
      return c.green('match');
    case 'known':
      return c.yellow(`known divergence (${r.differences.length})`);
    case 'differs':
      return (r.level === 'must-match' ? c.red : c.yellow)(`differs (${r.differences.length})`);
    case 'skipped':
      return c.dim(`skipped: ${r.skipped}`);
    default:
      return '';
  }
}

export function liveTable(results: PairResult[]): string[] {
  return formatTable(
    ['scenario', 'client', 'level', 'embedded', 'kafka 4.4.0 (jvm)', { header: 'verdict', maxWidth: 70 }],
    results.map((r) => [r.scenario, r.client, r.level === 'must-match' ? 'must' : 'info', sideCell(r, r.embedded), sideCell(r, r.jvm), verdictCell(r)]),
  ).split('\n');
}

/** One plain line per finished pair (CI logs, pipes). */
export function pairLine(r: PairResult): string {
  const sides = r.embedded && r.jvm ? `  embedded ${seconds(r.embedded.ms)}, jvm ${seconds(r.jvm.ms)}` : '';
  return `${r.scenario} × ${r.client}: ${verdictCell(r)}${sides}`;
}

/** What differs, step by step, under the table. */
export function differencesText(report: Report): string {
  const lines: string[] = [];
  for (const r of report.results) {
    if (r.differences.length === 0) continue;
    lines.push(`${c.bold(`${r.scenario} × ${r.client}`)} (${r.level}${r.verdict === 'known' ? ', known' : ''})`);
    for (const d of r.differences) {
      lines.push(`  ${d.step}${d.known ? c.dim(' [known]') : ''}`);
      lines.push(`    embedded:    ${show(d.embedded)}`);
      lines.push(`    kafka 4.4.0: ${show(d.jvm)}`);
    }
  }
  for (const k of report.noLongerDiffering) lines.push(c.green(`known divergence no longer seen: ${k.scenario}${k.client ? ` × ${k.client}` : ''} (${k.embedded}): remove it from src/conformance/known-divergences.ts`));
  return lines.join('\n');
}

export function summaryLine(report: Report): string {
  const count = (v: string) => report.results.filter((r) => r.verdict === v).length;
  const failing = report.results.filter((r) => r.level === 'must-match' && r.verdict === 'differs').length;
  return `${report.results.length} scenario × client pairs in ${seconds(report.ms)} (clusters up in: embedded ${seconds(report.clusterStartMs.embedded)}, jvm ${seconds(report.clusterStartMs.jvm)}): ${count('match')} match, ${count('known')} known divergences, ${count('differs')} differ (${failing} must-match), ${count('skipped')} skipped`;
}
