import { describe, expect, it } from 'vitest';
import { ConfigMapEnv } from './config-map-env.js';

describe('ConfigMapEnv', () => {
  const job = { podName: 'kact-1-build', namespace: 'ci', labels: { 'kact.dev/run-id': '1' } };
  const delivered = new ConfigMapEnv().deliver(job, [
    { container: 'runner', env: { CI: 'true', QUOTED: 'a "b" $(c)' } },
    { container: 'svc-redis', env: { 'odd name': 'x' } },
  ]);

  it('puts every value in one labelled ConfigMap and only references in the pod spec', () => {
    expect(delivered.objects).toEqual([
      {
        apiVersion: 'v1',
        kind: 'ConfigMap',
        metadata: { name: 'kact-1-build-env', namespace: 'ci', labels: { 'kact.dev/run-id': '1' } },
        data: { 'runner.CI': 'true', 'runner.QUOTED': 'a "b" $(c)', 'x-7376632d72656469732e6f6464206e616d65': 'x' },
      },
    ]);
    expect(delivered.env.runner).toEqual([
      { name: 'CI', valueFrom: { configMapKeyRef: { name: 'kact-1-build-env', key: 'runner.CI' } } },
      { name: 'QUOTED', valueFrom: { configMapKeyRef: { name: 'kact-1-build-env', key: 'runner.QUOTED' } } },
    ]);
    expect(JSON.stringify(delivered.env)).not.toContain('$(c)');
  });

  it('creates no ConfigMap for a job without env', () => {
    expect(new ConfigMapEnv().deliver(job, [{ container: 'runner', env: {} }])).toEqual({ env: { runner: [] }, objects: [] });
  });
});
