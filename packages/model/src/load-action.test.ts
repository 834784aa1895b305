import path from 'node:path';

import { describe, expect, it } from 'vitest';

import { tempRepo, yaml } from '../test/temp-repo.js';
import { loadAction } from './index.js';

const NODE = yaml`
  name: Hello
  description: Says hello
  inputs:
    who:
      description: Whom to greet
      required: true
    greeting:
      default: hello
      deprecationMessage: use salutation
  outputs:
    time:
      description: When
  runs:
    using: node20
    main: dist/index.js
    pre: dist/pre.js
    pre-if: runner.os == 'Linux'
    post: dist/post.js
    post-if: always()
`;

const COMPOSITE = yaml`
  name: Composite
  description: Runs steps
  inputs:
    message:
      required: false
      default: \${{ github.sha }}
  outputs:
    result:
      description: The result
      value: \${{ steps.run.outputs.result }}
  runs:
    using: composite
    steps:
      - id: run
        shell: bash
        working-directory: sub
        env:
          MSG: \${{ inputs.message }}
        run: |
          echo "result=$MSG" >> "$GITHUB_OUTPUT"
            kept indented \${{ inputs.message }}
      - uses: ./actions/other
        with:
          x: 1
`;

const DOCKER = yaml`
  name: Docker
  description: In a container
  runs:
    using: docker
    image: Dockerfile
    pre-entrypoint: /pre.sh
    entrypoint: /main.sh
    post-entrypoint: /post.sh
    args:
      - --who
      - \${{ inputs.who }}
    env:
      MODE: test
`;

describe('loadAction', () => {
  it('loads a node action with pre/post and their conditions', async () => {
    const root = await tempRepo({ 'actions/hello/action.yml': NODE });
    expect(await loadAction(path.join(root, 'actions/hello'), { repoRoot: root })).toEqual({
      file: 'actions/hello/action.yml',
      name: 'Hello',
      description: 'Says hello',
      inputs: {
        who: { description: 'Whom to greet', required: true },
        greeting: { required: false, default: 'hello', deprecationMessage: 'use salutation' },
      },
      outputs: { time: { description: 'When' } },
      runs: { using: 'node20', main: 'dist/index.js', pre: 'dist/pre.js', preIf: "runner.os == 'Linux'", post: 'dist/post.js', postIf: 'always()' },
    });
  });

  it('loads a composite action (action.yaml) with its steps as written', async () => {
    const root = await tempRepo({ 'c/action.yaml': COMPOSITE });
    const action = await loadAction(path.join(root, 'c'), { repoRoot: root });
    expect(action.file).toBe('c/action.yaml');
    expect(action.inputs).toEqual({ message: { required: false, default: '${{ github.sha }}' } });
    expect(action.outputs).toEqual({ result: { description: 'The result', value: '${{ steps.run.outputs.result }}' } });
    expect(action.runs).toEqual({
      using: 'composite',
      steps: [
        {
          index: 0,
          kind: 'run',
          id: 'run',
          shell: 'bash',
          workingDirectory: 'sub',
          env: { MSG: '${{ inputs.message }}' },
          run: 'echo "result=$MSG" >> "$GITHUB_OUTPUT"\n  kept indented ${{ inputs.message }}\n',
          location: { file: 'c/action.yaml', line: 14, column: 7 },
        },
        { index: 1, kind: 'uses', uses: './actions/other', with: { x: 1 }, env: {}, location: { file: 'c/action.yaml', line: 22, column: 7 } },
      ],
    });
  });

  it('loads a docker action with entrypoints, args and env', async () => {
    const root = await tempRepo({ 'd/action.yml': DOCKER });
    expect((await loadAction(path.join(root, 'd'), { repoRoot: root })).runs).toEqual({
      using: 'docker',
      image: 'Dockerfile',
      preEntrypoint: '/pre.sh',
      entrypoint: '/main.sh',
      postEntrypoint: '/post.sh',
      args: ['--who', '${{ inputs.who }}'],
      env: { MODE: 'test' },
    });
  });

  it('accepts an action without a description, as the runner does', async () => {
    const root = await tempRepo({ 'd/action.yml': 'name: x\nruns:\n  using: docker\n  image: docker://alpine:3.20\n' });
    expect(await loadAction(path.join(root, 'd'), { repoRoot: root })).toMatchObject({ name: 'x', inputs: {}, outputs: {}, runs: { image: 'docker://alpine:3.20', args: [], env: {} } });
  });
});
