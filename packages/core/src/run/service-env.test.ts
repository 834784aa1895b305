import { describe, expect, it } from 'vitest';
import { serviceEnv } from './service-env.js';

describe('serviceEnv', () => {
  it('names host and port per service, upper-cased with _ for -', () => {
    expect(serviceEnv({ 'my-redis': { container: 'svc-my-redis', ports: { '6379': '6379' } } })).toEqual({ MY_REDIS_HOST: 'localhost', MY_REDIS_PORT: '6379' });
  });
  it('numbers the ports of a service with several, the first also as _PORT', () => {
    expect(serviceEnv({ web: { container: 'svc-web', ports: { '80': '80', '443': '443' } } })).toEqual({
      WEB_HOST: 'localhost',
      WEB_PORT: '80',
      WEB_PORT_1: '80',
      WEB_PORT_2: '443',
    });
  });
  it('gives only the host for a service without ports', () => {
    expect(serviceEnv({ db: { container: 'svc-db', ports: {} } })).toEqual({ DB_HOST: 'localhost' });
  });
});
