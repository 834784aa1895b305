import { describe, expect, it } from 'vitest';
import { runWorkflowLocally as runWorkflow } from '../../testing/src/run-workflow-locally.js';
import type { ActionRuntime, RuntimeJob } from '../src/index.js';

const TOKEN = 'header.payload-of-the-runtime-token.signature';

/** A runtime that records the jobs it served and gives each a token naming its key. */
function recordingRuntime(): ActionRuntime & { jobs: RuntimeJob[] } {
  const jobs: RuntimeJob[] = [];
  return {
    jobs,
    forJob(job) {
      jobs.push(job);
      return { env: { ACTIONS_RUNTIME_TOKEN: `${TOKEN}.${job.key}`, ACTIONS_RESULTS_URL: 'http://results.test/' }, secrets: [`${TOKEN}.${job.key}`] };
    },
  };
}

describe("the run's action runtime (artifacts, cache)", () => {
  it('reaches JavaScript actions only, per job, masked in every log line', async () => {
    const runtime = recordingRuntime();
    const r = await runWorkflow(
      {
        '.github/workflows/w.yml': `on: push
jobs:
  build:
    runs-on: ubuntu-latest
    steps:
      - run: echo "run step sees [\${ACTIONS_RUNTIME_TOKEN:-nothing}] [\${ACTIONS_RESULTS_URL:-nothing}]"
      - uses: ./show
`,
        'show/action.yml': 'name: show\nruns:\n  using: node20\n  main: main.js\n',
        'show/main.js': `console.log('action sees ' + process.env.ACTIONS_RESULTS_URL + ' token ' + process.env.ACTIONS_RUNTIME_TOKEN + ' length ' + process.env.ACTIONS_RUNTIME_TOKEN.length);`,
      },
      { runtime },
    );
    expect(r.result.result).toBe('success');
    expect(r.logs).toContain('build | Run echo "run step sees [${ACTIONS_RUNTIME_TOKEN:-nothing}] [${ACTIONS_RESULTS_URL:-nothing}]" | run step sees [nothing] [nothing]');
    const key = '.github/workflows/w.yml#build';
    expect(r.logs).toContain(`build | Run ./show | action sees http://results.test/ token *** length ${`${TOKEN}.${key}`.length}`);
    expect(runtime.jobs).toEqual([{ runId: expect.any(String), key, repository: 'acme/repo', ref: 'refs/heads/main', baseRef: '', defaultBranch: 'main', eventName: 'push' }]);
  });

  it('gives nothing to actions of a run without it', async () => {
    const r = await runWorkflow({
      '.github/workflows/w.yml': 'on: push\njobs:\n  j:\n    runs-on: ubuntu-latest\n    steps:\n      - uses: ./show\n',
      'show/action.yml': 'name: show\nruns:\n  using: node20\n  main: main.js\n',
      'show/main.js': `console.log('token ' + (process.env.ACTIONS_RUNTIME_TOKEN ?? 'unset'));`,
    });
    expect(r.logs).toContain('j | Run ./show | token unset');
  });

  it("runs a job's run steps without waiting for services still starting; a service that fails fails only the action that needs it", async () => {
    const failing: ActionRuntime = {
      forJob: () => ({ env: new Promise((_, reject) => setTimeout(() => reject(new Error('the relay pod did not start')), 50)), secrets: ['tok-secret'] }),
    };
    const r = await runWorkflow(
      {
        '.github/workflows/w.yml': 'on: push\njobs:\n  j:\n    runs-on: ubuntu-latest\n    steps:\n      - run: echo first\n      - uses: ./show\n      - if: always()\n        run: echo after\n',
        'show/action.yml': 'name: show\nruns:\n  using: node20\n  main: main.js\n',
        'show/main.js': `console.log('action ran');`,
      },
      { runtime: failing },
    );
    expect(r.step('j', 'Run echo first').conclusion).toBe('success');
    expect(r.step('j', 'Run ./show').conclusion).toBe('failure');
    expect(JSON.stringify(r.result)).toContain('the relay pod did not start');
    expect(r.logs.join('\n')).not.toContain('action ran');
    expect(r.logs).toContain('j | Run echo after | after');
  });
});
