import { describe, expect, it } from 'vitest';
import type { Job, StepsJob, Workflow } from '@kact/model';
import { plan } from './plan.js';
import type { ContainerSelection } from '../backend/container-selection.js';

const location = { file: '.github/workflows/ci.yml', line: 1, column: 1 };

function stepsJob(id: string, extra: Partial<StepsJob> = {}): StepsJob {
  return { kind: 'steps', id, needs: [], env: {}, outputs: {}, runsOn: 'ubuntu-latest', services: {}, defaults: {}, steps: [], location, ...extra };
}

function workflow(file: string, on: string[], jobs: Job[]): Workflow {
  return { file, name: file, on: Object.fromEntries(on.map((e) => [e, null])), env: {}, defaults: {}, jobs, location: { ...location, file } };
}

const RUNNER_IMAGE = 'runner:test';
const containers: ContainerSelection = { name: 'test', hint: 'map it', select: (labels) => (labels.some((l) => l.startsWith('ubuntu')) ? { image: RUNNER_IMAGE } : undefined) };
const options = { contexts: { github: { event_name: 'push' } }, containers };

describe('plan', () => {
  const ci = workflow('.github/workflows/ci.yml', ['push', 'pull_request'], [
    stepsJob('build'),
    stepsJob('test', { needs: ['build'], strategy: { matrix: { node: [18, 20], os: ['ubuntu-latest'] } }, runsOn: '${{ matrix.os }}' }),
    stepsJob('deploy', { needs: ['test'] }),
  ]);
  const release = workflow('.github/workflows/release.yml', ['release'], [stepsJob('publish')]);

  it('keeps only workflows the event triggers', () => {
    const p = plan([ci, release], { ...options, event: 'release' });
    expect(p.jobs.map((j) => j.key)).toEqual(['.github/workflows/release.yml#publish']);
  });

  it('plans every workflow when no event is given', () => {
    expect(plan([ci, release], options).jobs).toHaveLength(4);
  });

  it('orders jobs in stages by needs', () => {
    const p = plan([ci], { ...options, event: 'push' });
    expect(p.stages.map((s) => s.map((j) => j.job.id))).toEqual([['build'], ['test'], ['deploy']]);
  });

  it('expands matrix legs with names and per-leg runs-on', () => {
    const test = plan([ci], { ...options, event: 'push' }).jobs.find((j) => j.job.id === 'test')!;
    expect(test.legs).toEqual([
      { matrix: { node: 18, os: 'ubuntu-latest' }, name: 'test (18, ubuntu-latest)', runsOn: { labels: ['ubuntu-latest'], image: RUNNER_IMAGE } },
      { matrix: { node: 20, os: 'ubuntu-latest' }, name: 'test (20, ubuntu-latest)', runsOn: { labels: ['ubuntu-latest'], image: RUNNER_IMAGE } },
    ]);
    expect(test.failFast).toBe(true);
  });

  it('applies --matrix filters', () => {
    const test = plan([ci], { ...options, event: 'push', matrixFilter: { node: ['20'] } }).jobs.find((j) => j.job.id === 'test')!;
    expect(test.legs).toHaveLength(1);
  });

  it('plans -j with the jobs it needs, transitively', () => {
    expect(plan([ci], { ...options, event: 'push', jobId: 'deploy' }).jobs.map((j) => j.job.id)).toEqual(['build', 'test', 'deploy']);
    expect(plan([ci], { ...options, event: 'push', jobId: 'build' }).jobs.map((j) => j.job.id)).toEqual(['build']);
  });

  it('rejects -j naming no job, listing the jobs there are', () => {
    expect(() => plan([ci], { ...options, event: 'push', jobId: 'nope' })).toThrow(/no job 'nope'.*jobs: build, deploy, test/);
  });

  it('defers matrices that read needs outputs', () => {
    const w = workflow('w.yml', ['push'], [
      stepsJob('setup'),
      stepsJob('fan', { needs: ['setup'], strategy: { matrix: '${{ fromJSON(needs.setup.outputs.legs) }}' } }),
    ]);
    expect(plan([w], options).jobs[1]!.legs).toBe('deferred');
  });

  it('evaluates a matrix given as an expression', () => {
    const w = workflow('w.yml', ['push'], [stepsJob('a', { strategy: { matrix: "${{ fromJSON('{\"x\":[1,2,3]}') }}" } })]);
    const legs = plan([w], options).jobs[0]!.legs;
    expect(legs !== 'deferred' && legs.map((l) => l.matrix)).toEqual([{ x: 1 }, { x: 2 }, { x: 3 }]);
  });

  it('keeps fail-fast and max-parallel for the scheduler', () => {
    const w = workflow('w.yml', ['push'], [stepsJob('a', { strategy: { matrix: { x: [1, 2] }, failFast: false, maxParallel: 1 } })]);
    const job = plan([w], options).jobs[0]!;
    expect([job.failFast, job.maxParallel]).toEqual([false, 1]);
  });

  it('reports matrix errors at the job', () => {
    const w = workflow('w.yml', ['push'], [stepsJob('a', { strategy: { matrix: { x: 'not-a-list' } }, location: { file: 'w.yml', line: 7, column: 3 } })]);
    expect(() => plan([w], options)).toThrow(expect.objectContaining({ diagnostics: [expect.objectContaining({ location: { file: 'w.yml', line: 7, column: 3 } })] }));
  });

  it('names a matrix leg from a name template that uses matrix', () => {
    const w = workflow('w.yml', ['push'], [stepsJob('a', { name: 'Node ${{ matrix.node }}', strategy: { matrix: { node: [20] } } })]);
    const legs = plan([w], options).jobs[0]!.legs;
    expect(legs !== 'deferred' && legs[0]!.name).toBe('Node 20');
  });
});
