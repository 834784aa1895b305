import 'reflect-metadata';
import { Container } from 'inversify';
import { describe, expect, it } from 'vitest';
import { TOKENS, type JobBackend, type StepStrategy } from '@kact/core';
import { connectToCluster, kubernetesBackend } from '@kact/kubernetes';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ExecStepStrategy, execStrategy } from './index.js';

describe('execStrategy module', () => {
  it('binds the exec StepStrategy on top of the Kubernetes backend module', async () => {
    // A kubeconfig that points nowhere: binding must not contact the cluster.
    const dir = await mkdtemp(join(tmpdir(), 'kact-kc-'));
    const kubeconfig = join(dir, 'config');
    await writeFile(kubeconfig, 'apiVersion: v1\nkind: Config\nclusters: [{name: c, cluster: {server: "https://127.0.0.1:1"}}]\nusers: [{name: u, user: {}}]\ncontexts: [{name: x, context: {cluster: c, user: u, namespace: ci}}]\ncurrent-context: x\n');
    const container = new Container();
    await container.load(kubernetesBackend({ connection: connectToCluster({ kubeconfig }) }), execStrategy);
    const strategy = container.get<StepStrategy>(TOKENS.StepStrategy);
    expect(strategy).toBeInstanceOf(ExecStepStrategy);
    expect(strategy.name).toBe('exec');
    expect(container.get<JobBackend>(TOKENS.JobBackend)).toBeDefined();
    expect(container.get(TOKENS.StepStrategy)).toBe(strategy);
  });
});
