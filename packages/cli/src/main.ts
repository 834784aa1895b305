import { Command, CommanderError } from 'commander';
import type { BenchFlags } from './commands/bench.js';
import type { ConformanceFlags } from './commands/conformance.js';
import type { Terminal } from './commands/execute-run.js';
import type { RunFlags } from './commands/run.js';
import type { ClusterFlags } from './composition.js';
import { loadCommands } from './commands/load.js';
import { collect, withCommonFlags } from './common-flags.js';
import { addEvalCommand } from './eval-command.js';
import type { CommonFlags } from './run-inputs.js';
import { versionLine } from './version.js';

// Only the program's definition is loaded up front. Each command's implementation, and what it
// pulls in (GitHub's workflow parser, the Kubernetes client, kact's modules, the bench and the
// conformance suite), is imported when that command runs: `kact --help` and `kact --version`
// read none of it, `kact list` and `kact run --dry-run` no Kubernetes client (see commands/load.ts).
// bench, cluster and conformance run for minutes and read files beside their modules: the built
// kact imports them from tsc's dist/commands/ (bundle.mjs).

export interface Io {
  out: (text: string) => void;
  err: (text: string) => void;
  /** Where live run output goes (stdout), and what kind of terminal it is. */
  terminal?: Terminal;
}

const withNewline = (text: string) => (text.endsWith('\n') ? text : `${text}\n`);

const processIo: Io = {
  out: (text) => process.stdout.write(withNewline(text)),
  err: (text) => process.stderr.write(withNewline(text)),
  terminal: {
    write: (text) => process.stdout.write(text),
    tty: process.stdout.isTTY === true,
    color: process.stdout.isTTY === true && !process.env.NO_COLOR,
    ...(process.stdout.columns ? { columns: process.stdout.columns } : {}),
  },
};

/** Builds the command tree; each action sets the exit code through `exit`. */
function buildProgram(io: Io, exit: (code: number) => void): Command {
  const terminal: Terminal = io.terminal ?? { write: io.out, tty: false, color: false };
  const program = new Command('kact')
    .description('Run GitHub Actions workflows on Kubernetes')
    .version(versionLine(), '-V, --version', 'print the version of kact and of the plugin contract it speaks')
    .option('--verbose', 'show stack traces of errors and more detail in run output')
    .exitOverride()
    .configureOutput({ writeOut: io.out, writeErr: io.err })
    .showHelpAfterError();

  withCommonFlags(program.command('list').description('list the jobs of the workflows')).action(async (flags: CommonFlags) => {
    const { listCommand } = await loadCommands.list();
    io.out(await listCommand(flags));
  });
  withCommonFlags(program.command('graph').description('draw the job graph')).action(async (flags: CommonFlags) => {
    const { graphCommand } = await loadCommands.graph();
    io.out(await graphCommand(flags));
  });
  withCommonFlags(program.command('run').description('run the workflows triggered by an event, each job as a pod'))
    .option('-n, --dry-run', 'print the plan without running anything', false)
    .option('--strategy <name>', 'how steps run in the pod: exec (one exec per step, the default) or sidecar (a container per step, no pods/exec); over the config file')
    .option('--plugin <package|path>', "load a plugin (an inversify ContainerModule): a package from the project's node_modules or a file (repeatable; after the config file's)", collect, [])
    .option('--config <file>', 'the kact config: modules per token, plugins (default: kact.config.yaml in the repository root, if there is one)')
    .option('--concurrent-jobs <n>', 'job legs running at once (up to n−1 more start their pods while they wait)', '4')
    .option('--json <file>', 'write the full result as JSON')
    .option('--junit <file>', 'write a JUnit XML report')
    .option('--actions-url <url>', 'base URL remote actions are cloned from', 'https://github.com')
    .option('--action-offline-mode', 'use only actions already in the action cache', false)
    .option('--action-cache-path <dir>', 'where remote actions are cached (default ~/.cache/kact/actions)')
    .option('--kubeconfig <file>', 'kubeconfig (default: $KUBECONFIG, ~/.kube/config, else the kube-local cluster)')
    .option('--context <name>', 'kubeconfig context')
    .option('--namespace <name>', 'namespace for job pods')
    .option('--tool-cache-pvc <claim>', 'mount this PersistentVolumeClaim as RUNNER_TOOL_CACHE (kept between runs)')
    .option('--debug', 'show each step, its redacted env and the workspace before it runs, and ::debug:: lines', false)
    .option('--act-compat', "act's defaults: ACT=true in every step's env", false)
    .option('--artifact-server-path <dir>', "where the run's artifacts (actions/upload-artifact) are kept: <dir>/<run id>/<name>.zip (default ~/.local/share/kact/artifacts)")
    .option('--cache-server-path <dir>', 'where the cache of actions/cache is kept between runs (default ~/.cache/kact/cache)')
    .option('--cache-max-size <size>', 'the cache size past which least recently used entries go', '10G')
    .option('--no-cache-server', 'serve no cache: actions/cache misses and saves nothing')
    .option('--runtime-route <route>', 'how job pods reach the artifact and cache services kact serves: tunnel (a relay pod and port-forward through the API server; any cluster), node (kact on a node of the cluster), auto (tunnel)', 'auto')
    .action(async (flags: RunFlags) => {
      const { runCommand } = await (flags.dryRun ? loadCommands.dryRun() : loadCommands.run());
      exit(await runCommand({ ...flags, verbose: program.opts().verbose === true }, terminal));
    });
  program
    .command('cluster')
    .description('the local Kubernetes cluster (tools/kube-local): up (build if needed, start), down, status')
    .argument('<action>', 'up, down or status')
    .action(async (action: string) => {
      const { clusterCommand } = await import('./commands/cluster.js');
      exit(await clusterCommand(action));
    });
  program
    .command('gc')
    .description("delete pods, ConfigMaps, Secrets and Services left by kact runs that are over")
    .option('--all', "also delete what runs unknown to this machine left (runs alive here, kact run or kact bench, are always kept)", false)
    .option('--kubeconfig <file>', 'kubeconfig')
    .option('--context <name>', 'kubeconfig context')
    .option('--namespace <name>', 'namespace')
    .action(async (flags: ClusterFlags & { all: boolean }) => {
      const { gcCommand } = await loadCommands.gc();
      io.out(await gcCommand(flags));
    });
  addEvalCommand(program, io.out);
  program
    .command('bench')
    .description("measure step strategies side by side on the cluster: per-step overhead, job start, matrix and log throughput, RSS; and kact's own start")
    .option('--strategies <names>', 'step strategies to compare, comma-separated (unavailable ones are reported and skipped)', 'exec,sidecar')
    .option('--repeat <n>', 'repetitions of every scenario under every strategy', '3')
    .option('--out <dir>', 'where results.md, results.json and results.svg go', 'bench-results')
    .option('--scenarios <names>', "comma-separated: steps, steps-30, steps-100, job-start (with a bare pod beside it), matrix, rss-20, env-500, log-50mb, run-hello, run-matrix-6 (whole `kact run`s, against act's figures) (on the cluster), cli (kact's own start: --help, --version, list, run --dry-run; no cluster) (default: all)")
    .option('--concurrent-jobs <n>', 'job legs running at once in the matrix scenarios', '4')
    .option('--kubeconfig <file>', 'kubeconfig')
    .option('--context <name>', 'kubeconfig context')
    .option('--namespace <name>', 'namespace for job pods')
    .action(async (flags: BenchFlags) => {
      const { benchCommand } = await import('./commands/bench.js');
      exit(await benchCommand(flags, io));
    });
  program
    .command('conformance')
    .description("run kact's conformance suite (@kact/conformance's cases) through this kact on the cluster and print the pass table; with --plugin, against your plugin")
    .option('--plugin <package|path>', "load a plugin in every case's run: a package from this folder's node_modules or a file (repeatable)", collect, [])
    .option('--strategy <name>', 'the step strategy of the one variant run without --variants (default: exec; with --plugin the variant is named plugin unless this names it)')
    .option('--variants <names>', 'comma-separated variants: exec, sidecar, env:inline, secrets:cluster, files:pvc, containers:runner-classes, services:pods, or a strategy a --plugin binds (default: exec)')
    .option('--filter <regex>', 'only the cases whose name matches')
    .option('--config <file>', "a kact config (modules, plugins) for every case's run, under each variant's own settings")
    .option('--kubeconfig <file>', 'kubeconfig (default: $KUBECONFIG, ~/.kube/config, else the kube-local cluster)')
    .option('--context <name>', 'kubeconfig context')
    .option('--namespace <name>', 'namespace for job pods')
    .option('--concurrency <n>', 'cases running at once', '2')
    .option('--keep-failures', 'keep the temp folder of every failed case (its path is in the table)', false)
    .option('--cluster <kind>', 'local: the kubeconfig flags, else the kube-local cluster; k3s: a throwaway k3s in Docker (testcontainers)', 'local')
    .option('--load-image <oci-archive>', 'with --cluster k3s: import this image archive into it (repeatable; e.g. the runner image tools/images builds)', collect, [])
    .action(async (flags: ConformanceFlags) => {
      const { conformanceCommand } = await import('./commands/conformance.js');
      exit(await conformanceCommand(flags, io));
    });
  return program;
}

/** Runs kact with the given arguments and returns the process exit code. */
export async function main(argv: string[], io: Io = processIo): Promise<number> {
  let code = 0;
  const program = buildProgram(io, (c) => (code = c));
  try {
    await program.parseAsync(argv, { from: 'user' });
    return code;
  } catch (err) {
    if (err instanceof CommanderError) return err.exitCode === 0 ? 0 : 2;
    // Only errors of a command's run come here: what they are made of (@kact/model) is loaded by then.
    const { describeError, exitCodeFor } = await loadCommands.errors();
    io.err(describeError(err, argv.includes('--verbose')));
    return exitCodeFor(err);
  }
}
