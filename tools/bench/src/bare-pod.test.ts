import { describe, expect, it } from 'vitest';
import { DEFAULT_RUNNER_IMAGE } from '@kact/containers-platforms';
import { BARE_CONTAINER, barePod, barePodState } from './bare-pod.js';

describe('barePod', () => {
  const pod = barePod('kact-ab12cd34-bare-1', 'ab12cd34');

  it('is one container of the runner image that waits, with none of kact\'s parts', () => {
    expect(pod.spec!.containers).toEqual([{ name: BARE_CONTAINER, image: DEFAULT_RUNNER_IMAGE, imagePullPolicy: 'IfNotPresent', command: ['sleep', 'infinity'] }]);
    expect(pod.spec!.initContainers).toBeUndefined();
    expect(pod.spec!.volumes).toBeUndefined();
    expect(pod.spec).toMatchObject({ restartPolicy: 'Never', enableServiceLinks: false, automountServiceAccountToken: false });
  });

  it('carries the labels kact gc collects a dead run by, and ends itself should nobody', () => {
    expect(pod.metadata!.labels).toMatchObject({ 'app.kubernetes.io/managed-by': 'kact', 'kact.dev/run-id': 'ab12cd34', 'kact.dev/pod': 'kact-ab12cd34-bare-1' });
    expect(pod.spec!.activeDeadlineSeconds).toBeGreaterThan(0);
  });
});

describe('barePodState', () => {
  const container = (waiting?: { reason: string; message?: string }) => ({ containerStatuses: [{ name: BARE_CONTAINER, image: '', imageID: '', ready: false, restartCount: 0, state: waiting ? { waiting } : {} }] });

  it('is running once the pod is Running, waiting while it is created', () => {
    expect(barePodState({ status: { phase: 'Running' } })).toEqual({ state: 'running' });
    expect(barePodState({ status: { phase: 'Pending', ...container({ reason: 'ContainerCreating' }) } })).toEqual({ state: 'waiting' });
    expect(barePodState({})).toEqual({ state: 'waiting' });
  });

  it('fails at once when the pod will never run, with why', () => {
    expect(barePodState({ status: { phase: 'Pending', ...container({ reason: 'ErrImageNeverPull', message: 'image not present' }) } })).toEqual({ state: 'failed', reason: 'ErrImageNeverPull: image not present' });
    expect(barePodState({ status: { phase: 'Failed', reason: 'DeadlineExceeded' } })).toEqual({ state: 'failed', reason: 'Failed (DeadlineExceeded)' });
    expect(barePodState(undefined)).toEqual({ state: 'failed', reason: 'deleted before it ran' });
  });
});
