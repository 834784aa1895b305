import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { homedir, tmpdir } from 'node:os';
import { delimiter, dirname, join } from 'node:path';
import { parse, stringify } from 'yaml';
import { BUILT_IN_VARIANTS, K3sProvider, loadCases, passTable, runConformance, variantsNamed, type CaseResult, type Cluster, type Variant } from '@kact/conformance';
import { checkReachable, connectToCluster, ClusterUnreachableError, type KubeConnection } from '@kact/kubernetes';
import { formatDiagnostic, InputError, isInputError } from '@kact/model';
import { clusterOptions, composeBackend, type ClusterFlags } from '../composition.js';
import { BUILT_IN_STRATEGIES } from '../config/built-in-modules.js';
import { emptyConfig, parseKactConfig, readKactConfig } from '../config/kact-config.js';
import { KACT_BIN } from '../kact-bin.js';
import { resolvePluginSpecifier } from '../plugin-loader.js';
import { wholeNumberFlag } from '../whole-number-flag.js';

export interface ConformanceFlags extends ClusterFlags {
  plugin: string[];
  strategy?: string;
  variants?: string;
  filter?: string;
  config?: string;
  concurrency: string;
  keepFailures: boolean;
  /** `local` (the kubeconfig flags, else kube-local) or `k3s` (a throwaway k3s in Docker). */
  cluster: string;
  /** With `--cluster k3s`: OCI archives to import into it (`--load-image`). */
  loadImage: string[];
}

export interface ConformanceIo {
  out: (text: string) => void;
  err: (text: string) => void;
}

/** This kact's own bin script: the suite spawns `node <bin> run …` per case. */
export { KACT_BIN };

const MARK = { pass: '✓', fail: '✗', 'n/a': 'n/a' } as const;

/** One line per finished case: `✓ step-outputs [exec] 4s`, with the run's strategy when a plugin changed it. */
export function progressLine(result: CaseResult, variant?: Variant): string {
  if (result.status === 'n/a') return `${MARK['n/a']} ${result.case} [${result.variant}]: ${result.problems[0] ?? 'not applicable'}`;
  const strategy = result.strategy && result.strategy !== (variant?.strategy ?? result.variant) ? ` (strategy ${result.strategy})` : '';
  return `${MARK[result.status]} ${result.case} [${result.variant}] ${(result.durationMs / 1000).toFixed(0)}s${strategy}`;
}

function caseFilter(filter: string | undefined): RegExp | undefined {
  if (filter === undefined) return undefined;
  try {
    return new RegExp(filter);
  } catch (err) {
    throw InputError.at(`--filter ${filter}: not a regular expression: ${(err as Error).message}`);
  }
}

/**
 * The user's `--config` as the object every case's run gets (written beside the case, which runs
 * in a temp folder): checked as `kact run` checks it, its plugins made absolute files.
 */
async function userConfig(file: string | undefined, cwd: string): Promise<{ raw: Record<string, unknown>; strategy?: string; plugins: number } | undefined> {
  if (file === undefined) return undefined;
  const checked = await readKactConfig(cwd, file);
  const raw = { ...((parse(await readFile(checked.file!, 'utf8')) ?? {}) as Record<string, unknown>) };
  if (checked.plugins.length) raw.plugins = checked.plugins.map(({ specifier, baseDir }) => resolvePluginSpecifier(specifier, { baseDir, projectDir: cwd }));
  delete raw.strategy; // every run gets --strategy, which wins anyway
  return { raw, ...(checked.strategy ? { strategy: checked.strategy } : {}), plugins: checked.plugins.length };
}

/** The columns: `--variants`, or one variant for `--strategy`/the plugins/the config, or exec. */
function chooseVariants(flags: ConformanceFlags, plugins: string[], config: Awaited<ReturnType<typeof userConfig>>): Variant[] {
  const withUser = (v: Variant): Variant => ({
    ...v,
    ...(plugins.length ? { plugins } : {}),
    ...(config ? { config: { ...config.raw, ...v.config } } : {}),
  });
  const pluggable = plugins.length > 0 || (config?.plugins ?? 0) > 0;
  if (flags.variants !== undefined) {
    if (flags.strategy !== undefined) throw InputError.at('--strategy and --variants: give one (each variant names its strategy)');
    const names = [...new Set(flags.variants.split(',').map((s) => s.trim()).filter(Boolean))];
    if (names.length === 0) throw InputError.at('--variants: name at least one variant');
    const known = [...BUILT_IN_VARIANTS.map((v) => v.name), ...Object.keys(BUILT_IN_STRATEGIES).filter((s) => !BUILT_IN_VARIANTS.some((v) => v.name === s))];
    const unknown = names.filter((n) => !known.includes(n));
    if (unknown.length && !pluggable) {
      throw InputError.at(`--variants: unknown variant ${unknown.join(', ')} (built in: ${known.join(', ')}; or a step strategy a --plugin binds)`);
    }
    return variantsNamed(names, plugins).map(withUser);
  }
  const strategy = flags.strategy ?? config?.strategy ?? 'exec';
  const named = flags.strategy ?? config?.strategy;
  if (pluggable) return [withUser({ name: named ?? 'plugin', strategy })];
  if (!BUILT_IN_STRATEGIES[strategy]) throw InputError.at(`--strategy ${strategy}: unknown; built in: ${Object.keys(BUILT_IN_STRATEGIES).join(', ')} (or load one with --plugin)`);
  return variantsNamed([strategy]).map(withUser);
}

/**
 * Composes every variant as its runs will (strategy, modules, plugins), so a bad plugin, an
 * unknown strategy or a bad module setting is exit 2 before any case runs. Talks to no API server.
 */
async function checkVariants(variants: Variant[], cluster: ClusterFlags, cwd: string): Promise<void> {
  for (const variant of variants) {
    try {
      const config = variant.config ? parseKactConfig(stringify(variant.config), join(cwd, `kact.config.yaml of variant ${variant.name}`)) : emptyConfig();
      await composeBackend({ ...cluster, strategy: variant.strategy, plugins: variant.plugins ?? [], platform: [], cwd, repoRoot: cwd, config });
    } catch (err) {
      if (!isInputError(err)) throw err;
      throw InputError.at(`variant ${variant.name}: ${err.diagnostics.map((d) => formatDiagnostic(d)).join('; ')}`);
    }
  }
}

/**
 * The cluster the cases run on, checked as `kact run` checks it (an unreachable one is exit 2,
 * with kact run's message). Every case's run gets `--kubeconfig`, so a KUBECONFIG of several
 * files is merged into a temp file for the suite's length.
 */
async function openCluster(flags: ClusterFlags): Promise<Cluster> {
  const options = clusterOptions(flags);
  let version: string;
  let connection: KubeConnection;
  try {
    connection = connectToCluster(options);
    version = await checkReachable(connection);
  } catch (err) {
    if (err instanceof ClusterUnreachableError) throw InputError.at(err.message);
    throw err;
  }
  const fromEnv = process.env.KUBECONFIG?.split(delimiter).filter(Boolean) ?? [];
  const home = join(homedir(), '.kube', 'config');
  let file = options.kubeconfig ?? (fromEnv.length === 1 ? fromEnv[0] : fromEnv.length === 0 && existsSync(home) ? home : undefined);
  let merged: string | undefined;
  if (file === undefined) {
    merged = await mkdtemp(join(tmpdir(), 'kact-conformance-kubeconfig-'));
    file = join(merged, 'config');
    await writeFile(file, connection.config.exportConfig(), { mode: 0o600 });
  }
  return {
    kubeconfig: file,
    ...(flags.context ? { context: flags.context } : {}),
    ...(flags.namespace ? { namespace: flags.namespace } : {}),
    description: `${connection.server} (context ${connection.context}, namespace ${connection.namespace}, ${version})`,
    stop: async () => {
      if (merged) await rm(merged, { recursive: true, force: true });
    },
  };
}

/**
 * `kact conformance`: kact's reference suite (@kact/conformance's cases) through this kact's
 * public CLI on the cluster, under the chosen variants; prints a line per finished case, then
 * the pass table. Exit 0 when nothing failed, 1 when a case failed, 2 for bad input.
 */
export async function conformanceCommand(flags: ConformanceFlags, io: ConformanceIo, options: { cwd?: string; kactBin?: string } = {}): Promise<number> {
  const cwd = options.cwd ?? process.cwd();
  const filter = caseFilter(flags.filter);
  const concurrency = wholeNumberFlag('--concurrency', flags.concurrency);
  // Each case runs in a temp folder: plugins are handed on as the files they resolve to here.
  const plugins = flags.plugin.map((specifier) => resolvePluginSpecifier(specifier, { baseDir: cwd, projectDir: cwd }));
  const config = await userConfig(flags.config, cwd);
  const variants = chooseVariants(flags, plugins, config);
  const cases = await loadCases(undefined, filter);
  if (cases.length === 0) throw InputError.at(`--filter ${flags.filter}: matches no case`);
  const clusterFlags: ClusterFlags = {
    ...(flags.kubeconfig ? { kubeconfig: flags.kubeconfig } : {}),
    ...(flags.context ? { context: flags.context } : {}),
    ...(flags.namespace ? { namespace: flags.namespace } : {}),
  };
  if (flags.cluster !== 'local' && flags.cluster !== 'k3s') throw InputError.at(`--cluster ${flags.cluster}: expected local or k3s`);
  if (flags.cluster === 'k3s' && (flags.kubeconfig || flags.context)) throw InputError.at('--cluster k3s starts its own cluster: drop --kubeconfig and --context');
  const cluster = flags.cluster === 'k3s' ? await new K3sProvider({ images: flags.loadImage }).start() : await openCluster(clusterFlags);
  try {
    await checkVariants(variants, clusterFlags, cwd);
    io.out(`kact conformance: ${cases.length} case(s) × ${variants.map((v) => v.name).join(', ')} on ${cluster.description}`);
    const byName = new Map(variants.map((v) => [v.name, v]));
    const results = await runConformance({
      variants,
      cluster,
      filter: (name) => cases.some((c) => c.name === name),
      concurrency,
      kactBin: options.kactBin ?? KACT_BIN,
      keepFailures: flags.keepFailures,
      onResult: (r) => io.out(progressLine(r, byName.get(r.variant))),
    });
    io.out(`\n${passTable(results)}`);
    return results.some((r) => r.status === 'fail') ? 1 : 0;
  } finally {
    await cluster.stop();
  }
}
