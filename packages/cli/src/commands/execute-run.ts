import { resolve } from 'node:path';
import {
  ActionStore,
  Cancellation,
  composeReporters,
  ConsoleReporter,
  defaultActionCacheDir,
  JsonReporter,
  JUnitReporter,
  newRunId,
  runPlan,
  SecretMasker,
  type RunEvents,
  type Plan,
} from '@kact/core';
import { checkReachable } from '@kact/kubernetes';
import type { Backend } from '../composition.js';
import { registerRun, runScope } from '../run-registry.js';
import { collectBeforeRun } from './gc.js';
import type { RunInputs } from '../run-inputs.js';
import { planMayUseRuntime, type RuntimeFlags } from '../runtime/runtime-flags.js';
import { startRunRuntime } from '../runtime/start-runtime.js';
import type { RunRuntime } from '../runtime/run-runtime.js';
import { wholeNumberFlag } from '../whole-number-flag.js';

export interface ExecuteFlags extends RuntimeFlags {
  strategy?: string;
  plugin: string[];
  concurrentJobs: string;
  json?: string;
  junit?: string;
  actionsUrl: string;
  actionOfflineMode: boolean;
  actionCachePath?: string;
  kubeconfig?: string;
  context?: string;
  namespace?: string;
  toolCachePvc?: string;
  debug: boolean;
  actCompat?: boolean;
  verbose?: boolean;
}

export interface Terminal {
  write: (text: string) => void;
  tty: boolean;
  color: boolean;
  columns?: number;
}

/** Ctrl-C / SIGTERM: the first cancels (always() and post steps still run), the second forces. */
function onSignals(cancellation: Cancellation, say: (text: string) => void): () => void {
  const handler = () => {
    const stage = cancellation.request();
    say(stage === 'cancelled' ? '\ncancelling: running steps stop, always() and post steps run; press Ctrl-C again to force\n' : '\nforcing: stopping everything and deleting the pods\n');
  };
  process.on('SIGINT', handler);
  process.on('SIGTERM', handler);
  return () => {
    process.off('SIGINT', handler);
    process.off('SIGTERM', handler);
  };
}

/** `kact run`: runs the plan's jobs as pods and reports; resolves with the exit code. */
export async function executeRun(inputs: RunInputs, plan: Plan, flags: ExecuteFlags, composed: Backend, terminal: Terminal): Promise<number> {
  const { backend, strategy, connection, containers } = composed;
  const runId = newRunId();
  const forget = registerRun(runId, runScope(connection));
  await checkReachable(connection);
  // What dead runs left goes while this one starts (it never fails the run; see collectBeforeRun).
  const collected = collectBeforeRun(connection);
  const secrets = await composed.secrets.load(inputs.secrets);
  const contexts = { ...inputs.contexts, secrets: { GITHUB_TOKEN: '', ...secrets } };

  const masker = new SecretMasker();
  for (const value of Object.values(secrets)) masker.add(value);
  const reporters: RunEvents[] = [
    new ConsoleReporter(terminal.write, { color: terminal.color, tty: terminal.tty, verbose: flags.verbose ?? false, masker, ...(terminal.columns ? { columns: terminal.columns } : {}) }),
  ];
  if (flags.json) reporters.push(new JsonReporter(resolve(flags.json), { masker }));
  if (flags.junit) reporters.push(new JUnitReporter(resolve(flags.junit), { masker }));

  const actions = new ActionStore({
    repoRoot: inputs.repoRoot,
    actionsUrl: flags.actionsUrl,
    cacheDir: flags.actionCachePath ? resolve(flags.actionCachePath) : defaultActionCacheDir(),
    offline: flags.actionOfflineMode,
  });
  const cancellation = new Cancellation();
  const stopListening = onSignals(cancellation, terminal.write);
  let runtime: RunRuntime | undefined;
  try {
    if (planMayUseRuntime(plan.jobs)) {
      const log = (line: string) => terminal.write(`kact: ${masker.mask(line)}\n`);
      runtime = startRunRuntime(flags, connection, runId, cancellation.signal, log);
      // Said once, whether or not a step needs the services (each that does fails with the reason).
      runtime.description().then(
        (where) => flags.verbose && terminal.write(`artifacts and cache served at ${where}\n`),
        (error: unknown) => log(`the artifact and cache services did not start: ${error instanceof Error ? error.message : String(error)}`),
      );
    }
    const collectedLine = await collected;
    if (collectedLine) terminal.write(`kact: ${collectedLine}\n`);
    const result = await runPlan(
      plan,
      { backend, strategy, actions, events: composeReporters(...reporters), ...(runtime ? { runtime } : {}) },
      {
        runId,
        repoRoot: inputs.repoRoot,
        debug: flags.debug || secrets.ACTIONS_STEP_DEBUG === 'true' || (inputs.contexts.vars as Record<string, string>).ACTIONS_STEP_DEBUG === 'true',
        actCompat: flags.actCompat === true,
        contexts,
        secrets,
        jobSecrets: composed.secrets.jobSecret(secrets),
        event: inputs.event,
        concurrentJobs: wholeNumberFlag('--concurrent-jobs', flags.concurrentJobs),
        containers,
        matrixFilter: inputs.matrixFilter,
      },
      cancellation,
    );
    if (runtime) await reportArtifacts(runtime, runId, terminal.write);
    return result.result === 'success' ? 0 : 1;
  } finally {
    await runtime?.close();
    stopListening();
    forget();
    // Sockets the run closed finish closing first (their shutdown is one turn of the loop away).
    if (flags.verbose) terminal.write(`kact: ${await new Promise<string>((r) => setTimeout(() => setImmediate(() => r(describeResources())), 100))}\n`);
  }
}

/**
 * Peak memory, and what is still open once the run has closed everything: a socket or timer
 * left here is a connection or watch the run leaked (stdio pipes and the terminal are kact's own).
 */
export function describeResources(): string {
  const peak = Math.round(process.resourceUsage().maxRSS / 1024);
  const open = new Map<string, number>();
  for (const kind of process.getActiveResourcesInfo()) if (!/^(TTYWrap|PipeWrap)$/.test(kind)) open.set(kind, (open.get(kind) ?? 0) + 1);
  const list = [...open].map(([kind, n]) => `${kind} ×${n}`).join(', ');
  return `peak RSS ${peak} MiB; open at the end: ${list || 'nothing'}`;
}

/** Where the run's artifacts are on this machine: the one place a user looks for them after the run. */
async function reportArtifacts(runtime: RunRuntime, runId: string, write: (text: string) => void): Promise<void> {
  const artifacts = await runtime.finishRun(runId);
  if (artifacts.length === 0) return;
  const size = (bytes: number) => (bytes >= 1024 * 1024 ? `${(bytes / 1024 / 1024).toFixed(1)} MB` : bytes >= 1024 ? `${(bytes / 1024).toFixed(1)} kB` : `${bytes} B`);
  write(`\nartifacts of this run (${artifacts.length}):\n`);
  for (const a of artifacts) write(`  ${a.name}  ${size(a.size)}  ${a.path}\n`);
}
