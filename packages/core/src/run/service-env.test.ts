import { describe, expect, it } from 'vitest';
import { serviceEnv } from './service-env.js';

describe('serviceEnv', () => {
  it('names host and port per service, upper-cased with _ for -', () => {
    expect(serviceEnv({ 'my-redis': { container: 'svc-my-redis', host: 'localhost', ports: { '6379': '6379' } } })).toEqual({ MY_REDIS_HOST: 'localhost', MY_REDIS_PORT: '6379' });
  });
  it('numbers the ports of a service with several, the first also as _PORT', () => {
    expect(serviceEnv({ web: { container: 'svc-web', host: 'localhost', ports: { '80': '80', '443': '443' } } })).toEqual({
      WEB_HOST: 'localhost',
      WEB_PORT: '80',
      WEB_PORT_1: '80',
      WEB_PORT_2: '443',
    });
  });
  it('takes the host and the published ports from the endpoint (a service outside the pod, 8080:80)', () => {
    expect(serviceEnv({ web: { container: 'kact-x-svc-web', host: 'web', ports: { '80': '8080' } } })).toEqual({ WEB_HOST: 'web', WEB_PORT: '8080' });
  });
  it('gives only the host for a service without ports', () => {
    expect(serviceEnv({ db: { container: 'svc-db', host: 'localhost', ports: {} } })).toEqual({ DB_HOST: 'localhost' });
  });
});
