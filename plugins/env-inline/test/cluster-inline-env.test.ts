import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { JobPod } from '@kact/core';
import { clusterForTests, endTestJob, KubeExecTransport, KubernetesJobBackend, LABELS } from '@kact/kubernetes';
import { InlineEnv } from '../src/inline-env.js';
import { TRICKY_VALUES } from './tricky-values.js';

const cluster = await clusterForTests('inline env cluster tests');

const runId = `it-${randomBytes(4).toString('hex')}`;
// Declared first so that an unescaped `$(b)` or `$(VAR)` in a later value would really expand.
const REFERENCED = { b: 'EXPANDED', VAR: 'EXPANDED' };
const TRICKY = Object.fromEntries(TRICKY_VALUES.map((value, i) => [`TRICKY_${i}`, value]));

describe.skipIf(!cluster)('inline env on the local cluster', () => {
  const connection = cluster!;
  const transport = new KubeExecTransport(connection);
  const backend = new KubernetesJobBackend(connection, transport, { env: new InlineEnv(), startTimeoutMs: 60_000 });
  let pod: JobPod | undefined;

  beforeAll(async () => {
    pod = await backend.startJob(
      {
        runId,
        name: `kact-${runId}-inline`,
        labels: { [LABELS.job]: 'inline' },
        main: { name: 'runner', image: 'kact.local/runner:trixie', env: { ...REFERENCED, ...TRICKY }, keepAlive: true },
        services: [],
        extra: [],
        secrets: {},
      },
      new AbortController().signal,
    );
  }, 90_000);
  afterAll(async () => {
    expect(await endTestJob(connection, backend, pod, runId)).toEqual([]);
  }, 60_000);

  it('the container sees every value byte for byte', async () => {
    const names = Object.keys(TRICKY);
    const stdout: Buffer[] = [];
    // -0: each value ends in NUL, so values with newlines (or none at all) come back intact.
    const result = await transport.exec(pod!, 'runner', ['printenv', '-0', ...names], { onStdout: (c) => stdout.push(c), onStderr: () => undefined });
    expect(result.exitCode).toBe(0);
    const seen = Buffer.concat(stdout);
    const expected = Buffer.concat(names.map((name) => Buffer.from(`${TRICKY[name]}\0`, 'utf8')));
    expect(seen.toString('utf8').split('\0')).toEqual([...TRICKY_VALUES, '']);
    expect(seen.equals(expected)).toBe(true);
  });

  it('creates no ConfigMap and puts only inline values in the pod spec', async () => {
    const { core, namespace } = connection;
    const configMaps = await core.listNamespacedConfigMap({ namespace, labelSelector: `${LABELS.pod}=${pod!.name}` });
    expect(configMaps.items.map((c) => c.metadata?.name)).toEqual([]);
    const spec = await core.readNamespacedPod({ name: pod!.name, namespace });
    const env = spec.spec!.containers.find((c) => c.name === 'runner')!.env ?? [];
    expect(env.filter((e) => e.valueFrom !== undefined)).toEqual([]);
    expect(env.find((e) => e.name === 'TRICKY_0')?.value).toBe('a $$(b) $$$$c $$ d$$');
  });
});
