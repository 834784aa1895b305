import { describe, expect, it } from 'vitest';
import type { JobPod, JobPodRequest } from '../src/index.js';
import { LocalPods } from '../../testing/src/local-pods.js';
import { runWorkflowLocally as runWorkflow } from '../../testing/src/run-workflow-locally.js';

/** `kact-<run id>-<job>-<hash>` → the job. */
const jobOf = (pod: string) => pod.split('-').slice(2, -1).join('-');

/** Pods whose deletion takes a while, as on a busy cluster; it records when each began and ended. */
class SlowDeletion extends LocalPods {
  readonly log: string[] = [];
  override async startJob(request: JobPodRequest): Promise<JobPod> {
    this.log.push(`start ${jobOf(request.name)}`);
    return super.startJob(request);
  }
  override async stopJob(pod: Pick<JobPod, 'name'>): Promise<void> {
    const name = jobOf(pod.name);
    this.log.push(`deleting ${name}`);
    await new Promise((resolve) => setTimeout(resolve, 300));
    await super.stopJob(pod);
    this.log.push(`deleted ${name}`);
  }
}

describe("a finished job's pod", () => {
  it('is deleted while the jobs that need it start, and the run ends only once it is gone', async () => {
    const pods = new SlowDeletion();
    const r = await runWorkflow(
      { '.github/workflows/w.yml': 'on: push\njobs:\n  a:\n    runs-on: ubuntu-latest\n    steps:\n      - run: echo a\n  b:\n    needs: a\n    runs-on: ubuntu-latest\n    steps:\n      - run: echo b\n' },
      { pods },
    );
    expect(r.result.result).toBe('success');
    // b starts before a's pod is gone, and the run resolved only once both were.
    expect(pods.log).toEqual(['start a', 'deleting a', 'start b', 'deleting b', 'deleted a', 'deleted b']);
  });
});
