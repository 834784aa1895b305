import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { cp, mkdtemp, readdir, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { promisify } from 'node:util';
import type { Cluster } from './cluster-providers/cluster-provider.js';
import { REPO_ROOT } from './cases.js';
import { runKact } from './kact-process.js';
import { mapLimited } from './pool.js';

/** One row of the act peer suite's `act-cases.tsv`. */
export interface ActRow {
  /** 1-based line in the TSV. */
  line: number;
  dir: string;
  event: string;
  expected: string;
  needs: string[];
  notes: string;
}

/** `../shared/peer-suites/act` beside the repository. */
export const ACT_PEER_DIR = join(REPO_ROOT, '..', 'shared', 'peer-suites', 'act');

/** Images the local cluster has (tools/images and kube-local's preloads). */
export const LOCAL_IMAGES = ['kact.local/runner:trixie', 'redis:7', 'postgres:15', 'postgres:17'];

const RUNNER_IMAGE = 'kact.local/runner:trixie';

/** Splits a `needs` field on commas outside parentheses: `matrix(include,exclude),needs`. */
export function splitNeeds(field: string): string[] {
  const out: string[] = [];
  let depth = 0;
  let current = '';
  for (const ch of field) {
    if (ch === '(') depth++;
    if (ch === ')') depth = Math.max(0, depth - 1);
    if (ch === ',' && depth === 0) {
      if (current.trim()) out.push(current.trim());
      current = '';
    } else current += ch;
  }
  if (current.trim()) out.push(current.trim());
  return out;
}

export async function readActCases(file = join(ACT_PEER_DIR, 'act-cases.tsv')): Promise<ActRow[]> {
  const lines = (await readFile(file, 'utf8')).split('\n');
  const header = lines[0]!.split('\t');
  const col = (name: string) => header.indexOf(name);
  return lines.slice(1).flatMap((text, i) => {
    if (!text.trim()) return [];
    const f = text.split('\t');
    return [{ line: i + 2, dir: f[col('testdata_dir')]!, event: f[col('event')]!, expected: f[col('expected')]!, needs: splitNeeds(f[col('needs')] ?? ''), notes: f[col('notes')] ?? '' }];
  });
}

/** How to run a row with kact, or why this machine cannot. */
export type ActPlan =
  | { runnable: true; mode: 'run' | 'plan' | 'graph'; model: boolean; workflows: string; args: string[] }
  | { runnable: false; reason: string };

/** `docker.io/library/redis:7` and `redis:7` name the same image; `node:16-buster-slim` has no `latest` to add. */
const normalizeImage = (image: string) => image.replace(/^docker\.io\//, '').replace(/^library\//, '');

/** The images a row names in its needs: `container:X(...)`, `services:id=X(...)`, `docker://X`. */
export function imagesOf(needs: string[]): string[] {
  const images: string[] = [];
  for (const n of needs) {
    let m = /^container:([^(]+)/.exec(n);
    if (m) images.push(m[1]!.trim());
    m = /^services:[^=]+=([^(]+)/.exec(n);
    if (m) images.push(m[1]!.trim());
    for (const d of n.matchAll(/docker:\/\/([^\s;,)]+)/g)) images.push(d[1]!);
  }
  return images;
}

async function workflowTexts(dir: string): Promise<string[]> {
  const s = await stat(dir).catch(() => undefined);
  if (!s) return [];
  if (s.isFile()) return [await readFile(dir, 'utf8')];
  const files = (await readdir(dir)).filter((f) => /\.ya?ml$/.test(f));
  return Promise.all(files.map((f) => readFile(join(dir, f), 'utf8')));
}

/**
 * Sorts a row into "runnable here" (with the kact flags that reproduce act's test) or the
 * reason it is not, most fundamental reason first.
 */
export async function classifyActRow(row: ActRow, opts: { testdata: string; modelTestdata: string; images?: string[] }): Promise<ActPlan> {
  const has = (prefix: string) => row.needs.some((n) => n.startsWith(prefix));
  const images = new Set((opts.images ?? LOCAL_IMAGES).map(normalizeImage));
  if (has('tool:pwsh')) return { runnable: false, reason: 'needs pwsh, which kact.local/runner:trixie (and every local image) lacks' };
  if (has('image-build:') || row.needs.some((n) => n.includes('Dockerfile'))) return { runnable: false, reason: 'builds a Dockerfile action image: kact has no image builder' };
  const remote = row.needs.find((n) => n.startsWith('remote-override:'));
  if (remote) {
    const action = remote.slice('remote-override:'.length).split('->')[0];
    return { runnable: false, reason: `needs the remote action ${action} from GitHub (no internet here, no local stand-in supplied)` };
  }
  const missing = imagesOf(row.needs).filter((i) => !images.has(normalizeImage(i)));
  if (missing.length) return { runnable: false, reason: `image ${[...new Set(missing)].join(', ')} not on the cluster (no registry)` };
  if (has('action-override-map')) return { runnable: false, reason: "act-only feature: action override map (config.yml local-repositories)" };

  const model = row.dir.startsWith('../model/testdata/');
  const root = model ? opts.modelTestdata : opts.testdata;
  const workflows = model ? row.dir.slice('../model/testdata/'.length) : row.dir;
  // act's shared actions/nodeNN run ncc bundles (dist/index.js) that the peer suite does not copy
  for (const text of await workflowTexts(join(root, workflows))) {
    for (const m of text.matchAll(/uses:\s*\.\/actions\/(node\d+)/g)) {
      if (!existsSync(join(root, 'actions', m[1]!, 'dist', 'index.js'))) {
        return { runnable: false, reason: `needs act's bundled ./actions/${m[1]}/dist/index.js (third-party ncc bundle, not copied into the peer suite)` };
      }
    }
  }

  const args = ['--act-compat'];
  if (has('planner-only')) return { runnable: true, mode: row.event === '*' ? 'graph' : 'plan', model, workflows, args: [] };
  // act maps self-hosted to its host (-self-hosted) in every runner test; here it is the runner image
  args.push('-P', `self-hosted=${RUNNER_IMAGE}`);
  if (has('image-pull-failure')) {
    const m = /platform ([^\s=>-]+)->([^)\s]+)/.exec(row.needs.join(','));
    args.push('-P', m ? `${m[1]}=${m[2]}` : 'ubuntu-latest=localhost:0000/missing:latest');
  }
  if (has('remote-action-unreachable')) args.push('--actions-url', 'file:///nonexistent/kact-actions');
  if (row.needs.some((n) => /^(secrets-file|env-file)(\(|$)/.test(n))) args.push('--secret-file', join(workflows, '.secrets'), '--env-file', join(workflows, '.env'));
  if (has('cli-inputs')) args.push('--input', 'SOME_INPUT=input');
  if (has('cli-matrix-filter')) args.push('--matrix', 'node:8', '--matrix', 'node:8.x', '--matrix', 'os:ubuntu-18.04', '-P', `ubuntu-18.04=${RUNNER_IMAGE}`);
  if (row.dir === 'uses-workflow') args.push('-s', 'secret=keep_it_private');
  const eventFile = join(root, workflows, 'event.json');
  if (existsSync(eventFile)) args.push('-e', join(workflows, 'event.json'));
  return { runnable: true, mode: 'run', model, workflows, args };
}

/**
 * Rows where act is more lenient than GitHub: kact follows GitHub, so these are judged by
 * GitHub's outcome (the run must fail) and reported apart.
 */
export const GITHUB_DIFFERS: Record<string, string> = {
  'workflow_call_inputs workflow_call': 'GitHub requires `type` on workflow_call inputs; act accepts inputs without it',
  'issue-1595/no-event.yml push': 'GitHub rejects a workflow without `on:`; act plans it as empty',
};

export type ActRowStatus = 'passed' | 'failed' | 'not runnable';

export interface ActRowResult {
  row: ActRow;
  status: ActRowStatus;
  /** Why not runnable, or what went wrong. */
  reason?: string;
  exit?: number | null;
  durationMs: number;
  output?: string;
  /** Set when act and GitHub differ on the row: it was judged by GitHub's outcome. */
  github?: string;
}

const run = promisify(execFile);

/**
 * act-testdata (and act-model-testdata) copied into a temp git repository whose origin is
 * nektos/act, as act's own tests run inside act's checkout (sha, ref, repository_owner).
 */
async function prepareTestdata(peerDir: string): Promise<{ testdata: string; modelTestdata: string; remove: () => Promise<void> }> {
  const root = await mkdtemp(join(tmpdir(), 'kact-act-peer-'));
  const testdata = join(root, 'runner', 'testdata');
  const modelTestdata = join(root, 'model', 'testdata');
  await cp(join(peerDir, 'act-testdata'), testdata, { recursive: true, verbatimSymlinks: true });
  await cp(join(peerDir, 'act-model-testdata'), modelTestdata, { recursive: true, verbatimSymlinks: true });
  await run('chmod', ['-R', 'u+w', root]);
  for (const dir of [testdata, modelTestdata]) {
    const git = (...args: string[]) => run('git', ['-c', 'user.name=act', '-c', 'user.email=act@kact.invalid', '-c', 'init.defaultBranch=master', ...args], { cwd: dir });
    await git('init', '-q');
    await git('remote', 'add', 'origin', 'https://github.com/nektos/act.git');
    await git('add', '-A');
    await git('commit', '-q', '-m', 'act testdata');
  }
  return { testdata, modelTestdata, remove: () => rm(root, { recursive: true, force: true }) };
}

export interface ActPeerOptions {
  cluster: Cluster;
  strategy?: string;
  concurrency?: number;
  peerDir?: string;
  kactBin?: string;
  images?: string[];
  filter?: (row: ActRow) => boolean;
  onResult?: (r: ActRowResult) => void;
}

/** Runs every runnable row of act-cases.tsv with kact and judges it by act's expectation. */
export async function runActPeer(options: ActPeerOptions): Promise<ActRowResult[]> {
  const peerDir = options.peerDir ?? ACT_PEER_DIR;
  const rows = (await readActCases(join(peerDir, 'act-cases.tsv'))).filter(options.filter ?? (() => true));
  const data = await prepareTestdata(peerDir);
  const bin = options.kactBin ?? join(REPO_ROOT, 'packages', 'cli', 'bin', 'kact.js');
  const { cluster } = options;
  try {
    return await mapLimited(rows, options.concurrency ?? 2, async (row) => {
      const started = Date.now();
      const plan = await classifyActRow(row, { testdata: data.testdata, modelTestdata: data.modelTestdata, ...(options.images ? { images: options.images } : {}) });
      let result: ActRowResult;
      if (!plan.runnable) result = { row, status: 'not runnable', reason: plan.reason, durationMs: 0 };
      else {
        const cwd = plan.model ? data.modelTestdata : data.testdata;
        const common = ['-C', cwd, '-W', plan.workflows];
        const args =
          plan.mode === 'graph'
            ? ['graph', ...common]
            : [
                'run',
                ...common,
                '--event', row.event,
                ...(plan.mode === 'plan' ? ['--dry-run'] : ['--kubeconfig', cluster.kubeconfig, ...(cluster.context ? ['--context', cluster.context] : []), ...(cluster.namespace ? ['--namespace', cluster.namespace] : []), '--strategy', options.strategy ?? 'exec']),
                '--action-cache-path', join(tmpdir(), `kact-act-peer-cache-${process.pid}`),
                // Rows run two at a time: each its own cache folder (a folder serves one kact at a time) and none of the user's.
                '--cache-server-path', join(tmpdir(), `kact-act-peer-actions-cache-${process.pid}-${row.dir.replace(/[^\w.-]+/g, '_')}-${row.event}`),
                '--artifact-server-path', join(tmpdir(), `kact-act-peer-artifacts-${process.pid}`),
                ...plan.args,
              ];
        const ran = await runKact({ bin, args, cwd, timeoutMs: 180_000 });
        const githubDiffers = GITHUB_DIFFERS[`${row.dir} ${row.event}`];
        const wantSuccess = row.expected === 'success' && !githubDiffers;
        const ok = !ran.timedOut && (wantSuccess ? ran.exit === 0 : ran.exit !== 0 && ran.exit !== null);
        const lastLines = ran.output.trim().split('\n').filter((l) => /error|fail|✗|❌/i.test(l)).slice(-3).join(' | ');
        result = {
          row,
          status: ok ? 'passed' : 'failed',
          exit: ran.exit,
          durationMs: Date.now() - started,
          output: ran.output,
          ...(githubDiffers ? { github: githubDiffers } : {}),
          ...(ok ? {} : { reason: `${ran.timedOut ? 'timed out; ' : ''}exit ${ran.exit}, expected ${wantSuccess ? '0' : `non-zero (${row.expected})`}${lastLines ? `: ${lastLines.slice(0, 300)}` : ''}` }),
        };
      }
      options.onResult?.(result);
      return result;
    });
  } finally {
    await data.remove();
  }
}

/** Counts: passed, failed, and not runnable grouped by reason; then the failing rows. */
export function actPeerTable(results: ActRowResult[]): string {
  const label = (r: ActRow) => `${r.dir} [${r.event}]${r.expected === 'success' ? '' : ' (expects failure)'}`;
  const count = (s: ActRowStatus) => results.filter((r) => r.status === s).length;
  const lines = [`act peer runner cases: ${results.length} rows`, `  passed        ${count('passed')}`, `  failed        ${count('failed')}`, `  not runnable  ${count('not runnable')}`];
  const byReason = new Map<string, string[]>();
  for (const r of results.filter((x) => x.status === 'not runnable')) {
    const key = (r.reason ?? '').replace(/image .* not on the cluster/, 'image not on the cluster').replace(/remote action \S+/, 'remote action').replace(/\.\/actions\/node\d+/, './actions/nodeNN');
    byReason.set(key, [...(byReason.get(key) ?? []), basename(r.row.dir) === r.row.dir ? r.row.dir : r.row.dir]);
  }
  for (const [reason, dirs] of [...byReason].sort((a, b) => b[1].length - a[1].length)) lines.push(`    ${String(dirs.length).padStart(3)}  ${reason}: ${dirs.join(', ')}`);
  const failed = results.filter((r) => r.status === 'failed');
  if (failed.length) {
    lines.push('', 'failing runnable rows:');
    for (const r of failed) lines.push(`  ✗ ${label(r.row)} — ${r.reason}`);
  }
  const differs = results.filter((r) => r.github);
  if (differs.length) {
    lines.push('', 'judged by GitHub, not act (act is more lenient):');
    for (const r of differs) lines.push(`  ${r.status === 'passed' ? '✓' : '✗'} ${label(r.row)} — ${r.github}`);
  }
  const passed = results.filter((r) => r.status === 'passed');
  if (passed.length) lines.push('', `passing rows: ${passed.map((r) => label(r.row)).join(', ')}`);
  return lines.join('\n');
}
