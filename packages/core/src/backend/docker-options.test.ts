import { describe, expect, it } from 'vitest';
import { dockerMemoryToQuantity, HEALTH_CMD_ENV, optionsWithoutSecrets, parseContainerOptions, splitOptionWords } from './docker-options.js';

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

describe('optionsWithoutSecrets', () => {
  const SECRET = 's3cret-$(x)';
  const holdsSecret = (text: string) => text.includes(SECRET);

  it('takes --env values and the health command that hold a secret out of the options, keeping every other option as it was', () => {
    const given = `--cpus 1.5 -e PLAIN="a b" --env TOKEN=${SECRET} --env=URL=https://u:${SECRET}@host --health-cmd "curl -fsu user:${SECRET} localhost" --health-interval 2s --user 1000 -e 'QUOTE=it'"'"'s'`;
    const routed = optionsWithoutSecrets(given, holdsSecret)!;
    expect(routed.env).toEqual({ TOKEN: SECRET, URL: `https://u:${SECRET}@host` });
    expect(routed.healthCommand).toBe(`curl -fsu user:${SECRET} localhost`);
    expect(routed.warnings).toEqual([]);
    expect(routed.options).not.toContain('s3cret');
    const before = parseContainerOptions(given);
    const after = parseContainerOptions(routed.options);
    expect(after).toEqual({ ...before, env: { PLAIN: 'a b', QUOTE: "it's" }, health: { ...before.health, command: `eval "$${HEALTH_CMD_ENV}"` } });
  });

  it('drops, with a warning that does not show it, an option whose secret no Secret can carry into a pod spec field', () => {
    const routed = optionsWithoutSecrets(`--hostname h-${SECRET} --workdir /src --label x=${SECRET} ${SECRET}`, holdsSecret)!;
    expect(parseContainerOptions(routed.options)).toMatchObject({ workdir: '/src', env: {}, warnings: [] });
    expect(routed.warnings).toEqual([
      'option --hostname holds a secret, which cannot reach the container from a Secret there; ignored',
      'option --label holds a secret, which cannot reach the container from a Secret there; ignored',
      'an option holds a secret, which cannot reach the container from a Secret there; ignored',
    ]);
    expect(routed.warnings.join(' ')).not.toContain('s3cret');
  });

  it('keeps the value that reaches the container when a name is given twice, or also in env:', () => {
    expect(optionsWithoutSecrets(`-e A=${SECRET} -e A=later`, holdsSecret)).toEqual({ options: '-e A=later', env: {}, warnings: [] });
    expect(optionsWithoutSecrets(`-e A=first -e A=${SECRET}`, holdsSecret)?.env).toEqual({ A: SECRET });
    expect(optionsWithoutSecrets(`-e A=${SECRET} -e B=${SECRET}`, holdsSecret, (name) => name === 'A')?.env).toEqual({ B: SECRET });
    expect(optionsWithoutSecrets(`--health-cmd "x ${SECRET}" --health-cmd true`, holdsSecret)).toEqual({ options: '--health-cmd true', env: {}, warnings: [] });
  });

  it('ignores every option when a secret stands unquoted over several words, which no single word holds', () => {
    const spaced = 'two words';
    const routed = optionsWithoutSecrets(`--cpus 1 -e A=two words`, (text) => text.includes(spaced))!;
    expect(routed).toEqual({ options: '', env: {}, warnings: ['the options hold a secret split over several words (quote it); all of them are ignored'] });
  });

  it('is undefined for options without a secret', () => {
    expect(optionsWithoutSecrets('-e A=1 --health-cmd true', holdsSecret)).toBeUndefined();
    expect(optionsWithoutSecrets(undefined, holdsSecret)).toBeUndefined();
  });
});
