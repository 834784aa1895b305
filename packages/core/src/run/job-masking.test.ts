import { describe, expect, it } from 'vitest';
import type { JobPodRequest } from '../backend/job-backend.js';
import { SecretMasker } from '../output/secret-masker.js';
import { maskJobEvents, maskJobResult, secretEnvThroughSecret } from './job-masking.js';
import type { JobResult, StepResult } from './results.js';

const masker = new SecretMasker();
masker.add('s3cret-value');
masker.add('added-by-add-mask');

const step: StepResult = {
  index: 0,
  id: 'gen',
  name: 'gen',
  stage: 'main',
  outcome: 'failure',
  conclusion: 'failure',
  outputs: { token: 'added-by-add-mask', plain: 'hello', 'added-by-add-mask': 'as a name' },
  durationMs: 1,
  error: 'GITHUB_OUTPUT:1: s3cret-value',
  annotations: [{ level: 'warning', message: 'saw added-by-add-mask' }],
};

describe('job results as reports see them', () => {
  it("masks step outputs (names too), errors and annotations with the job's masker", () => {
    const job: JobResult = { key: 'a', jobId: 'a', name: 'a', workflow: 'ci.yml', matrix: {}, result: 'failure', outputs: {}, steps: [step], durationMs: 1, error: 'in s3cret-value', summary: 'sum added-by-add-mask' };
    const masked = maskJobResult(job, masker);
    expect(masked.steps[0]!.outputs).toEqual({ token: '***', plain: 'hello', '***': 'as a name' });
    expect(masked.steps[0]!.error).toBe('GITHUB_OUTPUT:1: ***');
    expect(masked.steps[0]!.annotations).toEqual([{ level: 'warning', message: 'saw ***' }]);
    expect(masked.error).toBe('in ***');
    expect(masked.summary).toBe('sum ***');
    // The result the steps context reads is left alone.
    expect(step.outputs.token).toBe('added-by-add-mask');
  });

  it('masks what reaches reporters through the events: finished steps and job messages', () => {
    const seen: unknown[] = [];
    const events = maskJobEvents({ stepFinished: (_job, s) => seen.push(s.outputs), jobInfo: (_job, m) => seen.push(m) }, masker);
    const ref = { key: 'a', name: 'a', workflow: 'ci' };
    events.stepFinished!(ref, step);
    events.jobInfo!(ref, 'gen: added-by-add-mask failed');
    expect(seen).toEqual([{ token: '***', plain: 'hello', '***': 'as a name' }, 'gen: *** failed']);
  });
});

describe('secretEnvThroughSecret', () => {
  const request: JobPodRequest = {
    runId: 'r',
    name: 'pod',
    labels: {},
    main: { name: 'job', image: 'i', env: { PLAIN: 'x', C_SECRET: 'pre-s3cret-value' }, keepAlive: true },
    services: [{ id: 'db', ports: [], container: { name: 'svc-db', image: 'postgres', env: { POSTGRES_PASSWORD: 's3cret-value', POSTGRES_DB: 'app' }, keepAlive: false } }],
    extra: [],
    secrets: { TOKEN: 'given' },
  };

  it('moves env values holding a secret into the job Secret, as secretEnv references', () => {
    const moved = secretEnvThroughSecret(request, (v) => masker.mask(v) !== v);
    expect(moved.main.env).toEqual({ PLAIN: 'x' });
    expect(moved.main.secretEnv).toEqual({ C_SECRET: 'kact.env.job.C_SECRET' });
    expect(moved.services[0]!.container.env).toEqual({ POSTGRES_DB: 'app' });
    expect(moved.services[0]!.container.secretEnv).toEqual({ POSTGRES_PASSWORD: 'kact.env.svc-db.POSTGRES_PASSWORD' });
    expect(moved.secrets).toEqual({ TOKEN: 'given', 'kact.env.job.C_SECRET': 'pre-s3cret-value', 'kact.env.svc-db.POSTGRES_PASSWORD': 's3cret-value' });
    expect(request.main.env.C_SECRET).toBe('pre-s3cret-value');
  });

  it('moves secret --env values and a secret health command of the options into the job Secret, and tells what it had to drop', () => {
    const withOptions: JobPodRequest = {
      ...request,
      main: { ...request.main, options: '--cpus 2 -e OPT_SECRET=s3cret-value -e C_SECRET=overridden-by-env -e OPT_PLAIN=y --hostname s3cret-value' },
      services: [{ ...request.services[0]!, container: { ...request.services[0]!.container, options: '--health-cmd "pg_isready --password=s3cret-value" --health-retries 9' } }],
    };
    const warnings: string[] = [];
    const moved = secretEnvThroughSecret(withOptions, (v) => masker.mask(v) !== v, (w) => warnings.push(w));
    expect(moved.main.options).toBe('--cpus 2 -e C_SECRET=overridden-by-env -e OPT_PLAIN=y');
    expect(moved.main.secretEnv).toEqual({ OPT_SECRET: 'kact.env.job.OPT_SECRET', C_SECRET: 'kact.env.job.C_SECRET' });
    const db = moved.services[0]!.container;
    expect(db.options).toBe(`--health-cmd 'eval "$KACT_HEALTH_CMD"' --health-retries 9`);
    expect(db.secretEnv).toEqual({ KACT_HEALTH_CMD: 'kact.health.svc-db', POSTGRES_PASSWORD: 'kact.env.svc-db.POSTGRES_PASSWORD' });
    expect(moved.secrets).toMatchObject({ 'kact.env.job.OPT_SECRET': 's3cret-value', 'kact.env.job.C_SECRET': 'pre-s3cret-value', 'kact.health.svc-db': 'pg_isready --password=s3cret-value' });
    expect(warnings).toEqual(['job: option --hostname holds a secret, which cannot reach the container from a Secret there; ignored']);
  });

  it('leaves a request without secret env as it is', () => {
    expect(secretEnvThroughSecret(request, () => false)).toBe(request);
  });
});
