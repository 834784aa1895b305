import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
// The doubles live in @kact/testing, which depends on @kact/core: core's own tests take them from
// its source (vitest.config.ts points their `@kact/core` at core's src), not as a dependency.
import { LocalPods } from '../../testing/src/local-pods.js';
import { runWorkflowLocally as runWorkflow } from '../../testing/src/run-workflow-locally.js';
import { InfrastructureError, POD_EXTERNALS } from '../src/index.js';

const wf = (body: string) => ({ '.github/workflows/w.yml': `on: push\n${body}` });

describe('run steps', () => {
  it('applies env precedence workflow < job < step, and GITHUB_ENV to later steps', async () => {
    const r = await runWorkflow(
      wf(`env: { A: wf, B: wf, C: wf }
jobs:
  j:
    runs-on: ubuntu-latest
    env: { B: job, C: job }
    steps:
      - run: echo "A=$A B=$B C=$C"
        env: { C: step }
      - run: echo "D=from-file" >> "$GITHUB_ENV"
      - run: echo "D=$D"
`),
    );
    expect(r.result.result).toBe('success');
    expect(r.logs).toContain('j | Run echo "A=$A B=$B C=$C" | A=wf B=job C=step');
    expect(r.logs.some((l) => l.endsWith('| D=from-file'))).toBe(true);
  });

  it('sets the runner defaults CI, GITHUB_* and RUNNER_* and a workspace with the repository', async () => {
    const r = await runWorkflow({
      ...wf(`jobs:
  j:
    runs-on: ubuntu-latest
    steps:
      - uses: actions/checkout@v4
      - run: echo "$CI $GITHUB_ACTIONS $GITHUB_REPOSITORY $GITHUB_REF $RUNNER_OS $GITHUB_JOB"; cat "$GITHUB_WORKSPACE/hello.txt"
`),
      'hello.txt': 'hello from the repo\n',
    });
    expect(r.result.result).toBe('success');
    expect(r.logs).toContain('j | Run echo "$CI $GITHUB_ACTIONS $GITHUB_REPOSITORY $GITHUB_REF $RUNNER_OS $GITHUB_JOB"; cat "$GITHUB_WORKSPACE/hello.txt" | true true acme/repo refs/heads/main Linux j');
    expect(r.logs.some((l) => l.endsWith('| hello from the repo'))).toBe(true);
  });

  it('reads heredoc outputs, passes them to later steps, job outputs and needs', async () => {
    const r = await runWorkflow(
      wf(`jobs:
  a:
    runs-on: ubuntu-latest
    outputs:
      text: \${{ steps.s.outputs.multi }}
    steps:
      - id: s
        run: |
          echo "one=1" >> "$GITHUB_OUTPUT"
          { echo "multi<<EOF"; echo "line 1"; echo "line 2"; echo "EOF"; } >> "$GITHUB_OUTPUT"
      - run: echo "got \${{ steps.s.outputs.one }}"
  b:
    needs: a
    runs-on: ubuntu-latest
    steps:
      - run: printf '%s\\n' "\${{ needs.a.outputs.text }}" "\${{ needs.a.result }}"
`),
    );
    expect(r.result.result).toBe('success');
    expect(r.step('a', 's').outputs).toEqual({ one: '1', multi: 'line 1\nline 2' });
    expect(r.job('a').outputs).toEqual({ text: 'line 1\nline 2' });
    expect(r.logs.filter((l) => l.startsWith('b |')).map((l) => l.split(' | ')[2])).toEqual(['line 1', 'line 2', 'success']);
  });

  it('runs always() and failure() steps after a failure and skips the rest; continue-on-error keeps the job going', async () => {
    const r = await runWorkflow(
      wf(`jobs:
  j:
    runs-on: ubuntu-latest
    steps:
      - id: soft
        run: exit 3
        continue-on-error: true
      - run: echo "soft outcome=\${{ steps.soft.outcome }} conclusion=\${{ steps.soft.conclusion }}"
      - id: hard
        run: exit 1
      - run: echo should not run
      - if: failure()
        run: echo on failure
      - if: always()
        run: echo always
`),
    );
    expect(r.result.result).toBe('failure');
    expect(r.step('j', 'soft')).toMatchObject({ outcome: 'failure', conclusion: 'success' });
    expect(r.logs.some((l) => l.endsWith('soft outcome=failure conclusion=success'))).toBe(true);
    expect(r.step('j', 'hard')).toMatchObject({ outcome: 'failure', error: 'Process completed with exit code 1.' });
    expect(r.step('j', 'Run echo should not run').conclusion).toBe('skipped');
    expect(r.logs.some((l) => l.endsWith('| on failure'))).toBe(true);
    expect(r.logs.some((l) => l.endsWith('| always'))).toBe(true);
  });

  it("asks for each job's pod with the job's timeout (GitHub's 360 minutes without one), so the backend can end it should kact die", async () => {
    const r = await runWorkflow(
      wf(`jobs:
  quick:
    runs-on: ubuntu-latest
    timeout-minutes: 2
    steps:
      - run: echo quick
  default:
    runs-on: ubuntu-latest
    steps:
      - run: echo default
`),
    );
    expect(r.result.result).toBe('success');
    const timeouts = Object.fromEntries(r.pods.started.map((request) => [request.labels['kact.dev/job'], request.timeoutMs]));
    expect(timeouts).toEqual({ quick: 2 * 60_000, default: 360 * 60_000 });
  });

  it('masks secrets and ::add-mask:: values in every log line', async () => {
    const r = await runWorkflow(
      wf(`jobs:
  j:
    runs-on: ubuntu-latest
    steps:
      - run: |
          echo "token is \${{ secrets.TOKEN }}"
          echo "::add-mask::dynamic-value"
          echo "later dynamic-value"
`),
      { secrets: { TOKEN: 's3cr3t-value' } },
    );
    const all = r.logs.join('\n');
    expect(all).toContain('token is ***');
    expect(all).toContain('later ***');
    expect(all).not.toContain('s3cr3t-value');
    expect(all).not.toContain('dynamic-value');
    expect(r.pods.started[0]!.secrets).toEqual({ TOKEN: 's3cr3t-value' });
    expect(JSON.stringify(r.pods.started[0]!.main)).not.toContain('s3cr3t-value');
  });

  it('keeps secrets out of the pod request and the reports: container env through the Secret, masked step outputs', async () => {
    const r = await runWorkflow(
      wf(`jobs:
  j:
    runs-on: ubuntu-latest
    container:
      image: kact.local/runner:trixie
      env: { C_SECRET: "pre-\${{ secrets.TOKEN }}", C_PLAIN: plain }
    steps:
      - id: gen
        run: |
          echo "container env $C_SECRET $C_PLAIN"
          echo "::add-mask::dynamic-value"
          echo "token=dynamic-value" >> "$GITHUB_OUTPUT"
      - run: echo "output \${{ steps.gen.outputs.token }}" | tr a-z A-Z
`),
      { secrets: { TOKEN: 's3cr3t-value' } },
    );
    expect(r.result.result).toBe('success');
    const main = r.pods.started[0]!.main;
    expect(main.env.C_PLAIN).toBe('plain');
    expect(main.secretEnv).toEqual({ C_SECRET: 'kact.env.job.C_SECRET' });
    expect(r.pods.started[0]!.secrets).toEqual({ TOKEN: 's3cr3t-value', 'kact.env.job.C_SECRET': 'pre-s3cr3t-value' });
    expect(JSON.stringify(main)).not.toContain('s3cr3t-value');
    // The step got the value; the log shows it masked.
    expect(r.logs.join('\n')).toContain('container env pre-*** plain');
    // The steps context has the output (the next step printed it, upper-cased past the mask); the report masks it.
    expect(r.logs.join('\n')).toContain('OUTPUT DYNAMIC-VALUE');
    expect(r.result.jobs[0]!.steps.find((s) => s.id === 'gen')!.outputs).toEqual({ token: '***' });
  });

  it('fails the job when kact loses a step (InfrastructureError), even under continue-on-error', async () => {
    // A strategy that loses the pod on one step, as a lost exec record or a deleted pod would.
    class LosingPods extends LocalPods {
      override async runProcess(...args: Parameters<LocalPods['runProcess']>) {
        if (args[1].script?.content.includes('lose-me')) throw new InfrastructureError('pod p is gone; the exit code is lost');
        return super.runProcess(...args);
      }
    }
    const r = await runWorkflow(
      wf(`jobs:
  j:
    runs-on: ubuntu-latest
    steps:
      - id: lost
        run: echo lose-me
        continue-on-error: true
      - run: echo next
      - if: always()
        run: echo cleanup
`),
      { pods: new LosingPods() },
    );
    expect(r.step('j', 'lost')).toMatchObject({ outcome: 'failure', conclusion: 'failure', error: expect.stringContaining('exit code is lost') });
    expect(r.step('j', 'Run echo next').conclusion).toBe('skipped');
    expect(r.logs.some((l) => l.endsWith('| cleanup'))).toBe(true);
    expect(r.job('j')).toMatchObject({ result: 'failure', error: expect.stringContaining('kact could not run a step: Run echo lose-me: pod p is gone') });
  });

  it('prepends GITHUB_PATH entries for later steps', async () => {
    const r = await runWorkflow(
      wf(`jobs:
  j:
    runs-on: ubuntu-latest
    steps:
      - run: mkdir -p "$RUNNER_TEMP/bin" && printf '#!/bin/sh\\necho tool ran\\n' > "$RUNNER_TEMP/bin/mytool" && chmod +x "$RUNNER_TEMP/bin/mytool" && echo "$RUNNER_TEMP/bin" >> "$GITHUB_PATH"
      - run: mytool
`),
    );
    expect(r.result.result).toBe('success');
    expect(r.logs.some((l) => l.endsWith('| tool ran'))).toBe(true);
  });

  it('fails a step at its timeout and names it', async () => {
    const r = await runWorkflow(
      wf(`jobs:
  j:
    runs-on: ubuntu-latest
    steps:
      - id: slow
        run: sleep 30
        timeout-minutes: 0.01
`),
    );
    expect(r.step('j', 'slow')).toMatchObject({ outcome: 'failure', error: expect.stringMatching(/timed out/) });
    expect(r.job('j').durationMs).toBeLessThan(10_000);
  });

  it('skips dependents of a failed job unless their if says otherwise', async () => {
    const r = await runWorkflow(
      wf(`jobs:
  a:
    runs-on: ubuntu-latest
    steps: [{ run: exit 1 }]
  b:
    needs: a
    runs-on: ubuntu-latest
    steps: [{ run: echo b }]
  c:
    needs: a
    if: failure()
    runs-on: ubuntu-latest
    steps: [{ run: echo c ran }]
`),
    );
    expect(r.job('a').result).toBe('failure');
    expect(r.job('b').result).toBe('skipped');
    expect(r.job('c').result).toBe('success');
  });

  it('cancels sibling matrix legs on failure with fail-fast', async () => {
    const r = await runWorkflow(
      wf(`jobs:
  m:
    runs-on: ubuntu-latest
    strategy:
      matrix:
        n: [1, 2]
    steps:
      - run: if [ "\${{ matrix.n }}" = 1 ]; then exit 1; else sleep 20; fi
`),
    );
    expect(r.job('m (1)').result).toBe('failure');
    expect(r.job('m (2)').result).toBe('cancelled');
    expect(r.result.durationMs).toBeLessThan(15_000);
  });

  it('runs a composite action with inputs, defaults and outputs', async () => {
    const r = await runWorkflow({
      ...wf(`jobs:
  j:
    runs-on: ubuntu-latest
    steps:
      - id: greet
        uses: ./.github/actions/greet
        with: { who: world }
      - run: echo "result=\${{ steps.greet.outputs.sentence }}"
`),
      '.github/actions/greet/action.yml': `name: greet
inputs:
  who: { required: true }
  greeting: { default: hello }
outputs:
  sentence:
    value: \${{ steps.make.outputs.s }}
runs:
  using: composite
  steps:
    - id: make
      shell: bash
      run: echo "s=\${{ inputs.greeting }}, \${{ inputs.who }}" >> "$GITHUB_OUTPUT"
`,
    });
    expect(r.result.result).toBe('success');
    expect(r.logs.some((l) => l.endsWith('| result=hello, world'))).toBe(true);
  });

  it("skips a local node action's pre with the runner's warning; main and post run with INPUT_ env and state", async () => {
    const r = await runWorkflow({
      ...wf(`jobs:
  j:
    runs-on: ubuntu-latest
    steps:
      - run: echo first
      - id: act
        uses: ./act
        with: { name: kact }
      - run: echo last
`),
      'act/action.yml': `name: n
inputs:
  name: { required: true }
runs:
  using: node20
  pre: pre.js
  main: main.js
  post: post.js
`,
      'act/pre.js': `console.log('pre ran');`,
      'act/main.js': `const fs = require('fs'); fs.appendFileSync(process.env.GITHUB_STATE, 'from_main=yes\\n'); console.log('main ' + process.env.INPUT_NAME);`,
      'act/post.js': `console.log('post ran, state ' + process.env.STATE_from_main);`,
    });
    expect(r.result.result).toBe('success');
    const warning = "`pre` execution is not supported for local action from './act'";
    const lines = r.logs.map((l) => l.split(' | ').slice(2).join(' | '));
    expect(lines).toEqual(['first', `::warning::${warning}`, 'main kact', 'last', 'post ran, state yes']);
    expect(r.job('j').steps.map((s) => `${s.stage} ${s.name}`)).toEqual(['main Run echo first', 'main Run ./act', 'main Run echo last', 'post Post Run ./act']);
    expect(r.step('j', 'act').annotations).toEqual([{ level: 'warning', message: warning }]);
  });

  it("runs a remote node action's pre before every main step, its state reaching main and post", async () => {
    const server = mkdtempSync(join(tmpdir(), 'kact-git-server-'));
    const repo = join(server, 'acme', 'lifecycle');
    mkdirSync(repo, { recursive: true });
    const files: Record<string, string> = {
      'action.yml': `name: lifecycle
inputs:
  name: { default: world }
runs:
  using: node20
  pre: pre.js
  main: main.js
  post: post.js
`,
      'pre.js': `const fs = require('fs'); fs.appendFileSync(process.env.GITHUB_STATE, 'from_pre=yes\\n'); console.log('pre ' + process.env.INPUT_NAME);`,
      'main.js': `console.log('main state ' + process.env.STATE_from_pre);`,
      'post.js': `console.log('post state ' + process.env.STATE_from_pre);`,
    };
    for (const [name, text] of Object.entries(files)) writeFileSync(join(repo, name), text);
    const git = (...args: string[]) => execFileSync('git', ['-C', repo, ...args]);
    git('init', '-q', '-b', 'main');
    git('add', '.');
    git('-c', 'user.name=t', '-c', 'user.email=t@t', 'commit', '-qm', 'c');
    git('tag', 'v1');
    const r = await runWorkflow(
      wf(`jobs:
  j:
    runs-on: ubuntu-latest
    steps:
      - run: echo first
      - id: remote
        uses: acme/lifecycle@v1
`),
      { actionsUrl: `file://${server}` },
    );
    expect(r.result.result).toBe('success');
    expect(r.logs.map((l) => l.split(' | ').slice(2).join(' | '))).toEqual(['pre world', 'first', 'main state yes', 'post state yes']);
    expect(r.job('j').steps.map((s) => s.stage)).toEqual(['pre', 'main', 'main', 'post']);
    expect(r.logs.join('\n')).not.toContain('not supported');
  });

  it("runs a container job's node actions (pre, main, post) with kact's node, a runner-image job's with the image's", async () => {
    const server = mkdtempSync(join(tmpdir(), 'kact-git-server-'));
    const repo = join(server, 'acme', 'lifecycle');
    mkdirSync(repo, { recursive: true });
    const files: Record<string, string> = {
      'action.yml': 'name: lifecycle\nruns:\n  using: node20\n  pre: pre.js\n  main: main.js\n  post: post.js\n',
      'pre.js': `console.log('pre');`,
      'main.js': `console.log('main');`,
      'post.js': `console.log('post');`,
    };
    for (const [name, text] of Object.entries(files)) writeFileSync(join(repo, name), text);
    const git = (...args: string[]) => execFileSync('git', ['-C', repo, ...args]);
    git('init', '-q', '-b', 'main');
    git('add', '.');
    git('-c', 'user.name=t', '-c', 'user.email=t@t', 'commit', '-qm', 'c');
    git('tag', 'v1');
    // Records which node each process ran with; kact's own node is this machine's here.
    class NodeRecordingPods extends LocalPods {
      readonly nodes: string[] = [];
      override runProcess(...[pod, request, output, signal]: Parameters<LocalPods['runProcess']>) {
        const [program, script] = request.command;
        if (script?.endsWith('.js')) this.nodes.push(`${pod.mainContainer} ${program} ${script.split('/').pop()}`);
        const command = program === POD_EXTERNALS.node ? ['node', ...request.command.slice(1)] : request.command;
        return super.runProcess(pod, { ...request, command }, output, signal);
      }
    }
    const pods = new NodeRecordingPods();
    const r = await runWorkflow(
      {
        ...wf(`jobs:
  in-container:
    runs-on: ubuntu-latest
    container: redis:7
    steps:
      - uses: acme/lifecycle@v1
      - uses: ./js
  on-runner:
    needs: in-container
    runs-on: ubuntu-latest
    steps:
      - uses: ./js
  container-without-actions:
    needs: on-runner
    runs-on: ubuntu-latest
    container: redis:7
    steps:
      - run: echo plain
`),
        'js/action.yml': 'name: js\nruns:\n  using: node20\n  main: index.js\n',
        'js/index.js': `console.log('js');`,
      },
      { actionsUrl: `file://${server}`, pods },
    );
    expect(r.result.result).toBe('success');
    expect(pods.nodes).toEqual([
      `job ${POD_EXTERNALS.node} pre.js`,
      `job ${POD_EXTERNALS.node} main.js`,
      `job ${POD_EXTERNALS.node} index.js`,
      `job ${POD_EXTERNALS.node} post.js`,
      'runner node index.js',
    ]);
    // By job: the pods of jobs that wait for others start ahead, while those run.
    expect(Object.fromEntries(pods.started.map((p) => [p.labels['kact.dev/job'], [p.main.image, p.externals ?? false]]))).toEqual({
      'in-container': ['redis:7', true],
      'on-runner': ['local', false],
      'container-without-actions': ['redis:7', false],
    });
  });

  it("skips a local docker action's pre-entrypoint with the runner's warning", async () => {
    class RecordingPods extends LocalPods {
      readonly entrypoints: (string | undefined)[] = [];
      override async runContainer(_pod: Parameters<LocalPods['runContainer']>[0], request: Parameters<LocalPods['runContainer']>[1]) {
        this.entrypoints.push(request.entrypoint?.[0]);
        return { exitCode: 0, fileCommands: {} };
      }
    }
    const pods = new RecordingPods();
    const r = await runWorkflow(
      {
        ...wf(`jobs:\n  j:\n    runs-on: ubuntu-latest\n    steps:\n      - id: d\n        uses: ./docker-act\n`),
        'docker-act/action.yml': `name: d
runs:
  using: docker
  image: docker://alpine:3
  pre-entrypoint: /pre.sh
  entrypoint: /main.sh
  post-entrypoint: /post.sh
`,
      },
      { pods },
    );
    expect(r.result.result).toBe('success');
    expect(pods.entrypoints).toEqual(['/main.sh', '/post.sh']);
    expect(r.step('j', 'd').annotations).toEqual([{ level: 'warning', message: "`pre` execution is not supported for local action from './docker-act'" }]);
  });

  it('cancels on request: the running step stops, always() steps and the run report cancelled', async () => {
    const r = await runWorkflow(
      wf(`jobs:
  j:
    runs-on: ubuntu-latest
    steps:
      - id: long
        run: sleep 30
      - if: always()
        run: echo cleanup ran
`),
      { cancelAfterMs: 1500 },
    );
    expect(r.result.result).toBe('cancelled');
    expect(r.step('j', 'long').outcome).toBe('cancelled');
    expect(r.logs.some((l) => l.endsWith('| cleanup ran'))).toBe(true);
    expect(r.pods.roots.size).toBe(0);
  });

  it('reports an unknown local action with its location and fails the step', async () => {
    const r = await runWorkflow(wf(`jobs:\n  j:\n    runs-on: ubuntu-latest\n    steps:\n      - uses: ./missing\n`));
    expect(r.result.result).toBe('failure');
    expect(r.job('j').steps[0]!.error).toMatch(/w\.yml:6:\d+: .*missing/);
  });

  it('runs a local reusable workflow with inputs, secrets and outputs', async () => {
    const r = await runWorkflow(
      {
        '.github/workflows/caller.yml': `on: push
jobs:
  call:
    uses: ./.github/workflows/callee.yml
    with: { who: kact }
    secrets: inherit
  after:
    needs: call
    runs-on: ubuntu-latest
    steps:
      - run: echo "callee said \${{ needs.call.outputs.said }}"
`,
        '.github/workflows/callee.yml': `on:
  workflow_call:
    inputs:
      who: { type: string, required: true }
      times: { type: number, default: 2 }
    outputs:
      said:
        value: \${{ jobs.greet.outputs.line }}
jobs:
  greet:
    runs-on: ubuntu-latest
    outputs:
      line: \${{ steps.s.outputs.line }}
    steps:
      - id: s
        run: echo "line=hello \${{ inputs.who }} x\${{ inputs.times }}" >> "$GITHUB_OUTPUT"
      - run: echo "token \${{ secrets.TOKEN }}"
`,
      },
      { secrets: { TOKEN: 'pa55word' } },
    );
    expect(r.result.result).toBe('success');
    expect(r.job('greet').name).toBe('call / greet');
    expect(r.logs.some((l) => l.endsWith('| callee said hello kact x2'))).toBe(true);
    expect(r.logs.some((l) => l.startsWith('call / greet |') && l.endsWith('| token ***'))).toBe(true);
  });

  it('--debug shows each step, its environment redacted and the workspace listing, and ::debug:: lines', async () => {
    const r = await runWorkflow(
      {
        ...wf(`jobs:
  j:
    runs-on: ubuntu-latest
    env:
      API_TOKEN: \${{ secrets.TOKEN }}
      PLAIN: visible
    steps:
      - run: echo "::debug::a debug line"
`),
        'src/app.txt': 'twelve bytes',
      },
      { secrets: { TOKEN: 'hunter2-secret' }, debug: true },
    );
    const debug = r.logs.filter((l) => l.includes('##[debug]')).map((l) => l.split(' | ').slice(2).join(' | '));
    expect(debug[0]).toMatch(/^##\[debug\]run step in container runner, shell bash \(default\), working directory \/github\/workspace$/);
    expect(debug).toContain('##[debug]  API_TOKEN=***');
    expect(debug).toContain('##[debug]  PLAIN=visible');
    expect(debug).toContain('##[debug]  12\tsrc/app.txt');
    expect(debug).toContain('##[debug]a debug line');
    expect(r.logs.join('\n')).not.toContain('hunter2-secret');
  });

  it('shows ::debug:: lines only with --debug', async () => {
    const r = await runWorkflow(wf(`jobs:\n  j:\n    runs-on: ubuntu-latest\n    steps:\n      - run: echo "::debug::hidden"\n`));
    expect(r.logs.join('\n')).not.toContain('hidden');
  });

  it('checks out another repository from the actions URL into a path', async () => {
    const server = mkdtempSync(join(tmpdir(), 'kact-git-server-'));
    const repo = join(server, 'acme', 'other');
    mkdirSync(repo, { recursive: true });
    const git = (...args: string[]) => execFileSync('git', ['-C', repo, ...args]);
    git('init', '-q', '-b', 'main');
    writeFileSync(join(repo, 'README'), 'the other repository\n');
    git('add', 'README');
    git('-c', 'user.name=t', '-c', 'user.email=t@t', 'commit', '-qm', 'c');
    const r = await runWorkflow(
      wf(`jobs:
  j:
    runs-on: ubuntu-latest
    steps:
      - uses: actions/checkout@v4
        with: { repository: acme/other, ref: main, path: deps/other }
      - run: cat "$GITHUB_WORKSPACE/deps/other/README"
`),
      { actionsUrl: `file://${server}` },
    );
    expect(r.result.result).toBe('success');
    expect(r.logs.some((l) => l.endsWith('| the other repository'))).toBe(true);
  });

  it('removes the pod after the job', async () => {
    const r = await runWorkflow(wf(`jobs:\n  j:\n    runs-on: ubuntu-latest\n    steps:\n      - run: true\n`));
    expect(r.pods.started).toHaveLength(1);
    expect(r.pods.roots.size).toBe(0);
  });
});
