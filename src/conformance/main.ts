/** `yarn conformance`: select, run with a live table (or plain lines), print what differs, write docs or JSON. */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { liveAllowed, openRegion } from '../common/terminal.js';
import { UserError } from '../common/user-error.js';
import { jvmProblem } from './backends.js';
import { writeFidelityDoc } from './fidelity-doc.js';
import { differencesText, liveTable, pairLine, summaryLine } from './report.js';
import { failing, rejudge, runConformance, type PairResult, type Report } from './run.js';
import { SCENARIOS } from './scenarios/index.js';
import { select, type Selection } from './select.js';

export interface ConformanceArgs {
  only?: unknown;
  clients?: unknown;
  quick?: boolean;
  json?: boolean;
  /** write the JSON report to this file as well */
  out?: string;
  writeDocs?: boolean;
  /** judge a saved JSON report (`--out`) again instead of running */
  from?: string;
}

function readReport(file: string): Report {
  try {
    return JSON.parse(readFileSync(file, 'utf8')) as Report;
  } catch (error) {
    throw new UserError(`cannot read the report ${file} (${(error as Error).message}): write one with \`yarn conformance --out ${file}\``);
  }
}

async function run(selection: Selection, stream: NodeJS.WriteStream, json: boolean): Promise<Report> {
  const problem = jvmProblem();
  if (problem) throw new UserError(problem);
  const live = liveAllowed(stream) && !json ? openRegion(stream) : null;
  const printed = new Set<PairResult>();
  try {
    return await runConformance({
      ...selection,
      log: (line) => stream.write(`${line}\n`),
      onUpdate(results) {
        if (live) return live.set(liveTable(results));
        for (const r of results) {
          if (printed.has(r) || r.verdict === 'pending' || r.verdict === 'running') continue;
          printed.add(r);
          stream.write(`${pairLine(r)}\n`);
        }
      },
    });
  } finally {
    live?.close('keep');
  }
}

export async function conformance(args: ConformanceArgs): Promise<number> {
  const selection = select(args);
  if (args.writeDocs && (selection.quick || args.only || args.clients)) throw new UserError('--write-docs needs a full run: drop --quick, --only and --clients', 2);
  const stream = process.stderr;
  const report = args.from ? rejudge(readReport(args.from), SCENARIOS) : await run(selection, stream, Boolean(args.json));
  if (args.out) {
    mkdirSync(dirname(args.out), { recursive: true });
    writeFileSync(args.out, JSON.stringify(report, null, 2) + '\n');
  }
  if (args.json) process.stdout.write(JSON.stringify(report) + '\n');
  else {
    const diffs = differencesText(report);
    if (diffs) process.stdout.write(`\n${diffs}\n`);
    process.stdout.write(`\n${summaryLine(report)}\n`);
  }
  if (args.writeDocs) stream.write(`wrote ${writeFidelityDoc(report)}\n`);
  const bad = failing(report);
  if (bad.length > 0) {
    stream.write(`must-match scenarios differ: ${bad.map((r) => `${r.scenario} × ${r.client}`).join(', ')}\n`);
    return 1;
  }
  return 0;
}
