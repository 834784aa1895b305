export { composeReporters } from './compose.js';
export { ConsoleReporter, STATUS_INTERVAL_MS, type ConsoleReporterOptions } from './console-reporter.js';
export { JsonReporter, JSON_REPORT_VERSION, toJsonReport } from './json-reporter.js';
export { JUnitReporter, toJUnitXml } from './junit-reporter.js';
export { formatDuration, stripAnsi } from './format.js';
export { maskDeep } from './mask-deep.js';
