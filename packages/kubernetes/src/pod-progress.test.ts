import type { CoreV1Event, V1Pod } from '@kubernetes/client-node';
import { describe, expect, it } from 'vitest';
import { eventFailure, podProgress, unschedulableReason } from './pod-progress.js';

const pod = (status: V1Pod['status']): V1Pod => ({
  spec: { initContainers: [{ name: 'kact-init', image: 'tools:1' }], containers: [{ name: 'runner', image: 'runner:1' }, { name: 'svc-redis', image: 'redis:7' }] },
  status,
});

describe('podProgress', () => {
  it('waits for a health check (readiness probe) to pass, and fails once its budget is spent', () => {
    const probe = { exec: { command: ['/bin/sh', '-c', 'pg_isready'] }, periodSeconds: 2, timeoutSeconds: 1, failureThreshold: 3 };
    const started = new Date('2026-11-28T12:00:00Z');
    const healthy = (ready: boolean): V1Pod => ({
      spec: { containers: [{ name: 'runner', image: 'runner:1' }, { name: 'svc-db', image: 'postgres:15', readinessProbe: probe }] },
      status: { phase: 'Running', containerStatuses: [{ name: 'runner', ready: true, state: { running: {} } } as never, { name: 'svc-db', ready, state: { running: { startedAt: started } } } as never] },
    });
    const at = (seconds: number) => started.getTime() + seconds * 1000;
    // Budget: 3 × 2 s + 1 s timeout, plus 2 s of slack.
    expect(podProgress(healthy(false), at(1))).toEqual({ state: 'pending', detail: 'waiting for the health check of svc-db', recheckAt: at(9) });
    expect(podProgress(healthy(true), at(1))).toEqual({ state: 'running' });
    expect(podProgress(healthy(false), at(9))).toEqual({ state: 'failed', reason: 'container svc-db (image postgres:15) is unhealthy: its health check ("pg_isready") did not pass within 7 s' });
  });

  it('is running only when every container runs', () => {
    expect(podProgress(pod({ phase: 'Pending' }))).toEqual({ state: 'pending', detail: 'Pending' });
    const one = pod({ phase: 'Running', containerStatuses: [{ name: 'runner', state: { running: {} } } as never, { name: 'svc-redis', state: { waiting: { reason: 'ContainerCreating' } } } as never] });
    expect(podProgress(one)).toEqual({ state: 'pending', detail: 'Running (ContainerCreating)' });
    const both = pod({ phase: 'Running', containerStatuses: [{ name: 'runner', state: { running: {} } } as never, { name: 'svc-redis', state: { running: {} } } as never] });
    expect(podProgress(both)).toEqual({ state: 'running' });
  });

  it("does not wait for the containers a strategy starts in the background, but fails when one cannot start", () => {
    const sidecar = (slot: object): V1Pod => ({
      metadata: { annotations: { 'kact.dev/background-containers': 'kact-agent,kact-slot-0' } },
      spec: { containers: [{ name: 'runner', image: 'runner:1' }, { name: 'kact-agent', image: 'tools:1' }, { name: 'kact-slot-0', image: 'runner:1' }] },
      status: { phase: 'Running', containerStatuses: [{ name: 'runner', state: { running: {} } } as never, { name: 'kact-agent', state: { waiting: { reason: 'ContainerCreating' } } } as never, { name: 'kact-slot-0', state: slot } as never] },
    });
    expect(podProgress(sidecar({ waiting: { reason: 'ContainerCreating' } }))).toEqual({ state: 'running' });
    expect(podProgress(sidecar({ waiting: { reason: 'CreateContainerError', message: 'no such file' } }))).toEqual({ state: 'failed', reason: 'container kact-slot-0 (image runner:1): CreateContainerError: no such file' });
  });

  it('fails at once on pull errors, naming container and image', () => {
    const p = pod({ phase: 'Pending', containerStatuses: [{ name: 'svc-redis', state: { waiting: { reason: 'ErrImageNeverPull', message: 'never pull' } } } as never] });
    expect(podProgress(p)).toEqual({ state: 'failed', reason: 'container svc-redis (image redis:7): ErrImageNeverPull: never pull' });
  });

  it("waits while the kubelet retries a claim folder another pod created at the same moment, fails on other config errors", () => {
    const config = (message: string) => pod({ phase: 'Pending', containerStatuses: [{ name: 'runner', state: { waiting: { reason: 'CreateContainerConfigError', message } } } as never] });
    expect(podProgress(config('failed to create subPath directory for volumeMount "kact-workspace" of container "runner"'))).toEqual({ state: 'pending', detail: 'Pending (CreateContainerConfigError)' });
    expect(podProgress(config('failed to sync secret cache: timed out waiting for the condition'))).toEqual({ state: 'pending', detail: 'Pending (CreateContainerConfigError)' });
    expect(podProgress(config('secret "kact-x-secret" not found'))).toMatchObject({ state: 'failed' });
    expect(podProgress(config('secret "kact-x-secrets" not found'))).toEqual({ state: 'failed', reason: 'container runner (image runner:1): CreateContainerConfigError: secret "kact-x-secrets" not found' });
  });

  it('fails when a service crashed or the init container failed, with OOMKilled spelled out', () => {
    const crashed = pod({ containerStatuses: [{ name: 'svc-redis', state: { terminated: { exitCode: 137, reason: 'OOMKilled' } } } as never] });
    expect(podProgress(crashed)).toEqual({ state: 'failed', reason: 'container svc-redis (image redis:7) exited with code 137: OOMKilled (out of memory)' });
    const init = pod({ initContainerStatuses: [{ name: 'kact-init', state: { terminated: { exitCode: 1, reason: 'Error' } } } as never] });
    expect(podProgress(init)).toMatchObject({ state: 'failed', reason: expect.stringContaining('kact-init (image tools:1) exited with code 1') });
    const initDone = pod({ initContainerStatuses: [{ name: 'kact-init', state: { terminated: { exitCode: 0, reason: 'Completed' } } } as never] });
    expect(podProgress(initDone).state).toBe('pending');
  });

  it('reads Unschedulable from the PodScheduled condition', () => {
    const p = pod({ conditions: [{ type: 'PodScheduled', status: 'False', reason: 'Unschedulable', message: '0/1 nodes: Insufficient memory' }] });
    expect(unschedulableReason(p)).toBe('pod cannot be scheduled: 0/1 nodes: Insufficient memory');
  });
});

describe('eventFailure', () => {
  const event = (e: Partial<CoreV1Event>): CoreV1Event => ({ involvedObject: {}, metadata: {}, type: 'Warning', ...e });
  it('names the container and image of pull failures', () => {
    const e = event({ reason: 'Failed', message: 'Error: ErrImagePull', involvedObject: { fieldPath: 'spec.containers{svc-redis}' } });
    expect(eventFailure(e, pod({}))).toBe('container svc-redis (image redis:7): Failed: Error: ErrImagePull');
  });
  it('ignores normal and transient events', () => {
    expect(eventFailure(event({ type: 'Normal', reason: 'Pulled' }), pod({}))).toBeUndefined();
    expect(eventFailure(event({ reason: 'FailedScheduling', message: 'node not ready' }), pod({}))).toBeUndefined();
    expect(eventFailure(event({ reason: 'BackOff', message: 'Back-off restarting' }), pod({}))).toBeUndefined();
  });
});
