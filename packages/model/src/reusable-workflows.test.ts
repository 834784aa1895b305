import path from 'node:path';

import { describe, expect, it } from 'vitest';

import { tempRepo, yaml } from '../test/temp-repo.js';
import { formatDiagnostic, isInputError, loadWorkflowFile, type CallJob } from './index.js';

const CALLEE = yaml`
  name: Reusable
  on:
    workflow_call:
      inputs:
        who:
          type: string
          required: true
        greeting:
          type: string
          default: hello
      secrets:
        token:
          required: false
      outputs:
        said:
          value: \${{ jobs.say.outputs.said }}
  jobs:
    say:
      runs-on: ubuntu-latest
      outputs:
        said: \${{ steps.s.outputs.said }}
      steps:
        - id: s
          run: echo "said=\${{ inputs.greeting }} \${{ inputs.who }}" >> "$GITHUB_OUTPUT"
`;

const caller = (jobs: string) => `on: push\njobs:\n${jobs}`;

async function load(files: Record<string, string>) {
  const root = await tempRepo(files);
  return loadWorkflowFile(path.join(root, '.github/workflows/main.yml'), { repoRoot: root });
}

async function problems(files: Record<string, string>): Promise<string[]> {
  const err = await load(files).then(() => undefined, (e: unknown) => e);
  if (!isInputError(err)) throw new Error(`expected an InputError, got ${String(err)}`);
  return err.diagnostics.map(formatDiagnostic);
}

describe('reusable workflows', () => {
  it('loads a local called workflow with its workflow_call inputs, secrets and outputs', async () => {
    const wf = await load({
      '.github/workflows/reusable.yml': CALLEE,
      '.github/workflows/main.yml': caller(
        '  greet:\n    uses: ./.github/workflows/reusable.yml\n    with:\n      who: world\n    secrets:\n      token: ${{ secrets.T }}\n' +
          '  inherit:\n    needs: greet\n    uses: ./.github/workflows/reusable.yml\n    with: { who: you }\n    secrets: inherit\n' +
          '  remote:\n    uses: octo/repo/.github/workflows/ci.yml@v1\n',
      ),
    });
    const [greet, inherit, remote] = wf.jobs as [CallJob, CallJob, CallJob];
    expect(greet).toMatchObject({ kind: 'call', uses: './.github/workflows/reusable.yml', with: { who: 'world' }, secrets: { token: '${{ secrets.T }}' } });
    expect(greet.workflow?.file).toBe('.github/workflows/reusable.yml');
    expect(greet.workflow?.on['workflow_call']).toEqual({
      inputs: { who: { type: 'string', required: true }, greeting: { type: 'string', default: 'hello' } },
      secrets: { token: { required: false } },
      outputs: { said: { value: '${{ jobs.say.outputs.said }}' } },
    });
    expect(greet.workflow?.jobs[0]).toMatchObject({ id: 'say', kind: 'steps', outputs: { said: '${{ steps.s.outputs.said }}' } });
    expect(inherit).toMatchObject({ needs: ['greet'], secrets: 'inherit', with: { who: 'you' } });
    expect(remote).toMatchObject({ kind: 'call', uses: 'octo/repo/.github/workflows/ci.yml@v1', with: {}, secrets: {} });
    expect(remote.workflow).toBeUndefined();
  });

  it('reports unknown and missing inputs, and a callee without workflow_call', async () => {
    expect(
      await problems({
        '.github/workflows/reusable.yml': CALLEE,
        '.github/workflows/push-only.yml': 'on: push\njobs:\n  j:\n    runs-on: x\n    steps: [{run: echo}]\n',
        '.github/workflows/main.yml': caller(
          '  a:\n    uses: ./.github/workflows/reusable.yml\n    with: { whom: x }\n' + '  b:\n    uses: ./.github/workflows/push-only.yml\n',
        ),
      }),
    ).toEqual([
      ".github/workflows/main.yml:4:11: Job 'a': input 'whom' is not defined in '.github/workflows/reusable.yml'",
      ".github/workflows/main.yml:4:11: Job 'a': input 'who' is required by '.github/workflows/reusable.yml' but not provided",
      ".github/workflows/main.yml:7:11: Job 'b' calls '.github/workflows/push-only.yml', which is not triggered by workflow_call",
    ]);
  });

  it("reports a missing callee at the caller's uses, and the callee's own problems in its file", async () => {
    expect(
      await problems({
        '.github/workflows/broken.yml': 'on: workflow_call\njobs:\n  j:\n    steps: [{run: echo}]\n',
        '.github/workflows/main.yml': caller('  a:\n    uses: ./.github/workflows/gone.yml\n  b:\n    uses: ./.github/workflows/broken.yml\n'),
      }),
    ).toEqual([
      '.github/workflows/broken.yml:4:5: Required property is missing: runs-on',
      expect.stringMatching(/^\.github\/workflows\/main\.yml:4:11: \.github\/workflows\/gone\.yml: file not found \(looked for \/.*\/\.github\/workflows\/gone\.yml\)$/),
    ]);
  });

  it('rejects calls nested deeper than one level with a clear message', async () => {
    expect(
      await problems({
        '.github/workflows/inner.yml': CALLEE,
        '.github/workflows/middle.yml': 'on: workflow_call\njobs:\n  m:\n    uses: ./.github/workflows/inner.yml\n    with: { who: x }\n',
        '.github/workflows/main.yml': caller('  a:\n    uses: ./.github/workflows/middle.yml\n'),
      }),
    ).toEqual([
      ".github/workflows/middle.yml:4:11: Job 'm' calls './.github/workflows/inner.yml' from a called workflow; kact supports one level of reusable workflow calls",
    ]);
  });
});
