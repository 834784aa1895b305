import { resolve } from 'node:path';
import { parseScenarios, runBench, writeResults, type StrategyTarget, type UnavailableStrategy } from '@kact/bench';
import { Cancellation } from '@kact/core';
import { checkReachable } from '@kact/kubernetes';
import { InputError, isInputError } from '@kact/model';
import { composeBackend, type ClusterFlags } from '../composition.js';
import { emptyConfig } from '../config/kact-config.js';
import { registerRun } from '../run-registry.js';

export interface BenchFlags extends ClusterFlags {
  strategies: string;
  repeat: string;
  out: string;
  scenarios?: string;
  concurrentJobs: string;
}

export interface BenchIo {
  out: (text: string) => void;
  err: (text: string) => void;
}

function positive(flag: string, value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) throw InputError.at(`${flag} ${value}: must be a whole number of at least 1`);
  return n;
}

const messageOf = (err: unknown) => (isInputError(err) ? err.diagnostics.map((d) => d.message).join('; ') : err instanceof Error ? err.message : String(err));

/**
 * Sets up each named strategy as `kact run --strategy` would; a name that is not built in is
 * looked for as the package `@kact/strategy-<name>`. One that cannot be set up is reported and
 * left out, never fatal.
 */
async function openStrategies(names: string[], flags: BenchFlags): Promise<{ targets: StrategyTarget[]; unavailable: UnavailableStrategy[] }> {
  const cluster: ClusterFlags = {
    ...(flags.kubeconfig ? { kubeconfig: flags.kubeconfig } : {}),
    ...(flags.context ? { context: flags.context } : {}),
    ...(flags.namespace ? { namespace: flags.namespace } : {}),
  };
  // Scenarios are kact's own repositories: kact's default modules, no config file.
  const base = { ...cluster, platform: [], cwd: process.cwd(), repoRoot: process.cwd(), config: emptyConfig() };
  const targets: StrategyTarget[] = [];
  const unavailable: UnavailableStrategy[] = [];
  for (const name of names) {
    try {
      targets.push({ name, ...(await composeBackend({ ...base, strategy: name, plugins: [] })) });
    } catch (builtIn) {
      if (!isInputError(builtIn)) throw builtIn;
      try {
        targets.push({ name, ...(await composeBackend({ ...base, strategy: name, plugins: [`@kact/strategy-${name}`] })) });
      } catch (plugin) {
        unavailable.push({ name, reason: `${messageOf(builtIn)}; ${messageOf(plugin)}` });
      }
    }
  }
  return { targets, unavailable };
}

/**
 * `kact bench`: runs the benchmark scenarios under each strategy on the cluster, writes
 * results.json, results.md and results.svg into --out and prints the table. Exit 1 when a run
 * failed, a log lost bytes or no strategy could run.
 */
export async function benchCommand(flags: BenchFlags, io: BenchIo): Promise<number> {
  const scenarios = parseScenarios(flags.scenarios);
  const repeat = positive('--repeat', flags.repeat);
  const concurrentJobs = positive('--concurrent-jobs', flags.concurrentJobs);
  const names = [...new Set(flags.strategies.split(',').map((s) => s.trim()).filter(Boolean))];
  if (names.length === 0) throw InputError.at('--strategies: name at least one step strategy (exec, sidecar)');

  const { targets, unavailable } = await openStrategies(names, flags);
  for (const u of unavailable) io.err(`strategy ${u.name} is unavailable, benchmarking without it: ${u.reason}`);
  if (targets.length === 0) {
    io.err('no strategy could be set up: nothing to measure');
    return 1;
  }
  await checkReachable(targets[0]!.connection);
  io.err(`kact bench: ${scenarios.join(', ')} × ${targets.map((t) => t.name).join(', ')}, ${repeat} repetition(s)`);

  const cancellation = new Cancellation();
  const onSignal = () => {
    if (cancellation.request() === 'cancelled') io.err('cancelling: the running scenario stops, results so far are written');
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  try {
    const results = await runBench({ targets, unavailable, scenarios, repeat, concurrentJobs, cancellation, registerRun, progress: io.err });
    const written = await writeResults(results, resolve(flags.out));
    io.out(written.markdown);
    io.err(`wrote ${written.files.markdown}, ${written.files.json} and ${written.files.svg}`);
    const lostLog = written.summary.logChecks.some((c) => !c.check.ok);
    if (lostLog) io.err('LOG BYTES LOST: the 50 MB log did not arrive whole (see the notes above)');
    return lostLog || written.summary.failures.length > 0 || results.cancelled ? 1 : 0;
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
}
