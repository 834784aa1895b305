import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { XMLValidator } from 'fast-xml-parser';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runBench, type BenchResults } from './bench-run.js';
import { CLI_COMMANDS, CLI_METRICS, measureCliStart, timeProcess } from './cli-start.js';
import { renderMarkdown } from './report/markdown.js';
import { renderChart } from './report/svg-chart.js';
import { summarizeBench } from './summary.js';

/** A stand-in for kact's bin: records its arguments, fails `list` when told to. */
const FAKE_BIN = `
import { appendFileSync } from 'node:fs';
appendFileSync(process.env.FAKE_KACT_LOG, JSON.stringify(process.argv.slice(2)) + '\\n');
if (process.argv[2] === 'list' && process.env.FAKE_KACT_FAIL_LIST) {
  console.error('some detail');
  console.error('error: no workflows at /nowhere');
  process.exit(2);
}
`;

let dir: string;
let bin: string;
let log: string;
const calls = async () => (await readFile(log, 'utf8')).trim().split('\n').map((l) => JSON.parse(l) as string[]);

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'kact-bench-cli-'));
  bin = join(dir, 'kact.mjs');
  log = join(dir, 'calls.log');
  await writeFile(bin, FAKE_BIN);
  process.env.FAKE_KACT_LOG = log;
});

afterAll(async () => {
  delete process.env.FAKE_KACT_LOG;
  delete process.env.FAKE_KACT_FAIL_LIST;
  await rm(dir, { recursive: true, force: true });
});

describe('the cli scenario', () => {
  it('times --help, --version, list and run --dry-run against the repository, with the goals of issue 15, after bare node', () => {
    const settings = { kactBin: '/k.js', repo: '/repo', runArgs: ['--kubeconfig', 'k'] };
    expect(CLI_COMMANDS.map((c) => c.argv(settings).join(' '))).toEqual(['-e 0', '/k.js --help', '/k.js --version', '/k.js list -C /repo', '/k.js run --dry-run -C /repo --kubeconfig k']);
    expect(CLI_METRICS.map((m) => [m.id, m.targets?.['*']])).toEqual([
      ['cli.node', undefined],
      ['cli.help', 150],
      ['cli.version', 150],
      ['cli.list', 300],
      ['cli.dry-run', 300],
    ]);
  });

  it('spawns each command once unmeasured, then in turn per round; a failure keeps its exit status and last stderr line', async () => {
    await rm(log, { force: true });
    process.env.FAKE_KACT_FAIL_LIST = '1';
    try {
      const samples = await measureCliStart({ kactBin: bin, repo: '/repo', spawns: 2 }, 3);
      const round = ['cli.node', 'cli.help', 'cli.version', 'cli.list', 'cli.dry-run'];
      expect(samples.map((s) => s.metric)).toEqual([...round, ...round]);
      expect(samples.every((s) => s.repetition === 3 && s.wallMs > 0)).toBe(true);
      expect(samples.filter((s) => !s.ok).map((s) => s.error)).toEqual(['exit 2: error: no workflows at /nowhere', 'exit 2: error: no workflows at /nowhere']);
      expect(samples.find((s) => s.ok)).not.toHaveProperty('error');
      expect(await calls()).toHaveLength(4 + 8); // the baseline runs no kact
    } finally {
      delete process.env.FAKE_KACT_FAIL_LIST;
    }
  });

  it('stops between spawns once cancelled', async () => {
    let left = 4;
    const samples = await measureCliStart({ kactBin: bin, repo: '/repo', spawns: 5 }, 1, () => left-- <= 0);
    expect(samples).toEqual([]);
  });

  it('reports a command that cannot start', async () => {
    const r = await timeProcess(join(dir, 'no-such-binary'), []);
    expect(r.error).toMatch(/ENOENT/);
  });

  it('runs in runBench without a strategy or cluster, and reports the cluster scenarios it could not run', async () => {
    const progress: string[] = [];
    const results = await runBench({
      targets: [],
      scenarios: ['steps', 'cli'],
      repeat: 2,
      concurrentJobs: 4,
      cli: { kactBin: bin, repo: '/repo', spawns: 1 },
      clusterSkipped: 'cannot reach Kubernetes API server https://x (context "c"): ECONNREFUSED',
      progress: (line) => progress.push(line),
    });
    expect(results.cli?.samples).toHaveLength(2 * 5);
    expect(results.cli).toMatchObject({ kactBin: bin, repo: '/repo', spawnsPerRepetition: 1 });
    expect(results.runs).toEqual([]);
    expect(results.cluster).toBeUndefined();
    expect(results.skipped).toEqual({ scenarios: ['steps'], reason: expect.stringContaining('ECONNREFUSED') });
    expect(progress).toHaveLength(2);
    expect(progress[0]).toMatch(/^\[1\/2\] cli: 5 spawns, median node \d+ ms, help \d+ ms, version \d+ ms, list \d+ ms, dry-run \d+ ms$/);

    const summary = summarizeBench(results);
    const md = renderMarkdown(summary, results);
    expect(md).not.toContain('| scenario | metric |');
    expect(md).toMatch(/\| `kact --help` \| ms \| [\d.]+ \| [\d.]+ \| [\d.]+ \| [\d.]+ \| 2 \| ≤ 150 ms: (met|\*\*MISSED\*\*) \|/);
    expect(md).toContain('- not run: steps: cannot reach Kubernetes API server');
    expect(md).toContain(`spawned as \`node ${bin} …\` 1 times per repetition`);
    const svg = renderChart(summary, 'x');
    expect(XMLValidator.validate(svg)).toBe(true);
    expect(svg).toContain("kact bench: kact's own start");
    expect(svg.match(/class="panel"/g)).toHaveLength(5);
  });

  it('marks failed spawns and a missed goal in the table and notes', () => {
    const host = { cpus: 2, node: 'v20', loadavgBefore: [1, 1, 1], loadavgAfter: [1, 1, 1] };
    const samples = [
      ...[90, 100, 110].map((wallMs) => ({ metric: 'cli.help', repetition: 1, ok: true, wallMs })),
      { metric: 'cli.list', repetition: 1, ok: true, wallMs: 400 },
      { metric: 'cli.list', repetition: 1, ok: false, wallMs: 50, error: 'exit 2: error: nope' },
    ];
    const results: BenchResults = { kind: 'kact-bench', version: 1, startedAt: 's', finishedAt: 'f', host, repeat: 1, concurrentJobs: 4, strategies: [], unavailable: [], scenarios: ['cli'], rawExec: [], runs: [], cli: { kactBin: '/k', repo: '/r', spawnsPerRepetition: 3, samples }, cancelled: false };
    const md = renderMarkdown(summarizeBench(results), results);
    expect(md).toContain('| `kact --help` | ms | 100 | 109 | 90.0 | 110 | 3 | ≤ 150 ms: met |');
    expect(md).toContain('| `kact list -C <repo>` | ms | 400 † | 400 † | 400 † | 400 † | 1 | ≤ 300 ms: **MISSED** |');
    expect(md).toContain('| `kact --version` | ms | not run | not run | not run | not run | 0 | ≤ 150 ms |');
    expect(md).toContain('| `node -e 0 (baseline: no kact)` | ms | not run | not run | not run | not run | 0 |  |');
    expect(md).toContain('- 1 repetition(s); 2 CPUs, Node v20;');
    expect(md).toContain('- † cli `kact list -C <repo>`: 1 of 2 spawns failed (left out), first in run 1: exit 2: error: nope');
  });
});
