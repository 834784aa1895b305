import path from 'node:path';

import { describe, expect, it } from 'vitest';

import { tempRepo, yaml } from '../test/temp-repo.js';
import { loadWorkflowFile, loadWorkflows, type RunStep, type StepsJob, type UsesStep } from './index.js';

const CI = yaml`
  name: CI
  on:
    push:
      branches: [main]
    workflow_dispatch:
  env:
    GLOBAL: one
    NUMBER: 3
  defaults:
    run:
      shell: bash
      working-directory: src
  permissions:
    contents: read
  concurrency: ci-\${{ github.ref }}
  jobs:
    build:
      name: Build \${{ matrix.os }}
      runs-on: [self-hosted, "\${{ matrix.os }}"]
      timeout-minutes: 30
      continue-on-error: \${{ matrix.experimental }}
      environment: staging
      strategy:
        fail-fast: false
        max-parallel: 2
        matrix:
          os: [ubuntu-latest, windows-latest]
          experimental: [false]
          include:
            - os: ubuntu-latest
              experimental: true
      env:
        JOB_ENV: job
      outputs:
        version: \${{ steps.ver.outputs.version }}
      defaults:
        run:
          shell: sh
      container:
        image: node:20
        env:
          NODE_ENV: test
        ports: [8080]
        volumes: [/data:/data]
        options: --cpus 1
        credentials:
          username: me
          password: \${{ secrets.PW }}
      services:
        redis:
          image: redis:7
          ports: ['6379:6379']
      steps:
        - uses: actions/checkout@v4
          with:
            fetch-depth: 0
            token: \${{ secrets.TOKEN }}
        - id: ver
          name: Version
          if: \${{ github.event_name == 'push' }}
          shell: bash
          working-directory: app
          timeout-minutes: 5
          continue-on-error: true
          env:
            STEP_ENV: step
          run: |
            echo "version=\${{ github.sha }}" >> "$GITHUB_OUTPUT"
              indented \${{ matrix.os }}
            if [ "\${{ env.GLOBAL }}" = 'one' ]; then echo ok; fi
        - uses: ./actions/local
        - uses: docker://alpine:3.20
    test:
      needs: build
      if: always()
      runs-on: ubuntu-latest
      container: alpine:3.20
      steps:
        - run: echo \${{ needs.build.outputs.version }}
`;

describe('loadWorkflowFile', () => {
  it('keeps every field of a realistic workflow, values as YAML decodes them', async () => {
    const root = await tempRepo({ '.github/workflows/ci.yml': CI });
    const wf = await loadWorkflowFile(path.join(root, '.github/workflows/ci.yml'), { repoRoot: root });

    expect(wf.file).toBe('.github/workflows/ci.yml');
    expect(wf.name).toBe('CI');
    expect(wf.on).toEqual({ push: { branches: ['main'] }, workflow_dispatch: null });
    expect(wf.env).toEqual({ GLOBAL: 'one', NUMBER: 3 });
    expect(wf.defaults).toEqual({ run: { shell: 'bash', workingDirectory: 'src' } });
    expect(wf.permissions).toEqual({ contents: 'read' });
    expect(wf.concurrency).toBe('ci-${{ github.ref }}');
    expect(wf.location).toEqual({ file: '.github/workflows/ci.yml', line: 1, column: 1 });
    expect(wf.jobs.map((j) => j.id)).toEqual(['build', 'test']);

    const build = wf.jobs[0] as StepsJob;
    expect(build).toMatchObject({
      kind: 'steps',
      name: 'Build ${{ matrix.os }}',
      needs: [],
      runsOn: ['self-hosted', '${{ matrix.os }}'],
      timeoutMinutes: 30,
      continueOnError: '${{ matrix.experimental }}',
      environment: 'staging',
      env: { JOB_ENV: 'job' },
      outputs: { version: '${{ steps.ver.outputs.version }}' },
      defaults: { run: { shell: 'sh' } },
      location: { file: '.github/workflows/ci.yml', line: 17, column: 3 },
    });
    expect(build.if).toBeUndefined();
    expect(build.strategy).toEqual({
      failFast: false,
      maxParallel: 2,
      matrix: {
        os: ['ubuntu-latest', 'windows-latest'],
        experimental: [false],
        include: [{ os: 'ubuntu-latest', experimental: true }],
      },
    });
    expect(build.container).toEqual({
      image: 'node:20',
      env: { NODE_ENV: 'test' },
      ports: [8080],
      volumes: ['/data:/data'],
      options: '--cpus 1',
      credentials: { username: 'me', password: '${{ secrets.PW }}' },
    });
    expect(build.services).toEqual({ redis: { image: 'redis:7', env: {}, ports: ['6379:6379'], volumes: [] } });

    const [checkout, ver, local, docker] = build.steps as [UsesStep, RunStep, UsesStep, UsesStep];
    expect(checkout).toEqual({
      index: 0,
      kind: 'uses',
      uses: 'actions/checkout@v4',
      with: { 'fetch-depth': 0, token: '${{ secrets.TOKEN }}' },
      env: {},
      location: { file: '.github/workflows/ci.yml', line: 54, column: 9 },
    });
    expect(ver).toEqual({
      index: 1,
      kind: 'run',
      id: 'ver',
      name: 'Version',
      if: "${{ github.event_name == 'push' }}",
      shell: 'bash',
      workingDirectory: 'app',
      timeoutMinutes: 5,
      continueOnError: true,
      env: { STEP_ENV: 'step' },
      run:
        'echo "version=${{ github.sha }}" >> "$GITHUB_OUTPUT"\n' +
        '  indented ${{ matrix.os }}\n' +
        "if [ \"${{ env.GLOBAL }}\" = 'one' ]; then echo ok; fi\n",
      location: { file: '.github/workflows/ci.yml', line: 58, column: 9 },
    });
    expect(local).toMatchObject({ kind: 'uses', uses: './actions/local', with: {} });
    expect(docker).toMatchObject({ kind: 'uses', uses: 'docker://alpine:3.20' });

    const test = wf.jobs[1] as StepsJob;
    expect(test).toMatchObject({ needs: ['build'], if: 'always()', runsOn: 'ubuntu-latest', container: 'alpine:3.20', services: {}, defaults: {} });
    expect(test.steps[0]).toMatchObject({ kind: 'run', run: 'echo ${{ needs.build.outputs.version }}' });
  });

  it('normalises the string and list forms of on:, and names a nameless workflow after its file', async () => {
    const root = await tempRepo({
      'a.yml': 'on: push\njobs:\n  j:\n    runs-on: x\n    steps: [{run: "true"}]\n',
      'b.yaml': 'on: [push, pull_request]\njobs:\n  j:\n    runs-on: x\n    steps: [{run: "true"}]\n',
    });
    const [a, b] = await loadWorkflows(root, { repoRoot: root });
    expect(a?.on).toEqual({ push: null });
    expect(a?.name).toBe('a.yml');
    expect(b?.on).toEqual({ push: null, pull_request: null });
  });
});

describe('loadWorkflows', () => {
  it('loads every *.yml and *.yaml directly in a folder, sorted by name', async () => {
    const wf = (name: string) => `name: ${name}\non: push\njobs:\n  j:\n    runs-on: x\n    steps: [{run: "true"}]\n`;
    const root = await tempRepo({
      'wf/c.yml': wf('c'),
      'wf/a.yaml': wf('a'),
      'wf/b.yml': wf('b'),
      'wf/notes.txt': 'not a workflow',
      'wf/nested/d.yml': wf('d'),
    });
    const workflows = await loadWorkflows(path.join(root, 'wf'), { repoRoot: root });
    expect(workflows.map((w) => w.file)).toEqual(['wf/a.yaml', 'wf/b.yml', 'wf/c.yml']);
    expect((await loadWorkflows(path.join(root, 'wf/b.yml'), { repoRoot: root })).map((w) => w.name)).toEqual(['b']);
  });

  it('collects the problems of all files into one InputError', async () => {
    const root = await tempRepo({
      'wf/a.yml': 'on: push\njobs:\n  j:\n    steps: [{run: "true"}]\n',
      'wf/b.yml': 'on: push\njobs:\n  j:\n    runs-on: x\n    steps: [{run: "true"}]\n',
      'wf/c.yml': 'on: push\njobs: [\n',
    });
    const err = await loadWorkflows(path.join(root, 'wf'), { repoRoot: root }).catch((e: unknown) => e);
    expect(err).toMatchObject({ name: 'InputError' });
    const files = (err as { diagnostics: Array<{ location: { file: string } }> }).diagnostics.map((d) => d.location.file);
    expect(files).toEqual(['wf/a.yml', 'wf/c.yml']);
  });

  it('reports a missing path', async () => {
    await expect(loadWorkflows('/nonexistent/kact', { repoRoot: '/' })).rejects.toThrow('nonexistent/kact: no such file or folder');
  });
});
