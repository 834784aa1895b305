export { runBench, type BenchOptions, type BenchResults, type RawExecSamples, type RunSample, type StrategyTarget, type UnavailableStrategy } from './bench-run.js';
export { CLUSTER_SCENARIO_NAMES, needsCluster, parseScenarios, SCENARIO_NAMES, SCENARIOS, type ClusterScenarioName, type Metric, type ScenarioName } from './scenarios.js';
export { CLI_COMMANDS, CLI_METRICS, measureCliStart, timeProcess, type CliSample, type CliStartSettings } from './cli-start.js';
export { summarizeBench, summarizeCli, type BenchSummary, type CliRow, type CliSummary } from './summary.js';
export { percentile, summarize, type Summary } from './statistics.js';
export { renderCliTable, renderMarkdown, renderTable } from './report/markdown.js';
export { renderChart } from './report/svg-chart.js';
export { writeResults, type WrittenResults } from './report/write-results.js';
