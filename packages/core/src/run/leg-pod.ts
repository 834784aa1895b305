import { createHash } from 'node:crypto';
import type { Contexts, EvaluationOptions, Value } from '@kact/expressions';
import type { JobPodRequest } from '../backend/job-backend.js';
import { POD_PATHS } from '../backend/pod-paths.js';
import { SecretMasker } from '../output/secret-masker.js';
import { defaultJobEnv, runnerContext } from './default-env.js';
import { secretEnvThroughSecret } from './job-masking.js';
import { dnsLabel, jobPodRequest } from './job-pod-request.js';
import type { JobLeg, JobRunOptions } from './job-runner.js';
import type { JobRef } from './run-events.js';
import { evaluateMinutes, evaluateStrings } from './step-values.js';

const DEFAULT_JOB_TIMEOUT_MS = 360 * 60_000;

/** What a leg's contexts and env evaluate to before its pod exists. */
export interface LegContexts {
  ref: JobRef;
  github: Record<string, Value>;
  contexts: Contexts;
  evaluation: EvaluationOptions;
  env: Record<string, string>;
  timeoutMs: number;
}

export function legRef(leg: JobLeg): JobRef {
  const { planned } = leg;
  return { key: leg.total > 1 ? `${planned.key}[${leg.index}]` : planned.key, name: leg.leg.name, workflow: planned.workflow.name };
}

/** The leg's contexts, its env (workflow's, then job's) and its timeout; throws what an expression in them throws. */
export function legContexts(options: JobRunOptions, leg: JobLeg): LegContexts {
  const { planned } = leg;
  const job = planned.job;
  const evaluation: EvaluationOptions = { status: 'success', workspace: options.repoRoot };
  const github: Record<string, Value> = { ...(options.contexts.github as Record<string, Value>), job: job.id, workflow: planned.workflow.name, workspace: POD_PATHS.workspace };
  const contexts: Contexts = {
    ...options.contexts,
    github,
    matrix: leg.leg.matrix,
    needs: leg.needs as unknown as Value,
    strategy: { 'fail-fast': planned.failFast, 'job-index': leg.index, 'job-total': leg.total, 'max-parallel': planned.maxParallel ?? leg.total },
    runner: runnerContext(options.debug),
    job: { status: 'success' },
  };
  const workflowEnv = { ...(options.contexts.env as Record<string, string>), ...evaluateStrings(planned.workflow.env, { ...contexts, env: {} }, evaluation) };
  let env = { ...workflowEnv, ...evaluateStrings(job.env, { ...contexts, env: workflowEnv }, evaluation) };
  // act sets ACT=true where workflows can see it: in the env context too.
  if (options.actCompat) env = { ACT: 'true', ...env };
  const timeoutMs = evaluateMinutes(job.timeoutMinutes, { ...contexts, env }, evaluation) ?? DEFAULT_JOB_TIMEOUT_MS;
  return { ref: legRef(leg), github, contexts, evaluation, env, timeoutMs };
}

/** A masker of the run's secrets (a job's adds its own values: ::add-mask::, its runtime token). */
export function runSecretsMasker(options: Pick<JobRunOptions, 'secrets'>): SecretMasker {
  const masker = new SecretMasker();
  for (const value of Object.values(options.secrets)) masker.add(value);
  return masker;
}

/** The leg's pod name: the key's hash keeps names apart when two reusable-workflow calls run jobs of the same id. */
export function legPodName(options: JobRunOptions, leg: JobLeg, ref: JobRef, suffix = ''): string {
  return `${dnsLabel(`kact-${options.runId}-${leg.planned.job.id}`, 50)}-${createHash('sha256').update(ref.key).digest('hex').slice(0, 6)}${suffix}`;
}

/**
 * What the backend is asked for (before the strategy adds its own): container and service env
 * and options holding a secret go through the job's Secret, not the ConfigMap or the pod spec.
 */
export function legPodRequest(options: JobRunOptions, leg: JobLeg, evaluated: LegContexts, image: string, name: string, masker: SecretMasker, warn: (warning: string) => void): JobPodRequest {
  const job = leg.planned.job;
  const podRequest = jobPodRequest({
    runId: options.runId,
    name,
    job,
    image,
    jobEnv: defaultJobEnv(evaluated.github, job.id, options),
    secrets: options.jobSecrets,
    labels: { 'kact.dev/job': dnsLabel(job.id) },
    contexts: { ...evaluated.contexts, env: evaluated.env },
    evaluation: evaluated.evaluation,
    ...(leg.leg.runsOn?.placement ? { placement: leg.leg.runsOn.placement } : {}),
    timeoutMs: evaluated.timeoutMs,
  });
  return secretEnvThroughSecret(podRequest, (value) => masker.mask(value) !== value, warn);
}
