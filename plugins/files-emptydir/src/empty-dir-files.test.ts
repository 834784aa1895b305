import { describe, expect, it } from 'vitest';
import type { SharedPath } from '@kact/core';
import { EmptyDirFiles } from './empty-dir-files.js';

describe('EmptyDirFiles', () => {
  it('puts every shared path on an emptyDir of its own, whole (nothing outlives the job, nothing is shared between jobs)', () => {
    const files = new EmptyDirFiles();
    const job = { runId: 'r1', podName: 'kact-r1-build', jobId: 'build' };
    const paths: SharedPath[] = ['workspace', 'temp', 'toolCache', 'home', 'runtime'];
    for (const path of paths) expect(files.volume(path, job)).toEqual({ source: { emptyDir: {} } });
  });
});
