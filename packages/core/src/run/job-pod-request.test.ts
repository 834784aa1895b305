import { describe, expect, it } from 'vitest';
import type { Step, StepsJob } from '@kact/model';
import { containerPort, dnsLabel, jobPodRequest, mayRunJavaScript, portMapping, registryOf } from './job-pod-request.js';

const location = { file: 'w.yml', line: 1, column: 1 };
const job = (extra: Partial<StepsJob>): StepsJob => ({ kind: 'steps', id: 'j', needs: [], env: {}, outputs: {}, runsOn: 'ubuntu-latest', services: {}, defaults: {}, steps: [], location, ...extra });
const request = (j: StepsJob, secrets: Record<string, string> = {}) =>
  jobPodRequest({ runId: 'r1', name: 'kact-r1-j', job: j, image: 'kact.local/runner:trixie', jobEnv: { CI: 'true' }, secrets, labels: {}, contexts: { secrets }, evaluation: {} });

describe('jobPodRequest', () => {
  it('runs steps in the runs-on image, or in the job container with its env and options', () => {
    expect(request(job({})).main).toMatchObject({ name: 'runner', image: 'kact.local/runner:trixie', env: { CI: 'true' }, keepAlive: true });
    const withContainer = request(job({ container: { image: 'debian:12', env: { A: '1' }, ports: [], volumes: [], options: '--user 1000' } }));
    expect(withContainer.main).toMatchObject({ name: 'job', image: 'debian:12', env: { CI: 'true', A: '1' }, options: '--user 1000' });
  });

  it('adds a container per service with its container ports, and the ports as written', () => {
    const r = request(job({ services: { 'My-Redis': { image: 'redis:7', env: {}, ports: ['6379:6379', '8080:80/tcp', '9000'], volumes: [] } } }));
    expect(r.services).toEqual([
      {
        id: 'My-Redis',
        ports: [
          { published: 6379, container: 6379 },
          { published: 8080, container: 80 },
          { published: 9000, container: 9000 },
        ],
        container: { name: 'svc-my-redis', image: 'redis:7', env: {}, ports: [6379, 80, 9000], keepAlive: false },
      },
    ]);
  });

  it('keeps secrets out of container env and turns credentials into pull secrets for the right registry', () => {
    const r = request(
      job({ container: { image: 'ghcr.io/acme/build:1', env: {}, ports: [], volumes: [], credentials: { username: 'u', password: '${{ secrets.PW }}' } } }),
      { PW: 'pw-value' },
    );
    expect(r.secrets).toEqual({ PW: 'pw-value' });
    expect(JSON.stringify(r.main)).not.toContain('pw-value');
    expect(r.imagePullCredentials).toEqual([{ server: 'ghcr.io', username: 'u', password: 'pw-value' }]);
  });
});

describe("kact's externals (node for JavaScript actions in container jobs)", () => {
  const uses = (ref: string, index = 0): Step => ({ kind: 'uses', uses: ref, with: {}, index, env: {}, location });
  const run = (index = 0): Step => ({ kind: 'run', run: 'echo', index, env: {}, location });
  const container = { image: 'redis:7', env: {}, ports: [], volumes: [] };

  it.each([
    [[uses('./actions/js')], true],
    [[uses('acme/tool@v1')], true],
    [[uses('acme/tools/sub@v1')], true],
    [[run(), uses('actions/checkout@v4', 1), uses('./composite', 2)], true],
    [[], false],
    [[run()], false],
    [[uses('docker://alpine:3.20')], false],
    // kact's checkout runs nothing in the pod, of the workflow's repository or another.
    [[uses('actions/checkout@v4'), run(1)], false],
    [[uses('not a reference')], false],
  ])('mayRunJavaScript %#', (steps, expected) => expect(mayRunJavaScript(steps as Step[])).toBe(expected));

  it('asks for them for a container job that may run JavaScript actions only', () => {
    expect(request(job({ container, steps: [uses('./actions/js')] })).externals).toBe(true);
    expect(request(job({ container: 'redis:7', steps: [uses('acme/tool@v1')] })).externals).toBe(true);
    expect(request(job({ container, steps: [run(), uses('docker://alpine:3.20', 1)] })).externals).toBeUndefined();
    // The runner image runs its own node, as GitHub's runner does outside a container.
    expect(request(job({ steps: [uses('./actions/js')] })).externals).toBeUndefined();
    // A container image that evaluates to '' runs the job in the runner image.
    expect(request(job({ container: { ...container, image: '' }, steps: [uses('./actions/js')] })).externals).toBeUndefined();
  });
});

describe('helpers', () => {
  it.each([
    ['6379', 6379],
    ['8080:80', 80],
    ['53:53/udp', 53],
    ['127.0.0.1:8080:80', 80],
    ['nope', undefined],
  ])('containerPort(%s) = %s', (entry, port) => expect(containerPort(entry)).toBe(port));
  it.each([
    ['6379', { published: 6379, container: 6379 }],
    ['8080:80', { published: 8080, container: 80 }],
    ['127.0.0.1:8080:80/tcp', { published: 8080, container: 80 }],
    [':80', { published: 80, container: 80 }],
    ['x:80', { published: 80, container: 80 }],
  ])('portMapping(%s)', (entry, mapping) => expect(portMapping(entry)).toEqual(mapping));
  it('makes DNS labels', () => expect(dnsLabel('kact-ABC_def--x-')).toBe('kact-abc-def--x'));
  it.each([
    ['redis:7', 'docker.io'],
    ['acme/app:1', 'docker.io'],
    ['ghcr.io/acme/app', 'ghcr.io'],
    ['localhost:5000/app', 'localhost:5000'],
  ])('registryOf(%s) = %s', (image, registry) => expect(registryOf(image)).toBe(registry));
});
