import { evaluateDeep, toRunnerString, type Contexts, type EvaluationOptions, type Value } from '@kact/expressions';
import { parseActionReference, type ContainerSpec, type Step, type StepsJob } from '@kact/model';
import type { ContainerRequest, JobPodRequest, ServiceRequest } from '../backend/job-backend.js';
import type { PodPlacement } from '../backend/pod-shapes.js';
import { isCheckout } from './checkout.js';
import { refuseNulBytes } from './nul-bytes.js';
import { evaluateStrings } from './step-values.js';

const asPort = (text: string | undefined) => {
  const port = Number(text);
  return Number.isInteger(port) && port > 0 && port < 65536 ? port : undefined;
};

/** The container port of a `ports:` entry (`6379`, `6379:6379`, `8080:80/tcp`, `127.0.0.1:8080:80`). */
export function containerPort(entry: string): number | undefined {
  return portMapping(entry)?.container;
}

/** A `ports:` entry as published port and container port; the container's own when none is published. */
export function portMapping(entry: string): { published: number; container: number } | undefined {
  const parts = entry.split('/')[0]!.split(':');
  const container = asPort(parts.pop());
  if (container === undefined) return undefined;
  return { published: (parts.length ? asPort(parts.pop()) : undefined) ?? container, container };
}

/** The registry host of an image reference, as Docker reads it: `docker.io` without one. */
export function registryOf(image: string): string {
  const first = image.split('/')[0]!;
  return image.includes('/') && (first.includes('.') || first.includes(':') || first === 'localhost') ? first : 'docker.io';
}

/** DNS-1123 label from any text: lower-case, `-` for the rest, at most `max` characters. */
export function dnsLabel(text: string, max = 63): string {
  const label = text.toLowerCase().replace(/[^a-z0-9-]+/g, '-').replace(/^-+|-+$/g, '').slice(0, max).replace(/-+$/, '');
  return label || 'x';
}

function containerSpec(raw: ContainerSpec | string | undefined, contexts: Contexts, options: EvaluationOptions) {
  if (raw === undefined) return undefined;
  const spec = typeof raw === 'string' ? { image: raw, env: {}, ports: [], volumes: [] } : raw;
  const image = toRunnerString(evaluateDeep(spec.image, contexts, options));
  if (!image) return undefined;
  const ports = ((evaluateDeep(spec.ports as Value, contexts, options) as Value[] | null) ?? [])
    .map((p) => portMapping(toRunnerString(p)))
    .filter((p): p is { published: number; container: number } => p !== undefined);
  return {
    image,
    env: evaluateStrings(spec.env, contexts, options),
    ports,
    ...(spec.options ? { options: toRunnerString(evaluateDeep(spec.options, contexts, options)) } : {}),
    credentials: spec.credentials,
  };
}

/**
 * Whether a job's steps may run a JavaScript action, as far as the workflow tells before the pod
 * exists: a `uses:` step other than `docker://` and `actions/checkout` (kact's own, no process).
 * What an action runs (node, composite, docker) is only known once it is resolved, after the pod
 * starts, so composite and docker actions count too: one of them may run node actions.
 */
export function mayRunJavaScript(steps: readonly Step[]): boolean {
  return steps.some((step) => {
    if (step.kind !== 'uses') return false;
    try {
      const reference = parseActionReference(step.uses);
      return reference.kind !== 'docker' && !isCheckout(reference);
    } catch {
      return false; // the step fails with the parse error and runs nothing
    }
  });
}

/**
 * The pod for one job leg: the main container (the runs-on image, or the job's `container:`),
 * a container per service, the static job env for the ConfigMap and the secrets for the Secret.
 */
export function jobPodRequest(args: {
  runId: string;
  name: string;
  job: StepsJob;
  image: string;
  jobEnv: Record<string, string>;
  secrets: Record<string, string>;
  labels: Record<string, string>;
  contexts: Contexts;
  evaluation: EvaluationOptions;
  placement?: PodPlacement;
  /** The job's timeout-minutes in milliseconds (JobPodRequest.timeoutMs). */
  timeoutMs?: number;
}): JobPodRequest {
  const { job, contexts, evaluation } = args;
  const container = containerSpec(job.container, contexts, evaluation);
  refuseNulBytes({ env: container?.env }, job.location);
  const main: ContainerRequest = {
    name: container ? 'job' : 'runner',
    image: container?.image ?? args.image,
    env: { ...args.jobEnv, ...container?.env },
    keepAlive: true,
    ...(container?.options ? { options: container.options } : {}),
  };
  // A service whose image evaluates to '' is left out, as GitHub does (e.g. `image: ${{ matrix.db }}`).
  const services: ServiceRequest[] = Object.entries(job.services).flatMap(([id, raw]) => {
    const spec = containerSpec(raw, contexts, evaluation);
    if (!spec) return [];
    refuseNulBytes({ env: spec.env }, job.location);
    return {
      id,
      ports: spec.ports,
      container: {
        name: `svc-${dnsLabel(id, 50)}`,
        image: spec.image,
        env: spec.env,
        ports: [...new Set(spec.ports.map((p) => p.container))],
        keepAlive: false,
        ...(spec.options ? { options: spec.options } : {}),
      },
    };
  });
  const withCredentials = [
    { image: main.image, credentials: container?.credentials },
    ...services.map((s) => ({ image: s.container.image, credentials: job.services[s.id]!.credentials })),
  ];
  const credentials = withCredentials
    .filter((c): c is { image: string; credentials: { username: string; password: string } } => Boolean(c.credentials?.username && c.credentials?.password))
    .map(({ image, credentials: c }) => ({
      server: registryOf(image),
      username: toRunnerString(evaluateDeep(c.username, contexts, evaluation)),
      password: toRunnerString(evaluateDeep(c.password, contexts, evaluation)),
    }));
  return {
    runId: args.runId,
    name: args.name,
    labels: args.labels,
    main,
    services,
    extra: [],
    // GitHub's runner runs a container job's JavaScript actions with its own node (/__e).
    ...(container && mayRunJavaScript(job.steps) ? { externals: true } : {}),
    secrets: args.secrets,
    ...(credentials.length ? { imagePullCredentials: credentials } : {}),
    ...(args.placement ? { placement: args.placement } : {}),
    ...(args.timeoutMs !== undefined ? { timeoutMs: args.timeoutMs } : {}),
  };
}
