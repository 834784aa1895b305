import { describe, expect, it } from 'vitest';
import { dockerMemoryToQuantity, parseContainerOptions, splitOptionWords } from './docker-options.js';

describe('splitOptionWords', () => {
  it('splits like a shell without expanding', () => {
    expect(splitOptionWords(`--env "A=b c" --env 'D=$(x)' -e E=f\\ g  --cpus=1`)).toEqual(['--env', 'A=b c', '--env', 'D=$(x)', '-e', 'E=f g', '--cpus=1']);
  });
});

describe('parseContainerOptions', () => {
  it('translates the options kact honours', () => {
    const o = parseContainerOptions('--user 1001:121 --workdir /src -e A=1 --env=B=x=y --memory 512m --cpus 1.5 --hostname box --privileged --cap-add SYS_PTRACE --cap-add=cap_net_admin');
    expect(o).toMatchObject({
      user: { uid: 1001, gid: 121 },
      workdir: '/src',
      env: { A: '1', B: 'x=y' },
      memory: '512Mi',
      cpu: '1500m',
      hostname: 'box',
      privileged: true,
      capAdd: ['SYS_PTRACE', 'NET_ADMIN'],
      warnings: [],
    });
  });

  it('reports what it cannot honour and keeps going', () => {
    const o = parseContainerOptions('--health-cmd "redis-cli ping" --health-interval 10s --user runner --network host --rm --tty -e NOVALUE');
    expect(o.env).toEqual({});
    expect(o.user).toBeUndefined();
    expect(o.warnings).toEqual([
      'option --health-cmd is not supported on Kubernetes; ignored',
      'option --health-interval is not supported on Kubernetes; ignored',
      'option --user runner: only numeric uid[:gid] can be honoured on Kubernetes; ignored',
      'option --network is not supported on Kubernetes; ignored',
      'option --tty is not supported on Kubernetes; ignored',
      'option --env NOVALUE: only NAME=VALUE is supported; ignored',
    ]);
  });

  it('is empty for no options', () => {
    expect(parseContainerOptions(undefined)).toEqual({ env: {}, capAdd: [], warnings: [] });
  });

  it('converts docker sizes', () => {
    expect(['100', '1k', '2g', '64mb', 'lots'].map(dockerMemoryToQuantity)).toEqual(['100', '1Ki', '2Gi', '64Mi', undefined]);
  });
});
