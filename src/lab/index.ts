export { defineLab, runLab, parseLabArgs, LabContext, LabFailure, type LabDefinition, type LabResult, type LabCheck, type LiveTable } from './runner.js';
export { MessageAudit, describeAudit, describeExactlyOnce, exactlyOnce, readStamp, type AuditReport, type Stamp } from './audit.js';
export { Timeline } from './timeline.js';
export { toJUnitXml, type JUnitCase } from './junit.js';
export { LABS, findLab, loadLab } from './registry.js';
export { labMain, isMain } from './main.js';
