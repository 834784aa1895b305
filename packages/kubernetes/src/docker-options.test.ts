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
    expect(o.health).toEqual({ command: 'redis-cli ping', intervalSeconds: 10, timeoutSeconds: 30, retries: 3, startPeriodSeconds: 0 });
    expect(o.warnings).toEqual([
      'option --user runner: only numeric uid[:gid] can be honoured on Kubernetes; ignored',
      'option --network is not supported on Kubernetes; ignored',
      'option --tty is not supported on Kubernetes; ignored',
      'option --env NOVALUE: only NAME=VALUE is supported; ignored',
    ]);
  });

  it("reads Docker's health check, with Docker's defaults and durations", () => {
    const o = parseContainerOptions('--health-cmd="pg_isready -U postgres" --health-interval=1m30s --health-timeout 500ms --health-retries 5 --health-start-period 20s');
    expect(o.health).toEqual({ command: 'pg_isready -U postgres', intervalSeconds: 90, timeoutSeconds: 1, retries: 5, startPeriodSeconds: 20 });
    expect(o.warnings).toEqual([]);
    expect(parseContainerOptions('--health-cmd none').health).toBeUndefined();
    const bad = parseContainerOptions('--health-cmd true --health-interval soon --health-retries 0');
    expect(bad.health).toEqual({ command: 'true', intervalSeconds: 30, timeoutSeconds: 30, retries: 3, startPeriodSeconds: 0 });
    expect(bad.warnings).toEqual(['option --health-interval soon: not a duration (like 10s, 1m30s); using 30s', 'option --health-retries 0: not a positive whole number; using 3']);
    expect(parseContainerOptions('--health-interval 5s').warnings).toEqual(['options --health-* without --health-cmd; ignored']);
  });

  it('is empty for no options', () => {
    expect(parseContainerOptions(undefined)).toEqual({ env: {}, capAdd: [], warnings: [] });
  });

  it('converts docker sizes', () => {
    expect(['100', '1k', '2g', '64mb', 'lots'].map(dockerMemoryToQuantity)).toEqual(['100', '1Ki', '2Gi', '64Mi', undefined]);
  });
});
