export { c, colorEnabled, visibleWidth, truncateVisible } from './ansi.js';
export { formatTable, createLiveView } from './table.js';
export type { Cell, ColumnSpec, TableOptions, LiveView, LiveOutput, LiveViewOptions } from './table.js';
export { step, info } from './progress.js';
export type { StepHandle, StepOutput } from './progress.js';
export { parseArgs, profileArg, backendArg, brokerIdArg } from './args.js';
export type { ArgSpec, ParsedArgs } from './args.js';
export { runMain, reportError } from './main.js';
export { describeError, exitCodeOf, UserError } from './errors.js';
