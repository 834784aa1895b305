import 'reflect-metadata';
import { Container, ContainerModule } from 'inversify';
import { describe, expect, it } from 'vitest';
import { PLUGIN_CONTRACT_VERSION, TOKENS, type ServiceNetworking } from '@kact/core';
import { KUBE_TOKENS, type KubeConnection } from '@kact/kubernetes';
import plugin, { kactContract, PodServiceNetworking, servicesAsPods } from './index.js';

describe('servicesAsPods', () => {
  it('binds ServiceNetworking to one PodServiceNetworking built with the backend connection', async () => {
    const container = new Container();
    container.bind(KUBE_TOKENS.Connection).toConstantValue({ namespace: 'ci' } as KubeConnection);
    await container.load(servicesAsPods({ startTimeoutMs: 1000 }));
    const networking = container.get<ServiceNetworking>(TOKENS.ServiceNetworking);
    expect(networking).toBeInstanceOf(PodServiceNetworking);
    expect(networking.name).toBe('pods');
    expect(container.get(TOKENS.ServiceNetworking)).toBe(networking);
  });

  it('is the default export as a ContainerModule, with the contract version', () => {
    expect(plugin).toBeInstanceOf(ContainerModule);
    expect(kactContract).toBe(PLUGIN_CONTRACT_VERSION);
  });

  it('starts nothing and calls no API for a job without services', async () => {
    const networking = new PodServiceNetworking({} as KubeConnection);
    const job = { runId: 'r', podName: 'p', namespace: 'ci', labels: {} };
    expect(await networking.start(job, [], new AbortController().signal)).toEqual({ inPod: [], hostAliases: [], endpoints: {}, warnings: [] });
  });
});
