import { HEALTH_CMD_ENV, optionsWithoutSecrets } from '../backend/docker-options.js';
import type { JobPodRequest, ContainerRequest } from '../backend/job-backend.js';
import { maskAnnotation } from '../output/annotations.js';
import type { Masker } from '../output/secret-masker.js';
import type { JobResult, StepResult } from './results.js';
import type { RunEvents } from './run-events.js';

const maskRecord = (values: Record<string, string>, masker: Masker) => Object.fromEntries(Object.entries(values).map(([k, v]) => [masker.mask(k), masker.mask(v)]));

/**
 * A step's result as reports show it, masked with the job's masker: it knows what the run's
 * reporters cannot, the values a step passed to `::add-mask::` and the job's runtime token, which
 * reach step outputs (`echo "token=$value" >> $GITHUB_OUTPUT`) and errors. The steps context keeps
 * the values themselves, as on GitHub, where step outputs are never shown.
 */
export function maskStepResult(step: StepResult, masker: Masker): StepResult {
  return {
    ...step,
    name: masker.mask(step.name),
    outputs: maskRecord(step.outputs, masker),
    annotations: step.annotations.map((a) => maskAnnotation(a, masker)),
    ...(step.error !== undefined ? { error: masker.mask(step.error) } : {}),
  };
}

/** A job's result with its steps, error and summary masked with the job's masker (see maskStepResult). */
export function maskJobResult(result: JobResult, masker: Masker): JobResult {
  return {
    ...result,
    steps: result.steps.map((s) => maskStepResult(s, masker)),
    summary: masker.mask(result.summary),
    ...(result.error !== undefined ? { error: masker.mask(result.error) } : {}),
  };
}

/** The job's events with what reaches reporters masked by the job's masker (log lines arrive masked already). */
export function maskJobEvents(events: RunEvents, masker: Masker): RunEvents {
  return {
    runStarted: (info) => events.runStarted?.(info),
    jobStarted: (job) => events.jobStarted?.(job),
    stepStarted: (job, step) => events.stepStarted?.(job, { ...step, name: masker.mask(step.name) }),
    stepLog: (job, step, line, group) => events.stepLog?.(job, step, line, group),
    jobInfo: (job, message) => events.jobInfo?.(job, masker.mask(message)),
    stepFinished: (job, step) => events.stepFinished?.(job, maskStepResult(step, masker)),
    jobFinished: (job, result) => events.jobFinished?.(job, maskJobResult(result, masker)),
    runFinished: (result) => events.runFinished?.(result),
  };
}

/**
 * Moves what holds a secret out of a job pod request's static env and container options into
 * the job's Secret. `container.env` and `services.<id>.env` are evaluated with the `secrets`
 * context (`POSTGRES_PASSWORD: ${{ secrets.DB }}`), both `options` with variables, inputs and
 * matrix values that may hold a secret's value; the EnvProvider delivers static env through a
 * ConfigMap or inline in the pod spec, and the backend writes what the options say into the pod
 * spec. Such a variable instead becomes a `secretEnv` reference to a key of the job's Secret,
 * named `kact.env.<container>.<variable>`, and such a health command is read from HEALTH_CMD_ENV,
 * under `kact.health.<container>` (never a secret's own name: those are identifiers, without
 * dots). `warn` hears of options dropped because no Secret can carry their value
 * (optionsWithoutSecrets).
 */
export function secretEnvThroughSecret(request: JobPodRequest, holdsSecret: (value: string) => boolean, warn: (message: string) => void = () => undefined): JobPodRequest {
  const secrets = { ...request.secrets };
  let movedAny = false;
  const move = (container: ContainerRequest): ContainerRequest => {
    const env: Record<string, string> = {};
    const secretEnv: Record<string, string> = { ...container.secretEnv };
    const fromSecret = (name: string, key: string, value: string) => {
      secrets[key] = value;
      secretEnv[name] = key;
    };
    // Options first: env: and secretEnv win over an option's --env, so those names never come from it.
    const options = optionsWithoutSecrets(container.options, holdsSecret, (name) => name in container.env || name in secretEnv);
    for (const [name, value] of Object.entries(options?.env ?? {})) fromSecret(name, `kact.env.${container.name}.${name}`, value);
    if (options?.healthCommand !== undefined) fromSecret(HEALTH_CMD_ENV, `kact.health.${container.name}`, options.healthCommand);
    for (const warning of options?.warnings ?? []) warn(`${container.name}: ${warning}`);
    let moved = options !== undefined;
    for (const [name, value] of Object.entries(container.env)) {
      if (!holdsSecret(value)) {
        env[name] = value;
        continue;
      }
      fromSecret(name, `kact.env.${container.name}.${name}`, value);
      moved = true;
    }
    if (!moved) return container;
    movedAny = true;
    const routed: ContainerRequest = { ...container, env, secretEnv };
    if (options?.options) routed.options = options.options;
    else if (options) delete routed.options;
    return routed;
  };
  const main = move(request.main);
  const services = request.services.map((s) => {
    const container = move(s.container);
    return container === s.container ? s : { ...s, container };
  });
  const extra = request.extra.map(move);
  return movedAny ? { ...request, main, services, extra, secrets } : request;
}
