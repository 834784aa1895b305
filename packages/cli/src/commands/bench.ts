import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { kactPodsOnNodes, needsCluster, parseScenarios, runBench, SCENARIOS, settleNodes, writeResults, type CliStartSettings, type StrategyTarget, type UnavailableStrategy } from '@kact/bench';
import { Cancellation } from '@kact/core';
import { checkReachable, ClusterUnreachableError, type KubeConnection } from '@kact/kubernetes';
import { InputError, isInputError } from '@kact/model';
import { composeBackend, type ClusterFlags } from '../composition.js';
import { emptyConfig } from '../config/kact-config.js';
import { EXAMPLE_REPO, KACT_BIN } from '../kact-bin.js';
import { registerRun, runScope } from '../run-registry.js';
import { wholeNumberFlag } from '../whole-number-flag.js';

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

/** Each sample waits for the nodes to let go of the pods of the runs before it (see node-settle.ts). */
const settleOn = (connection: KubeConnection, signal: AbortSignal) => () => settleNodes(kactPodsOnNodes(connection), { signal });

/**
 * The kact the `cli` and `kact-run` scenarios spawn: this kact's bin on kact's examples/hello, with
 * the bench's cluster flags as a user would type them (`run --dry-run` reads no kubeconfig).
 */
function kactProcess(flags: BenchFlags, scenarios: string): CliStartSettings {
  if (!existsSync(join(EXAMPLE_REPO, '.github', 'workflows'))) {
    throw InputError.at(`--scenarios ${scenarios}: reads the kact repository's examples/hello, which is not here (looked for ${EXAMPLE_REPO})`);
  }
  const runArgs = [
    ...(flags.kubeconfig ? ['--kubeconfig', flags.kubeconfig] : []),
    ...(flags.context ? ['--context', flags.context] : []),
    ...(flags.namespace ? ['--namespace', flags.namespace] : []),
  ];
  return { kactBin: KACT_BIN, repo: EXAMPLE_REPO, runArgs };
}

/**
 * `kact bench`: runs the benchmark scenarios under each strategy on the cluster, and the cli
 * scenario (kact's own start) on this machine, writes results.json, results.md and results.svg
 * into --out and prints the tables. The cluster is set up only for cluster scenarios; when it
 * does not answer and cli was asked for, cli still runs and the others are reported as not run.
 * Exit 1 when a run failed, a log lost bytes, no strategy could run or a scenario was not run.
 */
export async function benchCommand(flags: BenchFlags, io: BenchIo): Promise<number> {
  const scenarios = parseScenarios(flags.scenarios);
  const repeat = wholeNumberFlag('--repeat', flags.repeat);
  const concurrentJobs = wholeNumberFlag('--concurrent-jobs', flags.concurrentJobs);
  const names = [...new Set(flags.strategies.split(',').map((s) => s.trim()).filter(Boolean))];
  if (names.length === 0) throw InputError.at('--strategies: name at least one step strategy (exec, sidecar)');

  const cli = scenarios.includes('cli') ? kactProcess(flags, 'cli') : undefined;
  const spawned = scenarios.filter((name) => needsCluster(name) && SCENARIOS[name].kind === 'kact-run');
  const kact = spawned.length ? kactProcess(flags, spawned.join(',')) : undefined;
  const onCluster = scenarios.filter(needsCluster);

  let targets: StrategyTarget[] = [];
  let unavailable: UnavailableStrategy[] = [];
  /** Why the cluster scenarios do not run (only with cli: without it, that is an error as ever). */
  let clusterSkipped: string | undefined;
  if (onCluster.length > 0) {
    try {
      ({ targets, unavailable } = await openStrategies(names, flags));
      for (const u of unavailable) io.err(`strategy ${u.name} is unavailable, benchmarking without it: ${u.reason}`);
      if (targets.length === 0) {
        if (!cli) {
          io.err('no strategy could be set up: nothing to measure');
          return 1;
        }
        clusterSkipped = 'no strategy could be set up';
      } else await checkReachable(targets[0]!.connection);
    } catch (err) {
      if (!cli || !(err instanceof ClusterUnreachableError)) throw err;
      clusterSkipped = err.message;
    }
    if (clusterSkipped) {
      targets = [];
      io.err(`${clusterSkipped}: the cluster scenarios (${onCluster.join(', ')}) are not run, only cli`);
    }
  }
  const plan = [...(targets.length > 0 ? [`${onCluster.join(', ')} × ${targets.map((t) => t.name).join(', ')}`] : []), ...(cli ? ['cli'] : [])];
  io.err(`kact bench: ${plan.join('; ')}, ${repeat} repetition(s)`);

  const cancellation = new Cancellation();
  const onSignal = () => {
    if (cancellation.request() === 'cancelled') io.err('cancelling: the running scenario stops, results so far are written');
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  try {
    // Every target talks to the one cluster checked above (none: only cli runs, which starts no run).
    const scope = targets[0] ? runScope(targets[0].connection) : undefined;
    const results = await runBench({
      targets,
      unavailable,
      scenarios,
      repeat,
      concurrentJobs,
      cancellation,
      registerRun: (runId) => registerRun(runId, scope),
      ...(targets[0] ? { settle: settleOn(targets[0].connection, cancellation.signal) } : {}),
      progress: io.err,
      ...(cli ? { cli } : {}),
      ...(kact ? { kact } : {}),
      ...(clusterSkipped ? { clusterSkipped } : {}),
    });
    const written = await writeResults(results, resolve(flags.out));
    io.out(written.markdown);
    io.err(`wrote ${written.files.markdown}, ${written.files.json} and ${written.files.svg}`);
    const lostLog = written.summary.logChecks.some((c) => !c.check.ok);
    if (lostLog) io.err('LOG BYTES LOST: the 50 MB log did not arrive whole (see the notes above)');
    const cliFailed = (written.summary.cli?.failures.length ?? 0) > 0;
    return lostLog || written.summary.failures.length > 0 || cliFailed || results.skipped !== undefined || results.cancelled ? 1 : 0;
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
}
