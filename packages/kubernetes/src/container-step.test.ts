import type { ContainerStepRequest, JobPod } from '@kact/core';
import { describe, expect, it } from 'vitest';
import { runContainerStep, type FileCommandFiles } from './container-step.js';
import type { StepContainers, StepContainerSpec } from './ephemeral-step.js';

const pod: JobPod = { name: 'p', namespace: 'ns', mainContainer: 'runner', services: {} };
const request = (over: Partial<ContainerStepRequest>): ContainerStepRequest => ({ name: 'step-1', image: 'img', args: [], env: {}, workingDirectory: '/github/workspace', fileCommands: { GITHUB_OUTPUT: '/f/out' }, ...over });

/** Records what would be added to the pod instead of adding it. */
function doubles() {
  const started: StepContainerSpec[] = [];
  const prepared: string[][] = [];
  const containers = { run: async (_pod: unknown, spec: StepContainerSpec) => (started.push(spec), { exitCode: 0, reason: 'Completed', timedOut: false, cancelled: false, oomKilled: false }) } as unknown as StepContainers;
  const files: FileCommandFiles = { prepare: async (_p, paths) => void prepared.push(paths), collect: async (_p, paths) => paths.map(() => '') };
  return { containers, files, started, prepared };
}

describe('runContainerStep', () => {
  it.each([
    ['an env value', { env: { TOKEN: 'a\0b' } }, 'environment variable TOKEN contains a NUL byte'],
    ['an argument', { args: ['x', 'a\0b'] }, 'a command argument contains a NUL byte'],
    ['the entrypoint', { entrypoint: ['/bin/sh\0-c'] }, 'a command argument contains a NUL byte'],
  ])('refuses a NUL byte in %s before creating anything, without printing the value', async (_what, over, message) => {
    const d = doubles();
    const failure = runContainerStep(d.containers, d.files, pod, request(over), () => undefined, new AbortController().signal);
    await expect(failure).rejects.toThrow(message);
    await expect(failure).rejects.not.toThrow('a\0b');
    expect(d.started).toEqual([]);
    expect(d.prepared).toEqual([]);
  });
});
