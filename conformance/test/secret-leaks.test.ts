import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { KubeConfig, Watch } from '@kubernetes/client-node';
import { stringify } from 'yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { prepareCaseRepo, type CaseRepo } from '../src/case-repo.js';
import { CONFORMANCE_DIR, REPO_ROOT } from '../src/cases.js';
import { LocalProvider } from '../src/cluster-providers/local.js';
import type { Cluster } from '../src/cluster-providers/cluster-provider.js';
import { runKact, type KactExit } from '../src/kact-process.js';
import { findLeftovers, RUN_ID_LABEL, runIdFromOutput } from '../src/leftovers.js';

// Issue 14: a secret never appears anywhere kact writes or puts on the cluster. One workflow
// (test/fixtures/secret-leaks) hands secrets around every way workflows do; it runs through the
// public CLI under each step strategy while every object of kact's namespace is watched, and
// then each place is searched for every form of every secret GitHub's runner promises to hide.

const provider = new LocalProvider({ repoRoot: REPO_ROOT });
const availability = await provider.check();
if (!availability.available) console.log(`secret leak test skipped: ${availability.reason}`);

const KACT_BIN = join(REPO_ROOT, 'packages', 'cli', 'bin', 'kact.js');
const FIXTURE = join(CONFORMANCE_DIR, 'test', 'fixtures', 'secret-leaks');
const hex = (bytes: number) => randomBytes(bytes).toString('hex');

/** Fresh values for each test run: nothing else on the cluster or in any file can hold them. */
const SECRETS = {
  PLAIN: `pl41n-${hex(12)}`,
  MULTI: `first-line-${hex(6)}\nsecond line ${hex(6)}\n  third-${hex(6)}  `,
  JSON_CREDS: `{"user":"u","password":"p4ss-${hex(8)}"}`,
  // Base64-shaped, with its padding.
  B64: randomBytes(20).toString('base64'),
};

/**
 * What GitHub's runner masks for a value (its SecretMasker with the ValueEncoders it registers):
 * the value, each line of a multi-line value, base64 at the three byte alignments (unpadded,
 * standard and URL alphabets), the JSON string escape and the URI data escape. Only these are
 * promised: a pretty-printed JSON secret's fields, hex, or a base64 wrapped over lines are not,
 * so the workflow prints hex to tell the test values made at run time.
 */
function forms(value: string): string[] {
  const out = new Set<string>([value]);
  if (/[\r\n]/.test(value)) for (const line of value.split(/\r?\n/)) if (line.trim()) out.add(line.trim());
  const bytes = Buffer.from(value);
  for (let shift = 0; shift < 3; shift++) {
    const b64 = bytes.subarray(shift).toString('base64').replace(/=+$/, '');
    out.add(b64).add(b64.replace(/\+/g, '-').replace(/\//g, '_'));
  }
  out.add(JSON.stringify(value).slice(1, -1));
  out.add(encodeURIComponent(value));
  // Short encodings (of a short line) would match by chance; every form here is long.
  return [...out].filter((f) => f.length >= 8);
}

interface Leak {
  secret: string;
  form: string;
  where: string;
}

/** Every form of every secret, by the secret's name. */
type Forms = Array<{ secret: string; form: string }>;
const formsOf = (secrets: Record<string, string>): Forms => Object.entries(secrets).flatMap(([secret, value]) => forms(value).map((form) => ({ secret, form })));

/** Every place in `text` where a form of a secret occurs, with some context. */
function leaksIn(text: string, where: string, secrets: Forms): Leak[] {
  const found: Leak[] = [];
  for (const { secret, form } of secrets) {
    const at = text.indexOf(form);
    if (at >= 0) found.push({ secret, form, where: `${where}: …${text.slice(Math.max(0, at - 60), at + form.length + 20)}…` });
  }
  return found;
}

/** Leaks in an object, naming the JSON path of each string that holds one. */
function leaksInObject(value: unknown, where: string, secrets: Forms): Leak[] {
  if (typeof value === 'string') return leaksIn(value, where, secrets);
  if (Array.isArray(value)) return value.flatMap((item, i) => leaksInObject(item, `${where}[${i}]`, secrets));
  if (value && typeof value === 'object') {
    return Object.entries(value).flatMap(([key, item]) => [...leaksIn(key, `${where} (key)`, secrets), ...leaksInObject(item, `${where}.${key}`, secrets)]);
  }
  return [];
}

const show = (leaks: Leak[]) => leaks.map((l) => `${l.secret} (${JSON.stringify(l.form)}) in ${l.where}`);

interface KubeObjectSeen {
  kind: string;
  metadata?: { name?: string; namespace?: string; labels?: Record<string, string>; annotations?: Record<string, string>; uid?: string; ownerReferences?: Array<{ uid?: string }> };
  involvedObject?: { name?: string; uid?: string; kind?: string; fieldPath?: string };
  data?: unknown;
  stringData?: unknown;
  spec?: { ephemeralContainers?: unknown[]; containers?: unknown[] };
}

const WATCHED = { Pod: 'pods', ConfigMap: 'configmaps', Secret: 'secrets', Service: 'services', Event: 'events', PersistentVolumeClaim: 'persistentvolumeclaims' } as const;

/**
 * Every version of every object of these kinds in the namespace while the run goes (a watch gets
 * each change, so a pod spec, an ephemeral container added for one step and a per-step Secret
 * deleted a second later are all seen); a watch the server ends resumes where it was.
 */
class NamespaceRecorder {
  readonly seen: KubeObjectSeen[] = [];
  private readonly controllers: AbortController[] = [];
  private readonly versions = new Map<string, string>();
  private stopped = false;

  constructor(
    private readonly config: KubeConfig,
    private readonly namespace: string,
  ) {}

  async start(): Promise<void> {
    await Promise.all(Object.entries(WATCHED).map(([kind, plural]) => this.watch(kind, plural)));
  }

  private async watch(kind: string, plural: string): Promise<void> {
    if (this.stopped) return;
    const version = this.versions.get(kind);
    const controller = await new Watch(this.config).watch(
      `/api/v1/namespaces/${this.namespace}/${plural}`,
      version ? { resourceVersion: version } : {},
      (_phase: string, object: KubeObjectSeen & { metadata?: { resourceVersion?: string } }) => {
        if (object.metadata?.resourceVersion) this.versions.set(kind, object.metadata.resourceVersion);
        this.seen.push({ ...structuredClone(object), kind });
      },
      (error: unknown) => {
        // An error (a version too old to resume from) starts over with a fresh list.
        if (error) this.versions.delete(kind);
        setTimeout(() => void this.watch(kind, plural).catch(() => undefined), error ? 500 : 0);
      },
    );
    this.controllers.push(controller);
  }

  stop(): void {
    this.stopped = true;
    for (const c of this.controllers) c.abort();
  }
}

interface Observation {
  strategy: string;
  run: KactExit;
  runId: string;
  json: string;
  junit: string;
  /** Every version of every object of the namespace seen while the run went. */
  objects: KubeObjectSeen[];
  /** The run's objects (its label, or owned by one of its pods), every version seen. */
  runObjects: KubeObjectSeen[];
  events: KubeObjectSeen[];
  /** The secrets given with -s, and the values made at run time (::add-mask::, runtime tokens). */
  secrets: Record<string, string>;
  /** Their forms to search for. */
  forms: Forms;
  left: string[];
}

/** Values the workflow made at run time and revealed as hex (which GitHub does not mask): `reveal <what> <hex>`. */
function revealed(output: string): Record<string, string> {
  const values: Record<string, string> = {};
  for (const [, what, data] of output.matchAll(/reveal (add-mask|runtime token) ([0-9a-f]+)/g)) {
    const value = Buffer.from(data!, 'hex').toString('utf8');
    if (!Object.values(values).includes(value)) values[`${what} #${Object.keys(values).filter((k) => k.startsWith(what!)).length + 1}`] = value;
  }
  return values;
}

async function observe(cluster: Cluster, strategy: string, extraArgs: string[], config?: Record<string, unknown>): Promise<Observation> {
  const kube = new KubeConfig();
  kube.loadFromFile(cluster.kubeconfig);
  if (cluster.context) kube.setCurrentContext(cluster.context);
  const namespace = cluster.namespace ?? kube.getContextObject(kube.getCurrentContext())?.namespace ?? 'default';
  const repo: CaseRepo = await prepareCaseRepo(FIXTURE, `secret-leaks-${strategy}`, {}, []);
  const recorder = new NamespaceRecorder(kube, namespace);
  await recorder.start();
  try {
    const json = join(repo.root, 'report.json');
    const junit = join(repo.root, 'report.xml');
    const configFile = join(repo.root, 'kact.config.yaml');
    if (config) writeFileSync(configFile, stringify(config));
    // Secrets' values as variables, the way one reaches `options:`, where the secrets context is not allowed.
    const varFile = join(repo.root, 'vars.env');
    writeFileSync(varFile, `OPT_VALUE='${SECRETS.B64}'\nDB_PASSWORD='${SECRETS.PLAIN}'\n`);
    const run = await runKact({
      bin: KACT_BIN,
      // `-s NAME` reads the value from kact's environment: no secret on any command line.
      args: [
        'run', '-C', repo.repo, '--strategy', strategy, '--kubeconfig', cluster.kubeconfig,
        ...(cluster.context ? ['--context', cluster.context] : []),
        ...(cluster.namespace ? ['--namespace', cluster.namespace] : []),
        ...Object.keys(SECRETS).flatMap((name) => ['-s', name]),
        '--var-file', varFile,
        '--json', json, '--junit', junit, '--verbose',
        '--action-cache-path', repo.actionCache,
        '--artifact-server-path', join(repo.root, 'artifacts'),
        '--cache-server-path', join(repo.root, 'cache'),
        ...(config ? ['--config', configFile] : []),
        ...extraArgs,
      ],
      cwd: repo.repo,
      env: SECRETS,
      timeoutMs: 6 * 60_000,
    });
    const runId = runIdFromOutput(run.output) ?? '';
    const left = runId ? await findLeftovers(cluster, runId) : [];
    // Events of the run's objects may be recorded a moment after the run ends.
    await new Promise((r) => setTimeout(r, 2000));
    recorder.stop();
    const objects = recorder.seen;
    const podUids = new Set(objects.filter((o) => o.kind === 'Pod' && o.metadata?.labels?.[RUN_ID_LABEL] === runId).map((o) => o.metadata!.uid));
    const runObjects = objects.filter((o) => o.kind !== 'Event' && (o.metadata?.labels?.[RUN_ID_LABEL] === runId || o.metadata?.ownerReferences?.some((r) => podUids.has(r.uid))));
    const names = new Set(runObjects.map((o) => o.metadata?.name));
    const events = objects.filter((o) => o.kind === 'Event' && (podUids.has(o.involvedObject?.uid) || names.has(o.involvedObject?.name)));
    return {
      strategy,
      run,
      runId,
      json: existsSync(json) ? readFileSync(json, 'utf8') : '',
      junit: existsSync(junit) ? readFileSync(junit, 'utf8') : '',
      objects,
      runObjects,
      events,
      secrets: { ...SECRETS, ...revealed(run.output) },
      forms: formsOf({ ...SECRETS, ...revealed(run.output) }),
      left,
    };
  } finally {
    recorder.stop();
    await repo.remove();
  }
}

/** What a Secret may hold: its values. Everything else of it (name, labels, annotations, type) is searched. */
const withoutValues = (o: KubeObjectSeen) => (o.kind === 'Secret' ? { ...o, data: undefined, stringData: undefined } : o);

const describeName = (o: KubeObjectSeen) => `${o.kind} ${o.metadata?.name ?? '?'}`;

describe.skipIf(!availability.available)('secrets never appear anywhere (issue 14)', () => {
  let cluster: Cluster;
  beforeAll(async () => {
    expect(existsSync(join(REPO_ROOT, 'packages', 'cli', 'dist', 'main.js')), 'the test runs the built kact: npx nx run-many -t build').toBe(true);
    cluster = await provider.start();
  });
  afterAll(async () => {
    await cluster?.stop();
  });

  // Both step strategies with kact's default modules; the sidecar run takes the runtime services
  // through the reverse tunnel (a relay pod of the run). A third run puts services in pods of
  // their own and the static env inline in the pod spec (the modules that place env elsewhere),
  // with --debug, which prints every step's environment.
  const runs: Array<{ title: string; strategy: string; args: string[]; config?: Record<string, unknown> }> = [
    { title: '--strategy exec', strategy: 'exec', args: [] },
    { title: '--strategy sidecar', strategy: 'sidecar', args: ['--runtime-route', 'tunnel'] },
    { title: '--strategy exec --debug, services: pods, env: inline', strategy: 'exec', args: ['--debug'], config: { services: 'pods', env: 'inline' } },
  ];
  for (const { title, strategy, args, config } of runs) {
    describe(title, () => {
      let o: Observation;
      beforeAll(async () => {
        o = await observe(cluster, strategy, args, config);
      }, 8 * 60_000);

      it('the run succeeded and its steps really used every secret', () => {
        expect(o.run.exit, o.run.output).toBe(0);
        expect(o.runId).toMatch(/^[0-9a-f]{8}$/);
        const out = o.run.output;
        // Each value reached its step intact (lengths, comparisons), and was shown masked.
        expect(out).toContain(`plain length ${SECRETS.PLAIN.length} json length ${SECRETS.JSON_CREDS.length} b64 length ${SECRETS.B64.length}`);
        for (const line of ['plain context ***', 'plain env ***', 'job env *** workflow env ***', 'json ***', 'b64 ***', 'masked value ***', 'docker plain ***', 'node input ***', 'node runtime token ***', 'post state *** ***']) {
          expect(out, line).toContain(line);
        }
        expect(out).toContain('multi-line secret round trip ok');
        expect(out).toContain('docker secret argument arrived intact');
        expect(out).toContain(`container env *** ${SECRETS.PLAIN.length} not-a-secret`);
        // Secrets in `container: options: -e …` and a service's `options: --health-cmd …` reached their
        // containers (the job's steps start only once the service's health command, which compares the
        // secret with the service's env, passes).
        expect(out).toContain('container option env *** arrived intact, beside plain-option');
        expect(out).toContain('postgres with a secret password accepts connections');
        expect(out).toContain('runtime token in a run step: [none]');
        if (args.includes('--debug')) expect(out).toMatch(/\[debug\]\s+PLAIN_ENV=\*\*\*$/m);
        // The values made at run time were told: one ::add-mask:: value, the runtime token (one per job).
        const made = Object.keys(o.secrets).filter((k) => !(k in SECRETS));
        expect(made).toEqual(expect.arrayContaining(['add-mask #1', 'runtime token #1']));
        expect(o.secrets['runtime token #1']).toMatch(/^[\w-]+\.[\w-]+\.[\w-]+$/);
        expect(o.left, 'objects the run left').toEqual([]);
      });

      it('the watch saw the run: its pods, their Secrets (which hold the values) and their events', () => {
        const pods = o.runObjects.filter((x) => x.kind === 'Pod');
        expect(new Set(pods.map((p) => p.metadata?.name)).size, 'job pods').toBeGreaterThanOrEqual(2);
        expect(pods.some((p) => (p.spec?.ephemeralContainers?.length ?? 0) > 0), 'a docker step added an ephemeral container').toBe(true);
        expect(o.events.length, 'events of the run').toBeGreaterThan(0);
        // The search finds a secret where it may be: the job's Secret stores it (base64 in data).
        const secretValues = o.runObjects.filter((x) => x.kind === 'Secret').map((x) => JSON.stringify(x.data ?? {}));
        expect(secretValues.some((data) => data.includes(Buffer.from(SECRETS.PLAIN).toString('base64'))), "the job's Secret holds the secret").toBe(true);
      });

      it('every console line kact printed', () => {
        expect(show(leaksIn(o.run.output, 'console', o.forms))).toEqual([]);
      });

      it('the --json and --junit reports', () => {
        expect(o.json).toContain('"result": "success"');
        expect(o.junit).toContain('<testsuites');
        expect(show(leaksIn(o.json, '--json', o.forms))).toEqual([]);
        expect(show(leaksIn(o.junit, '--junit', o.forms))).toEqual([]);
        // Job outputs that hold a secret are dropped, as on GitHub; the plain one is kept.
        const report = JSON.parse(o.json) as { jobs: Array<{ jobId: string; outputs: Record<string, string> }> };
        expect(report.jobs.find((j) => j.jobId === 'secrets')?.outputs).toEqual({ safe: 'plain-text' });
      });

      it('pod specs and statuses (every version, ephemeral step containers included)', () => {
        const pods = o.objects.filter((x) => x.kind === 'Pod');
        expect(show(pods.flatMap((p) => leaksInObject(p, describeName(p), o.forms)))).toEqual([]);
      });

      it('ConfigMaps, Services and claims: whole; Secrets: all but their values', () => {
        const others = o.objects.filter((x) => x.kind !== 'Pod' && x.kind !== 'Event');
        if (!config) expect(others.some((x) => x.kind === 'ConfigMap' && x.metadata?.labels?.[RUN_ID_LABEL] === o.runId), "the run's env ConfigMap was seen").toBe(true);
        expect(show(others.flatMap((x) => leaksInObject(withoutValues(x), describeName(x), o.forms)))).toEqual([]);
      });

      it('labels and annotations of every object', () => {
        const meta = o.objects.map((x) => ({ name: describeName(x), labels: x.metadata?.labels ?? {}, annotations: x.metadata?.annotations ?? {} }));
        expect(show(meta.flatMap((m) => leaksInObject({ labels: m.labels, annotations: m.annotations }, m.name, o.forms)))).toEqual([]);
      });

      it('Kubernetes events', () => {
        const all = o.objects.filter((x) => x.kind === 'Event');
        expect(show(all.flatMap((e) => leaksInObject(e, `Event about ${e.involvedObject?.kind} ${e.involvedObject?.name} ${e.involvedObject?.fieldPath ?? ''}`, o.forms)))).toEqual([]);
      });
    });
  }
});
