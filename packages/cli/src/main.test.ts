import { execFileSync, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { main } from './main.js';

const here = dirname(fileURLToPath(import.meta.url));
const example = resolve(here, '../../../examples/hello');

async function kact(...argv: string[]) {
  let out = '';
  let err = '';
  const code = await main(argv, { out: (t) => (out += t.endsWith('\n') ? t : `${t}\n`), err: (t) => (err += t.endsWith('\n') ? t : `${t}\n`) });
  return { code, out, err };
}

function repo(files: Record<string, string>): string {
  const dir = mkdtempSync(join(tmpdir(), 'kact-cli-'));
  for (const [path, text] of Object.entries(files)) {
    mkdirSync(dirname(join(dir, path)), { recursive: true });
    writeFileSync(join(dir, path), text);
  }
  return dir;
}

const twoWorkflows = {
  '.github/workflows/ci.yml': `name: CI
on: [push, pull_request]
jobs:
  build:
    runs-on: ubuntu-latest
    steps:
      - run: echo build
  test:
    needs: build
    runs-on: ubuntu-latest
    strategy:
      matrix:
        node: [18, 20]
    steps:
      - uses: ./.github/actions/hi
  lint:
    needs: build
    runs-on: ubuntu-latest
    steps:
      - uses: docker://alpine:3
  ship:
    needs: [test, lint]
    runs-on: self-hosted
    steps:
      - uses: actions/setup-node@v4
`,
  '.github/workflows/release.yml': `on: release
jobs:
  publish:
    runs-on: ubuntu-latest
    steps:
      - run: echo publish
`,
  '.github/actions/hi/action.yml': `name: hi
runs:
  using: composite
  steps:
    - run: echo hi
      shell: bash
`,
};

describe('kact list', () => {
  it('shows every job with stage, names, workflow and events', async () => {
    const r = await kact('list', '-C', repo(twoWorkflows));
    expect(r.code).toBe(0);
    const lines = r.out.trim().split('\n');
    expect(lines[0]).toMatch(/^Stage\s+Job ID\s+Job name\s+Workflow name\s+Workflow file\s+Events$/);
    expect(lines.slice(1).map((l) => l.split(/\s+/).slice(0, 2).join(' '))).toEqual(['0 build', '1 test', '1 lint', '2 ship', '0 publish']);
    expect(r.out).toMatch(/publish\s+publish\s+\.github\/workflows\/release\.yml\s+\.github\/workflows\/release\.yml\s+release/);
    expect(r.out).toMatch(/build\s+build\s+CI\s+\.github\/workflows\/ci\.yml\s+push,pull_request/);
  });

  it('filters by --event', async () => {
    const r = await kact('list', '-C', repo(twoWorkflows), '--event', 'release');
    expect(r.out.trim().split('\n')).toHaveLength(2);
  });
});

describe('kact graph', () => {
  it('draws stages with arrows between them', async () => {
    const r = await kact('graph', '-C', repo(twoWorkflows), '--event', 'push');
    expect(r.code).toBe(0);
    const lines = r.out.split('\n');
    const row = (id: string) => lines.findIndex((l) => l.includes(`│ ${id} │`));
    expect(row('build')).toBeLessThan(row('test'));
    expect(row('test')).toBe(row('lint'));
    expect(row('lint')).toBeLessThan(row('ship'));
    expect(r.out).toContain('⬇');
  });
});

describe('kact run --dry-run', () => {
  it('prints stages, matrix legs, images and step kinds', async () => {
    const r = await kact('run', '--dry-run', '-C', repo(twoWorkflows));
    expect(r.code).toBe(0);
    expect(r.out).toContain('event push: 4 job(s) in 3 stage(s)');
    expect(r.out).toContain('test (18) on ubuntu-latest → kact.local/runner:trixie');
    expect(r.out).toContain('test (20) on ubuntu-latest → kact.local/runner:trixie');
    expect(r.out).toContain('local action ./.github/actions/hi');
    expect(r.out).toContain('docker image docker://alpine:3');
    expect(r.out).toContain('remote action actions/setup-node@v4');
    expect(r.out).toMatch(/ship on self-hosted → no image mapped/);
    expect(r.out).not.toContain('publish');
  });

  it('maps labels with -P', async () => {
    const r = await kact('run', '-n', '-C', repo(twoWorkflows), '-P', 'self-hosted=my/runner:1', '-j', 'ship');
    expect(r.out).toContain('ship on self-hosted → my/runner:1');
    expect(r.out).toContain('4 job(s)');
  });

  it('needs no cluster: a kubeconfig that is not there is not read', async () => {
    const r = await kact('run', '--dry-run', '-C', example, '--kubeconfig', join(tmpdir(), 'kact-no-such-kubeconfig'), '--context', 'nowhere');
    expect(r.code, r.err).toBe(0);
    expect(r.out).toContain('modules: strategy exec, containers platforms, env configmap, secrets job, files emptydir, services in-pod');
  });

  it('plans the example workflow', async () => {
    const r = await kact('run', '--dry-run', '-C', example);
    expect(r.code).toBe(0);
    expect(r.out).toContain('service redis: redis:7');
    expect(r.out).toMatch(/test \(ubuntu-latest, 3, lint\) on ubuntu-latest/);
  });

  it('uses the event of --event and the payload of -e', async () => {
    const dir = repo({
      ...twoWorkflows,
      'event.json': JSON.stringify({ pull_request: { number: 3, head: { ref: 'topic' }, base: { ref: 'main' } } }),
      '.github/workflows/pr.yml': `on: pull_request
jobs:
  only-topic:
    if: github.head_ref == 'topic'
    runs-on: \${{ github.base_ref == 'main' && 'ubuntu-latest' || 'nothing' }}
    steps:
      - run: echo hi
`,
    });
    const r = await kact('run', '-n', '-C', dir, '--event', 'pull_request', '-e', join(dir, 'event.json'));
    expect(r.code).toBe(0);
    expect(r.out).toContain('only-topic on ubuntu-latest → kact.local/runner:trixie');
    expect(r.out).not.toContain('release');
  });
});

describe('kact eval', () => {
  const ctxFile = join(repo({ 'ctx.json': JSON.stringify({ matrix: { node: 20 }, github: { ref: 'refs/heads/main' } }) }), 'ctx.json');

  it('prints an expression value as JSON', async () => {
    expect((await kact('eval', 'fromJSON(\'{"a":[1,2]}\').a')).out.trim()).toBe('[\n  1,\n  2\n]');
    expect((await kact('eval', "github.ref == 'refs/heads/main'", '--context', ctxFile)).out.trim()).toBe('true');
  });

  it('prints a template as the resulting string', async () => {
    expect((await kact('eval', 'node ${{ matrix.node }} on ${{ github.ref }}', '--context', ctxFile)).out).toBe('node 20 on refs/heads/main\n');
  });

  it('honours --status for status functions', async () => {
    expect((await kact('eval', 'failure()', '--status', 'failure')).out.trim()).toBe('true');
  });

  it('exits 2 with one line for a bad expression', async () => {
    const r = await kact('eval', '1 ==');
    expect(r.code).toBe(2);
    expect(r.err.trim().split('\n')).toHaveLength(1);
    expect(r.err).toMatch(/^error: /);
  });

  it('exits 2 for a missing context file', async () => {
    const r = await kact('eval', 'true', '--context', '/nonexistent.json');
    expect(r.code).toBe(2);
    expect(r.err).toContain('/nonexistent.json');
  });

  it('prints Infinity, -Infinity and NaN as GitHub writes them, not null; inside JSON as strings', async () => {
    expect((await kact('eval', 'Infinity')).out).toBe('Infinity\n');
    expect((await kact('eval', '-Infinity')).out).toBe('-Infinity\n');
    expect((await kact('eval', 'NaN')).out).toBe('NaN\n');
    expect((await kact('eval', 'x=${{ Infinity }}')).out).toBe('x=Infinity\n');
    const array = (await kact('eval', "fromJSON('[1e400, 2]')")).out;
    expect(JSON.parse(array)).toEqual(['Infinity', 2]);
  });

  it('evaluates an expression whose string literal holds ${{ }}, interpolates a template with an apostrophe', async () => {
    expect((await kact('eval', "format('{0}!', '${{ x }}')")).out).toBe('"${{ x }}!"\n');
    expect((await kact('eval', "it's ${{ matrix.node }}", '--context', ctxFile)).out).toBe("it's 20\n");
  });

  it('--template and --expression force the mode; both at once are refused', async () => {
    expect((await kact('eval', '--template', "'${{ github.ref }}'", '--context', ctxFile)).out).toBe("'refs/heads/main'\n");
    expect((await kact('eval', '--template', 'no expression here')).out).toBe('no expression here\n');
    const forced = await kact('eval', '--expression', 'a ${{ 1 }}');
    expect(forced.code).toBe(2);
    expect(forced.err).toContain('Unexpected symbol');
    const both = await kact('eval', '--template', '--expression', 'x');
    expect(both.code).toBe(2);
    expect(both.err).toContain("option '--template' cannot be used with option '--expression'");
  });

  it("reads text starting with '-' as the expression, also after --; an unknown flag points at --", async () => {
    expect((await kact('eval', '-1 < 0')).out).toBe('true\n');
    expect((await kact('eval', '-1 < 0', '--status', 'failure')).out).toBe('true\n');
    expect((await kact('eval', '--status', 'failure', '--', '-1 < 0')).out).toBe('true\n');
    expect((await kact('eval', '--', '--status')).err).toContain("Unexpected symbol: '--status'");
    const typo = await kact('eval', '--contxt', ctxFile, 'github.ref');
    expect(typo.code).toBe(2);
    expect(typo.err).toContain("error: unknown option '--contxt'");
    expect(typo.err).toContain('(Did you mean --context?)');
    expect(typo.err).toContain("goes after --: kact eval [options] -- '--contxt'");
  });

  it('documents the modes, the flags and -- in its help', async () => {
    const r = await kact('eval', '--help');
    expect(r.code).toBe(0);
    expect(r.out).toContain('--template');
    expect(r.out).toContain('--expression');
    expect(r.out).toContain("Text may start with '-'; after --, no argument is read as an option.");
  });
});

describe('bad input', () => {
  it('names file:line:col for broken YAML and exits 2 without a stack', async () => {
    const r = await kact('list', '-C', repo({ '.github/workflows/bad.yml': 'on: push\njobs:\n  a:\n    runs-on: [unclosed\n' }));
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/\.github\/workflows\/bad\.yml:\d+:\d+: /);
    expect(r.err).not.toMatch(/\n\s+at /);
  });

  it('refuses a --concurrent-jobs that is not a whole number of at least 1, before it loads anything', async () => {
    const dir = repo({ '.github/workflows/w.yml': 'on: push\njobs:\n  a:\n    runs-on: ubuntu-latest\n    steps:\n      - run: true\n' });
    for (const value of ['0', 'four', '2.5']) {
      const r = await kact('run', '-C', dir, '--dry-run', '--concurrent-jobs', value);
      expect(r.code).toBe(2);
      expect(r.err).toContain(`--concurrent-jobs ${value}: must be a whole number of at least 1`);
    }
  });

  it('reports unknown needs at their place', async () => {
    const r = await kact('list', '-C', repo({ '.github/workflows/w.yml': 'on: push\njobs:\n  a:\n    runs-on: ubuntu-latest\n    needs: ghost\n    steps:\n      - run: true\n' }));
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/w\.yml:\d+:\d+: .*ghost/);
  });

  it('reports a needs cycle', async () => {
    const wf = 'on: push\njobs:\n  a:\n    needs: b\n    runs-on: x\n    steps: [{run: "true"}]\n  b:\n    needs: a\n    runs-on: x\n    steps: [{run: "true"}]\n';
    const r = await kact('list', '-C', repo({ '.github/workflows/w.yml': wf }));
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/w\.yml:\d+:\d+: .*(cycle|circular)/i);
  });

  it('shows the stack with --verbose', async () => {
    const r = await kact('--verbose', 'eval', '1 ==');
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/\n\s+at /);
  });

  it('exits 2 for an unknown -W path', async () => {
    const r = await kact('list', '-C', repo({}), '-W', 'nope');
    expect(r.code).toBe(2);
    expect(r.err).toContain('no workflows at');
  });

  it('exits 2 for an unknown command', async () => {
    expect((await kact('frobnicate')).code).toBe(2);
  });
});

describe('the kact binary', () => {
  const bin = resolve(here, '../bin/kact.js');
  it('runs on plain node and prints help', () => {
    const out = execFileSync(process.execPath, [bin, '--help'], { encoding: 'utf8' });
    expect(out).toMatch(/Usage: kact/);
    expect(out).toMatch(/run \[options\]/);
  });

  it('loads workflows through GitHub parser on plain node (JSON import solved)', () => {
    const r = spawnSync(process.execPath, [bin, 'list', '-C', example], { encoding: 'utf8' });
    expect(r.stderr).toBe('');
    expect(r.stdout).toContain('build');
    expect(r.status).toBe(0);
  });
});
