#!/usr/bin/env node
// A stand-in for `kact run` in the kact-run scenarios' tests: answers by --strategy, after checking
// that it was given a git repository on main, and appends its arguments to $FAKE_KACT_LOG. For
// rss-20 it holds 64 MiB for 300 ms before exiting, memory its peak RSS must show.
import { execFileSync } from 'node:child_process';
import { appendFileSync, existsSync, writeFileSync } from 'node:fs';
import { basename, join } from 'node:path';

const args = process.argv.slice(2);
const flag = (name) => args[args.indexOf(name) + 1];
if (process.env.FAKE_KACT_LOG) appendFileSync(process.env.FAKE_KACT_LOG, `${JSON.stringify(args)}\n`);
const repo = flag('-C');
const strategy = flag('--strategy');
const branch = execFileSync('git', ['-C', repo, 'rev-parse', '--abbrev-ref', 'HEAD'], { encoding: 'utf8' }).trim();
if (branch !== 'main' || !existsSync(join(repo, '.github', 'workflows'))) {
  console.error(`not a repository with workflows on main: ${repo} (${branch})`);
  process.exit(2);
}
if (strategy === 'crash') {
  console.error('some output\nError: kaboom');
  process.exit(1);
}
const scenario = basename(repo);
const legs = { 'run-hello': 3, 'run-matrix-6': 6, 'rss-20': 20 }[scenario];
const job = (i, result, error) => ({ key: `j${i}`, jobId: 'j', name: `job ${i}`, workflow: 'w.yml', matrix: {}, result, outputs: {}, steps: [], durationMs: 10, summary: '', ...(error ? { error } : {}) });
const jobs = Array.from({ length: legs }, (_, i) => (strategy === 'short' && i === legs - 1 ? job(i, 'skipped') : strategy === 'broken' && i === 0 ? job(i, 'failure', 'pod gone') : job(i, 'success')));
const result = strategy === 'broken' ? 'failure' : 'success';
writeFileSync(flag('--json'), JSON.stringify({ version: 1, runId: `fake-${strategy}`, event: 'push', strategy, startedAt: '', durationMs: 10, result, jobs }));
// Filled, so every page is resident: VmHWM keeps them even once freed.
const held = scenario === 'rss-20' ? Buffer.alloc(64 * 1024 * 1024, 1) : undefined;
setTimeout(() => process.exit(result === 'success' ? 0 : 1), held ? 300 : 0);
