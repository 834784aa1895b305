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
    expect(r.info.join('\n')).toMatch(/^b: taking the pod started ahead: kact-/m);
    expect(r.logs).toContain('b | Run echo b | b');
  });

  it("are not taken when the needs' outputs shape the pod: the job gets its own, and the one started ahead is deleted", async () => {
    const pods = new SlowDeletion();
    const r = await runWorkflow(workflow(SHAPED), { pods });
    expect(r.result.result).toBe('success');
    expect(pods.log.filter((l) => l.startsWith('start')).sort()).toEqual(['start a', 'start b', 'start b (own)']);
    expect(pods.log.filter((l) => l.startsWith('deleted')).sort()).toEqual(['deleted a', 'deleted b', 'deleted b (own)']);
    // The early pod goes as soon as the job knows it asks for another, not once the job has ended.
    expect(before(pods.log, 'deleting b', 'start b (own)')).toBe(true);
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

/** Records when each leg's pod starts, is copied into and is deleted, and how many pods live at once. */
class CountedPods extends SlowDeletion {
  live = 0;
  mostLive = 0;
  readonly copies = new Map<string, number>();
  override async startJob(request: JobPodRequest): Promise<JobPod> {
    this.mostLive = Math.max(this.mostLive, ++this.live);
    return super.startJob(request);
  }
  override async copyIn(pod: JobPod, localDir: string, podPath: string, options?: { exclude?: (p: string) => boolean }): Promise<void> {
    this.copies.set(pod.name, (this.copies.get(pod.name) ?? 0) + 1);
    return super.copyIn(pod, localDir, podPath, options);
  }
  override async stopJob(pod: Pick<JobPod, 'name'>): Promise<void> {
    this.live--;
    return super.stopJob(pod);
  }
}

describe('the pods of legs that wait for one of the run’s slots', () => {
  const matrix = {
    '.github/workflows/m.yml': `on: push
jobs:
  legs:
    runs-on: ubuntu-latest
    strategy:
      matrix:
        n: [1, 2, 3, 4, 5]
    steps:
      - run: sleep 0.4; echo "leg \${{ matrix.n }}"
`,
  };

  it('start while they wait, at most --concurrent-jobs − 1 ahead, and each leg takes its own, made ready once', async () => {
    const pods = new CountedPods();
    const r = await runWorkflow(matrix, { pods, concurrentJobs: 2 });
    expect(r.result.result).toBe('success');
    // Two legs run, one more has its pod: never more than three at once.
    expect(pods.mostLive).toBe(3);
    expect(pods.log.filter((l) => l.startsWith('start'))).toHaveLength(5);
    // Legs 1 and 2 start their own; 3, 4 and 5 take theirs (room for the next passes on as a leg takes its slot).
    expect(r.info.filter((l) => l.includes('taking the pod started ahead')).map((l) => l.slice(0, l.indexOf(':'))).sort()).toEqual(['legs (3)', 'legs (4)', 'legs (5)']);
    // The third leg's pod was up before the first legs' pods went.
    const firstDeletion = pods.log.findIndex((l) => l.startsWith('deleting'));
    expect(pods.log.slice(0, firstDeletion).filter((l) => l.startsWith('start')).length).toBeGreaterThanOrEqual(3);
    // The working tree and the event payload, once each per pod: the leg does not copy again what was copied ahead.
    expect([...pods.copies.values()]).toEqual([2, 2, 2, 2, 2]);
    for (const n of [1, 2, 3, 4, 5]) expect(r.logs).toContain(`legs (${n}) | Run sleep 0.4; echo "leg \${{ matrix.n }}" | leg ${n}`);
  });

  it('are not started with one slot (no room ahead), nor for legs that wait for max-parallel', async () => {
    for (const [options, files] of [
      [{ concurrentJobs: 1 }, matrix],
      [{ concurrentJobs: 4 }, { '.github/workflows/m.yml': matrix['.github/workflows/m.yml'].replace('    strategy:\n', '    strategy:\n      max-parallel: 1\n') }],
    ] as const) {
      const pods = new CountedPods();
      const r = await runWorkflow(files, { pods, ...options });
      expect(r.result.result).toBe('success');
      expect(pods.mostLive).toBe(1);
      expect(r.info.some((l) => l.includes('taking the pod started ahead'))).toBe(false);
    }
  });
});
