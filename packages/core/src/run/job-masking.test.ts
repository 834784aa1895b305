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

  it('leaves a request without secret env as it is', () => {
    expect(secretEnvThroughSecret(request, () => false)).toBe(request);
  });
});
