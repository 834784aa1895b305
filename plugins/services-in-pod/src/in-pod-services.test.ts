import { describe, expect, it } from 'vitest';
import type { ServiceRequest } from '@kact/core';
import { InPodServices } from './in-pod-services.js';

const service = (id: string, ports: Array<[number, number]>): ServiceRequest => ({
  id,
  ports: ports.map(([published, container]) => ({ published, container })),
  container: { name: `svc-${id.toLowerCase()}`, image: 'redis:7', env: {}, ports: ports.map(([, c]) => c), keepAlive: false },
});

describe('InPodServices', () => {
  const job = { runId: '1', podName: 'p', namespace: 'ci', labels: {} };

  it('keeps every service in the pod, at localhost on its container port, named by an /etc/hosts entry', async () => {
    const started = await new InPodServices().start(job, [service('redis', [[6379, 6379]]), service('db', [[5432, 5432]])]);
    expect(started.inPod.map((s) => s.id)).toEqual(['redis', 'db']);
    expect(started.hostAliases).toEqual([{ ip: '127.0.0.1', hostnames: ['redis', 'db'] }]);
    expect(started.endpoints.redis).toEqual({ container: 'svc-redis', host: 'localhost', ports: { '6379': '6379' } });
    expect(started.warnings).toEqual([]);
  });

  it('says a remap cannot be honoured and that an id that is no host name is reachable on localhost only', async () => {
    const started = await new InPodServices().start(job, [service('web', [[8080, 80]]), service('my_db', [])]);
    expect(started.endpoints.web!.ports).toEqual({ '80': '80' });
    expect(started.hostAliases).toEqual([{ ip: '127.0.0.1', hostnames: ['web'] }]);
    expect(started.warnings).toEqual([
      'service web: port 8080:80 cannot be remapped inside the job pod; it answers on 80 (services: pods can remap)',
      'service my_db: not a valid host name; reachable on localhost only',
    ]);
  });
});
