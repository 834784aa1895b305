export { runBench, type BenchOptions, type BenchResults, type RawExecSamples, type RunSample, type StrategyTarget, type UnavailableStrategy } from './bench-run.js';
export { parseScenarios, SCENARIO_NAMES, SCENARIOS, type Metric, type ScenarioName } from './scenarios.js';
export { summarizeBench, type BenchSummary } from './summary.js';
export { percentile, summarize, type Summary } from './statistics.js';
export { renderMarkdown, renderTable } from './report/markdown.js';
export { renderChart } from './report/svg-chart.js';
export { writeResults, type WrittenResults } from './report/write-results.js';
