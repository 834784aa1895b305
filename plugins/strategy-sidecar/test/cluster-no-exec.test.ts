import 'reflect-metadata';
import { randomBytes } from 'node:crypto';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Container } from 'inversify';
import { CoreV1Api, KubeConfig, RbacAuthorizationV1Api } from '@kubernetes/client-node';
import { afterAll, describe, expect, it } from 'vitest';
import { POD_PATHS, TOKENS, type JobBackend, type JobPod, type StepStrategy } from '@kact/core';
import { clusterForTests, KubeExecTransport, kubernetesBackend, LABELS, type KubeConnection } from '@kact/kubernetes';
import { sidecarStrategy } from '../src/index.js';

const cluster = await clusterForTests('sidecar no-exec cluster test');

/** Everything kact does with the sidecar strategy — and no `pods/exec`, `pods/attach` or `pods/portforward`. */
const RULES = [
  { apiGroups: [''], resources: ['pods'], verbs: ['get', 'list', 'watch', 'create', 'delete'] },
  { apiGroups: [''], resources: ['pods/ephemeralcontainers'], verbs: ['get', 'patch', 'update'] },
  { apiGroups: [''], resources: ['pods/log'], verbs: ['get'] },
  { apiGroups: [''], resources: ['configmaps', 'secrets'], verbs: ['get', 'list', 'create', 'delete', 'patch', 'deletecollection'] },
  { apiGroups: [''], resources: ['events'], verbs: ['get', 'list', 'watch'] },
];

/** A connection that authenticates as the ServiceAccount, with a token from the TokenRequest API. */
async function connectAs(admin: KubeConnection, serviceAccount: string): Promise<KubeConnection> {
  const token = await admin.core.createNamespacedServiceAccountToken({ name: serviceAccount, namespace: admin.namespace, body: { spec: { audiences: [], expirationSeconds: 3600 } } });
  const cluster = admin.config.getCurrentCluster()!;
  const config = new KubeConfig();
  config.loadFromOptions({
    clusters: [{ name: 'c', server: cluster.server, ...(cluster.caData ? { caData: cluster.caData } : {}), ...(cluster.caFile ? { caFile: cluster.caFile } : {}), skipTLSVerify: cluster.skipTLSVerify }],
    users: [{ name: serviceAccount, token: token.status!.token }],
    contexts: [{ name: 'sa', cluster: 'c', user: serviceAccount, namespace: admin.namespace }],
    currentContext: 'sa',
  });
  return { config, namespace: admin.namespace, context: 'sa', server: cluster.server, core: config.makeApiClient(CoreV1Api) };
}

/** With it the pod's step agent hands steps to the step slots; without it every step is an ephemeral container. */
const PROXY_RULE = { apiGroups: [''], resources: ['pods/proxy'], verbs: ['get', 'create'] };

// Without a cluster the body is still collected (describe.skipIf): nothing here may touch it then.
describe.skipIf(!cluster).each([
  { proxy: true, how: 'step slots through pods/proxy' },
  { proxy: false, how: 'no pods/proxy either: ephemeral containers' },
])('sidecar strategy under a Role without pods/exec ($how)', ({ proxy }) => {
  if (!cluster) return;
  const runId = `it-${randomBytes(4).toString('hex')}`;
  const account = `kact-noexec-${runId}`;
  const admin = cluster;
  const rbac = admin.config.makeApiClient(RbacAuthorizationV1Api);
  const namespace = admin.namespace;
  let backend: JobBackend | undefined;
  let pod: JobPod | undefined;

  afterAll(async () => {
    if (pod && backend) await backend.stopJob(pod).catch(() => undefined);
    const ignore = () => undefined;
    await Promise.all([
      rbac.deleteNamespacedRoleBinding({ name: account, namespace }).catch(ignore),
      rbac.deleteNamespacedRole({ name: account, namespace }).catch(ignore),
      admin.core.deleteNamespacedServiceAccount({ name: account, namespace }).catch(ignore),
    ]);
    const labelSelector = `${LABELS.runId}=${runId}`;
    const [pods, secrets] = await Promise.all([admin.core.listNamespacedPod({ namespace, labelSelector }), admin.core.listNamespacedSecret({ namespace, labelSelector })]);
    expect(pods.items.filter((p) => !p.metadata?.deletionTimestamp).map((p) => p.metadata!.name)).toEqual([]);
    expect(secrets.items.map((s) => s.metadata!.name)).toEqual([]);
  }, 60_000);

  it('starts the job, copies the workspace in and runs steps and a docker step, while exec is forbidden', async () => {
    await admin.core.createNamespacedServiceAccount({ namespace, body: { metadata: { name: account } } });
    await rbac.createNamespacedRole({ namespace, body: { metadata: { name: account }, rules: proxy ? [...RULES, PROXY_RULE] : RULES } });
    await rbac.createNamespacedRoleBinding({
      namespace,
      body: { metadata: { name: account }, roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: account }, subjects: [{ kind: 'ServiceAccount', name: account, namespace }] },
    });
    const connection = await connectAs(admin, account);

    // The CLI's composition: the Kubernetes backend, then the strategy module (as --plugin would load it).
    const container = new Container();
    await container.load(kubernetesBackend({ connection, startTimeoutMs: 60_000 }), sidecarStrategy);
    backend = container.get<JobBackend>(TOKENS.JobBackend);
    const strategy = container.get<StepStrategy>(TOKENS.StepStrategy);
    expect(strategy.name).toBe('sidecar');

    const job = { runId, name: `kact-${runId}-noexec`, labels: { [LABELS.job]: 'noexec' }, main: { name: 'runner', image: 'kact.local/runner:trixie', env: { JOB_ENV: 'job' }, keepAlive: true }, services: [], extra: [], secrets: { token: 's3cret' } };
    pod = await backend.startJob(strategy.preparePod!(job, { steps: 2 }), new AbortController().signal);
    // This identity really cannot exec.
    const exec = new KubeExecTransport(connection).exec(pod, 'runner', ['true'], { onStdout: () => undefined, onStderr: () => undefined });
    await expect(exec).rejects.toThrow(/forbidden|403/i);

    const repo = await mkdtemp(join(tmpdir(), 'kact-repo-'));
    await writeFile(join(repo, 'README.md'), 'hello from the repo\n');
    await backend.copyIn(pod, repo, POD_PATHS.workspace);

    let out = '';
    const files = { GITHUB_OUTPUT: `${POD_PATHS.temp}/_runner_file_commands/out_1` };
    const result = await strategy.runProcess(
      pod,
      {
        container: 'runner',
        command: ['bash', '-e', '{0}'],
        script: { content: 'cat README.md; echo "$JOB_ENV $STEP_ENV"; echo "x=1" >> "$GITHUB_OUTPUT"', extension: '.sh' },
        env: { PATH: '/usr/bin:/bin', STEP_ENV: 'step', ...files },
        workingDirectory: POD_PATHS.workspace,
        fileCommands: files,
      },
      (chunk) => (out += chunk),
      new AbortController().signal,
    );
    expect(result).toMatchObject({ exitCode: 0, fileCommands: { GITHUB_OUTPUT: 'x=1\n' } });
    if (proxy) expect(out).toBe('hello from the repo\njob step\n');
    else expect(out).toMatch(/^kact: the step agent of pod \S+ cannot be reached \(HTTP 403.*ephemeral containers instead \(slower\)\nhello from the repo\njob step\n$/);
    // Where the copy and the step ran: in the pod's slots (through the agent), or in containers of their own.
    const added = (await admin.core.readNamespacedPod({ name: pod.name, namespace })).spec?.ephemeralContainers?.map((c) => c.name) ?? [];
    expect(added.some((name) => /^(run|copy)-/.test(name))).toBe(!proxy);

    let dockerOut = '';
    const docker = await strategy.runContainer(
      pod,
      { name: 'docker-1', image: 'kact.local/runner:trixie', args: ['bash', '-c', 'cat README.md; echo "y=2" >> "$GITHUB_OUTPUT"'], env: { ...files }, workingDirectory: POD_PATHS.workspace, fileCommands: files },
      (chunk) => (dockerOut += chunk),
      new AbortController().signal,
    );
    expect(docker).toMatchObject({ exitCode: 0, fileCommands: { GITHUB_OUTPUT: 'y=2\n' } });
    expect(dockerOut).toBe('hello from the repo\n');
  }, 180_000);
});
