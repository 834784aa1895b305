import { parseActionReference, type Step } from '@kact/model';
import type { Plan, PlannedJob } from '@kact/core';
import { composeBackend, type Backend } from '../composition.js';
import { readKactConfig } from '../config/kact-config.js';
import { planInputs, readRunInputs, type CommonFlags } from '../run-inputs.js';
import { checkRuntimeFlags } from '../runtime/runtime-flags.js';
import { wholeNumberFlag } from '../whole-number-flag.js';
import type { ExecuteFlags, Terminal } from './execute-run.js';

export interface RunFlags extends CommonFlags, ExecuteFlags {
  dryRun: boolean;
  config?: string;
}

function describeStep(step: Step, defaultShell: string | undefined): string {
  const label = step.name ?? step.id ?? (step.kind === 'run' ? step.run.split('\n')[0]!.trim() : step.uses);
  if (step.kind === 'run') return `run (${step.shell ?? defaultShell ?? 'bash'}): ${label}`;
  const ref = parseActionReference(step.uses);
  const kind = ref.kind === 'local' ? 'local action' : ref.kind === 'docker' ? 'docker image' : 'remote action';
  return `${kind} ${step.uses}${label === step.uses ? '' : `: ${label}`}`;
}

function describeJob(j: PlannedJob): string[] {
  const lines = [`job ${j.job.id} (${j.workflow.file})${j.needs.length ? `, needs ${j.job.needs.join(', ')}` : ''}`];
  const strategy = [j.failFast ? 'fail-fast' : 'no fail-fast', ...(j.maxParallel ? [`max-parallel ${j.maxParallel}`] : [])];
  if (j.legs === 'deferred') {
    lines.push('  matrix and runs-on read needs outputs: expanded when the needed jobs have run');
  } else {
    if (j.legs.length > 1) lines.push(`  matrix: ${j.legs.length} legs (${strategy.join(', ')})`);
    for (const leg of j.legs) {
      const runsOn = leg.runsOn ? ` on ${leg.runsOn.labels.join(', ')} → ${leg.runsOn.image ?? 'no image mapped: skipped (map it with -P label=image)'}` : '';
      lines.push(`  - ${leg.name}${runsOn}`);
    }
  }
  if (j.job.kind === 'call') {
    const callee = j.job.workflow ? `jobs ${j.job.workflow.jobs.map((c) => c.id).join(', ')}` : 'remote, loaded when run';
    lines.push(`  calls ${j.job.uses} (${callee})`);
    return lines;
  }
  if (j.job.container) lines.push(`  container: ${typeof j.job.container === 'string' ? j.job.container : j.job.container.image}`);
  for (const [id, service] of Object.entries(j.job.services)) lines.push(`  service ${id}: ${service.image}`);
  const shell = j.job.defaults.run?.shell ?? j.workflow.defaults.run?.shell;
  j.job.steps.forEach((s, i) => lines.push(`  ${i + 1}. ${describeStep(s, shell)}`));
  return lines;
}

/**
 * `kact run`: runs the jobs on the cluster and resolves with the exit code; with `--dry-run`,
 * prints the plan, stage by stage, with legs, images and steps.
 */
export async function runCommand(flags: RunFlags, terminal: Terminal): Promise<number> {
  const inputs = await readRunInputs(flags);
  checkRuntimeFlags(flags);
  wholeNumberFlag('--concurrent-jobs', flags.concurrentJobs);
  // Modules and plugins are loaded and checked before anything else, also for --dry-run.
  const composed = await composeBackend({
    dryRun: flags.dryRun,
    ...(flags.kubeconfig ? { kubeconfig: flags.kubeconfig } : {}),
    ...(flags.context ? { context: flags.context } : {}),
    ...(flags.namespace ? { namespace: flags.namespace } : {}),
    ...(flags.strategy ? { strategy: flags.strategy } : {}),
    ...(flags.toolCachePvc ? { toolCachePvc: flags.toolCachePvc } : {}),
    plugins: flags.plugin,
    platform: flags.platform,
    cwd: process.cwd(),
    repoRoot: inputs.repoRoot,
    config: await readKactConfig(inputs.repoRoot, flags.config),
  });
  const plan = planInputs(inputs, flags, 'run', composed.containers);
  if (plan.jobs.length === 0) {
    terminal.write(`no workflow in ${inputs.workflowsPath} is triggered by '${inputs.event}'\n`);
    return 0;
  }
  if (!flags.dryRun) {
    // What runs jobs on the cluster (the Kubernetes client, the runtime services) loads only now.
    const { executeRun } = await import('./execute-run.js');
    return executeRun(inputs, plan, flags, composed, terminal);
  }
  terminal.write(`${describePlan(inputs.event, plan, composed)}\n`);
  return 0;
}

function describePlan(event: string, plan: Plan, composed: Backend): string {
  const modules = Object.entries(composed.modules).map(([token, name]) => `${token} ${name}`);
  const out = [`event ${event}: ${plan.jobs.length} job(s) in ${plan.stages.length} stage(s)`, `modules: ${modules.join(', ')}`];
  plan.stages.forEach((stage, i) => {
    out.push('', `stage ${i}`);
    for (const j of stage) out.push(...describeJob(j));
  });
  return out.join('\n');
}
