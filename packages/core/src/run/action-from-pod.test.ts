import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { localActionFromPod } from './action-from-pod.js';
import type { JobEnvironment } from './job-environment.js';

let root: string;
beforeEach(async () => (root = await mkdtemp(join(tmpdir(), 'kact-from-pod-'))));
afterEach(() => rm(root, { recursive: true, force: true }));

/** A job whose pod answers the action read with `printed` (what a step that replaced the pod's tools could print). */
const jobPrinting = (printed: string) =>
  ({
    strategy: { runProcess: async (_pod: unknown, _req: unknown, out: (chunk: string) => void) => (out(printed), { exitCode: 0, fileCommands: {} }) },
    state: { pod: { name: 'p', namespace: 'n', mainContainer: 'runner', services: {} } },
    cancellation: { stepSignal: () => new AbortController().signal },
    options: { repoRoot: root },
  }) as unknown as JobEnvironment;

const action = 'name: a\ndescription: a\nruns:\n  using: composite\n  steps: [{ shell: bash, run: echo hi }]\n';
const at = { file: '.github/workflows/ci.yml', line: 1, column: 1 };

describe('localActionFromPod', () => {
  it('loads the action.yml the pod prints', async () => {
    const resolved = await localActionFromPod(jobPrinting(`action.yml\n${action}`), './made', { kind: 'local', path: './made' }, at);
    expect(resolved?.podDir).toBe('/github/workspace/made');
    expect(resolved?.action.runs).toMatchObject({ using: 'composite' });
  });

  it('never writes a file name the pod prints anywhere on this machine', async () => {
    const target = join(root, 'written-by-the-pod');
    const escape = relative(tmpdir(), target);
    const resolved = await localActionFromPod(jobPrinting(`../${escape}\n${action}`), './made', { kind: 'local', path: './made' }, at);
    expect(resolved).toBeUndefined();
    expect(existsSync(target)).toBe(false);
  });
});
