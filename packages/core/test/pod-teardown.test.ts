import { describe, expect, it } from 'vitest';
import type { JobPod, JobPodRequest } from '../src/index.js';
import { LocalPods } from '../../testing/src/local-pods.js';
import { runWorkflowLocally as runWorkflow } from '../../testing/src/run-workflow-locally.js';

/** Pods whose deletion takes a while, as on a busy cluster: records each start and deletion by job. */
class SlowDeletion extends LocalPods {
  readonly log: string[] = [];
  private readonly jobs = new Map<string, string>();
  override async startJob(request: JobPodRequest): Promise<JobPod> {
    // The pod a job asks for itself when the one started ahead does not fit is named `…-2`.
    const job = `${request.labels['kact.dev/job']}${request.name.endsWith('-2') ? ' (own)' : ''}`;
    this.jobs.set(request.name, job);
    this.log.push(`start ${job}`);
    return super.startJob(request);
  }
  override async stopJob(pod: Pick<JobPod, 'name'>): Promise<void> {
    const job = this.jobs.get(pod.name);
    this.log.push(`deleting ${job}`);
    await new Promise((resolve) => setTimeout(resolve, 300));
    await super.stopJob(pod);
    this.log.push(`deleted ${job}`);
  }
}

const workflow = (b: string) => ({
  '.github/workflows/w.yml': `on: push
jobs:
  a:
    runs-on: ubuntu-latest
    outputs:
      v: \${{ steps.s.outputs.v }}
    steps:
      - id: s
        run: echo "v=from-a" >> "$GITHUB_OUTPUT"
  b:
    needs: a
    runs-on: ubuntu-latest
${b}`,
});
/** A job whose container's env takes an output of its needs: its pod cannot be known ahead. */
const SHAPED = '    container:\n      image: redis:7\n      env:\n        V: ${{ needs.a.outputs.v }}\n    steps:\n      - run: echo b\n';
const before = (log: string[], first: string, second: string) => log.indexOf(first) >= 0 && log.indexOf(first) < log.indexOf(second);

describe('the pods of jobs that wait for others', () => {
  it('start while those run, and the job takes its pod once they are done', async () => {
    const pods = new SlowDeletion();
    const r = await runWorkflow(workflow('    steps:\n      - run: echo b\n'), { pods });
    expect(r.result.result).toBe('success');
    expect(pods.log.filter((l) => l.startsWith('start')).sort()).toEqual(['start a', 'start b']);
    expect(before(pods.log, 'start b', 'deleting a')).toBe(true);
    expect(r.info.join('\n')).toMatch(/^b: taking the pod started while its needs ran: kact-/m);
    expect(r.logs).toContain('b | Run echo b | b');
  });

  it("are not taken when the needs' outputs shape the pod: the job gets its own, and the one started ahead is deleted", async () => {
    const pods = new SlowDeletion();
    const r = await runWorkflow(workflow(SHAPED), { pods });
    expect(r.result.result).toBe('success');
    expect(pods.log.filter((l) => l.startsWith('start')).sort()).toEqual(['start a', 'start b', 'start b (own)']);
    expect(pods.log.filter((l) => l.startsWith('deleted')).sort()).toEqual(['deleted a', 'deleted b', 'deleted b (own)']);
  });

  it('are deleted when the job does not run', async () => {
    const pods = new SlowDeletion();
    const r = await runWorkflow(workflow("    if: needs.a.outputs.v == 'something else'\n    steps:\n      - run: echo b\n"), { pods });
    expect(r.job('b').result).toBe('skipped');
    expect(pods.log.filter((l) => l.startsWith('deleted')).sort()).toEqual(['deleted a', 'deleted b']);
  });
});

describe("a finished job's pod", () => {
  it('is deleted while the jobs that need it start, and the run ends only once every pod is gone', async () => {
    const pods = new SlowDeletion();
    const r = await runWorkflow(workflow(SHAPED), { pods });
    expect(r.result.result).toBe('success');
    expect(before(pods.log, 'start b (own)', 'deleted a')).toBe(true);
    expect(pods.log.at(-1)).toMatch(/^deleted /);
    expect(pods.log.filter((l) => l.startsWith('deleted'))).toHaveLength(3);
  });
});
