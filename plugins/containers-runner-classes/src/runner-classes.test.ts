import { Container } from 'inversify';
import { describe, expect, it } from 'vitest';
import { isInputError } from '@kact/model';
import { TOKENS, type ContainerSelection } from '@kact/core';
import defaultModule, { kactContract, parseRunnerClasses, RunnerClassContainers, RunnerClassError, runnerClasses, type RunnerClass } from './index.js';

const RUNNER = 'kact.local/runner:trixie';
const GPU: RunnerClass = {
  image: 'kact.local/runner:trixie',
  nodeSelector: { accelerator: 'nvidia' },
  tolerations: [{ key: 'gpu', operator: 'Exists', effect: 'NoSchedule' }],
  resources: { requests: { cpu: '1' }, limits: { memory: '4Gi' } },
  runtimeClassName: 'nvidia',
  serviceAccount: 'gpu-runner',
};
const GPU_PLACEMENT = {
  nodeSelector: { accelerator: 'nvidia' },
  tolerations: [{ key: 'gpu', operator: 'Exists', effect: 'NoSchedule' }],
  resources: { requests: { cpu: '1' }, limits: { memory: '4Gi' } },
  runtimeClassName: 'nvidia',
  serviceAccountName: 'gpu-runner',
};

describe('RunnerClassContainers.select', () => {
  const containers = new RunnerClassContainers({ 'ubuntu-latest': { image: RUNNER }, gpu: GPU, 'Big-Box': { image: 'big/runner:2', resources: { requests: { memory: '8Gi' } } } });

  it('gives the image, and the placement of a class that has one', () => {
    expect(containers.select(['ubuntu-latest'])).toEqual({ image: RUNNER });
    expect(containers.select(['gpu'])).toEqual({ image: RUNNER, placement: GPU_PLACEMENT });
  });

  it('takes the first label, in the order written, that has a class', () => {
    expect(containers.select(['self-hosted', 'gpu', 'ubuntu-latest'])).toEqual({ image: RUNNER, placement: GPU_PLACEMENT });
    expect(containers.select(['self-hosted', 'ubuntu-latest', 'gpu'])).toEqual({ image: RUNNER });
  });

  it('matches labels case-insensitively, both ways', () => {
    expect(containers.select(['GPU'])?.placement?.runtimeClassName).toBe('nvidia');
    expect(containers.select(['big-box'])).toEqual({ image: 'big/runner:2', placement: { resources: { requests: { memory: '8Gi' } } } });
    expect(containers.select(['BIG-BOX'])?.image).toBe('big/runner:2');
  });

  it('knows nothing of other labels (no act defaults) and says how to add one', () => {
    expect(containers.select(['macos-latest', 'ubuntu-22.04'])).toBeUndefined();
    expect(containers.select([])).toBeUndefined();
    expect(containers.hint).toBe('add a runner class for one of its labels under containers.runnerClasses in kact.config.yaml (or -P label=image)');
    expect(containers.name).toBe('runner-classes');
  });

  it('hands each leg its own copy', () => {
    const first = containers.select(['gpu'])!;
    first.placement!.nodeSelector!['accelerator'] = 'changed';
    expect(containers.select(['gpu'])!.placement!.nodeSelector).toEqual({ accelerator: 'nvidia' });
  });
});

describe('-P label=image over the classes', () => {
  it("replaces the image of that label's class and keeps its placement", () => {
    const containers = new RunnerClassContainers({ gpu: GPU }, ['GPU=my/cuda:12']);
    expect(containers.select(['gpu'])).toEqual({ image: 'my/cuda:12', placement: GPU_PLACEMENT });
  });

  it('adds a class with only an image for a new label; a later flag wins', () => {
    const containers = new RunnerClassContainers({ gpu: GPU }, ['self-hosted=my/runner:1', 'Self-Hosted=my/runner:2']);
    expect(containers.select(['self-hosted'])).toEqual({ image: 'my/runner:2' });
    expect(containers.select(['x64', 'SELF-HOSTED', 'gpu'])).toEqual({ image: 'my/runner:2' });
  });

  it('rejects a malformed flag as bad input', () => {
    for (const flag of ['ubuntu-latest', '=img', 'label=']) {
      expect(() => new RunnerClassContainers({}, [flag])).toThrow(`-P expects label=image, got '${flag}'`);
    }
  });
});

/** The error parseRunnerClasses throws for `raw`: its message and path. */
function problem(raw: unknown): { message: string; path: Array<string | number> } {
  try {
    parseRunnerClasses(raw);
  } catch (error) {
    expect(error).toBeInstanceOf(RunnerClassError);
    expect(isInputError(error)).toBe(true);
    return { message: (error as RunnerClassError).message, path: (error as RunnerClassError).path };
  }
  throw new Error('no error');
}

describe('parseRunnerClasses', () => {
  it('accepts the documented shape, turning numbers into quantities', () => {
    const raw = {
      'ubuntu-latest': { image: RUNNER },
      gpu: {
        image: RUNNER,
        nodeSelector: { accelerator: 'nvidia' },
        tolerations: [{ key: 'gpu', operator: 'Exists', effect: 'NoSchedule' }, { key: 'spot', value: 'yes', effect: 'NoExecute', tolerationSeconds: 30 }],
        resources: { requests: { cpu: 1, 'nvidia.com/gpu': 1 }, limits: { memory: '4Gi', cpu: 1.5, 'ephemeral-storage': '10G' } },
        runtimeClassName: 'nvidia',
        serviceAccount: 'gpu-runner',
      },
    };
    expect(parseRunnerClasses(raw)).toEqual({
      'ubuntu-latest': { image: RUNNER },
      gpu: {
        image: RUNNER,
        nodeSelector: { accelerator: 'nvidia' },
        tolerations: [{ key: 'gpu', operator: 'Exists', effect: 'NoSchedule' }, { key: 'spot', value: 'yes', effect: 'NoExecute', tolerationSeconds: 30 }],
        resources: { requests: { cpu: '1', 'nvidia.com/gpu': '1' }, limits: { memory: '4Gi', cpu: '1.5', 'ephemeral-storage': '10G' } },
        runtimeClassName: 'nvidia',
        serviceAccount: 'gpu-runner',
      },
    });
    expect(parseRunnerClasses({})).toEqual({});
  });

  it('names the class and the field, and keeps the path for the caller', () => {
    expect(problem({ gpu: { image: RUNNER, resources: { limits: ['4Gi'] } } })).toEqual({
      message: 'containers.runnerClasses.gpu.resources.limits: expected a map of quantities',
      path: ['containers', 'runnerClasses', 'gpu', 'resources', 'limits'],
    });
    expect(problem({ gpu: { image: RUNNER, tolerations: [{ key: 'gpu', operator: 'Exists' }, { key: 'x', effect: 'NoSchedul' }] } })).toEqual({
      message: 'containers.runnerClasses.gpu.tolerations[1].effect: expected NoSchedule, PreferNoSchedule or NoExecute',
      path: ['containers', 'runnerClasses', 'gpu', 'tolerations', 1, 'effect'],
    });
  });

  it('says what is wrong with each field', () => {
    const cls = (fields: Record<string, unknown>) => problem({ gpu: { image: RUNNER, ...fields } }).message;
    expect(problem([]).message).toBe('containers.runnerClasses: expected a map of runner classes (label: { image, nodeSelector, … })');
    expect(problem({ gpu: 'kact.local/runner:trixie' }).message).toBe(
      'containers.runnerClasses.gpu: expected a map with image (and nodeSelector, tolerations, resources, runtimeClassName, serviceAccount)',
    );
    expect(problem({ gpu: { nodeSelector: {} } }).message).toBe('containers.runnerClasses.gpu.image: required: the image of the job container');
    expect(problem({ gpu: { image: 3 } }).message).toBe('containers.runnerClasses.gpu.image: expected a string');
    expect(problem({ gpu: { image: ' ' } }).message).toBe('containers.runnerClasses.gpu.image: expected a non-empty string');
    expect(cls({ nodeselector: {} })).toBe(
      'containers.runnerClasses.gpu.nodeselector: unknown setting (expected image, nodeSelector, tolerations, resources, runtimeClassName or serviceAccount)',
    );
    expect(cls({ nodeSelector: ['a=b'] })).toBe('containers.runnerClasses.gpu.nodeSelector: expected a map of strings');
    expect(cls({ nodeSelector: { gpu: true } })).toBe('containers.runnerClasses.gpu.nodeSelector.gpu: expected a string (quote it: "true")');
    expect(cls({ tolerations: { key: 'gpu' } })).toBe('containers.runnerClasses.gpu.tolerations: expected a list of tolerations ({ key, operator, value, effect, tolerationSeconds })');
    expect(cls({ tolerations: ['gpu'] })).toBe('containers.runnerClasses.gpu.tolerations[0]: expected a toleration ({ key, operator, value, effect, tolerationSeconds })');
    expect(cls({ tolerations: [{ key: 'gpu', operater: 'Exists' }] })).toBe(
      'containers.runnerClasses.gpu.tolerations[0].operater: unknown setting (expected key, operator, value, effect or tolerationSeconds)',
    );
    expect(cls({ tolerations: [{ key: 'gpu', operator: 'exists' }] })).toBe('containers.runnerClasses.gpu.tolerations[0].operator: expected Exists or Equal');
    expect(cls({ tolerations: [{ key: 'gpu', operator: 'Exists', value: 'x' }] })).toBe('containers.runnerClasses.gpu.tolerations[0].value: must be empty with operator: Exists');
    expect(cls({ tolerations: [{ key: 'gpu', value: 1 }] })).toBe('containers.runnerClasses.gpu.tolerations[0].value: expected a string (quote it: "1")');
    expect(cls({ tolerations: [{ effect: 'NoSchedule' }] })).toBe('containers.runnerClasses.gpu.tolerations[0]: a toleration without a key needs operator: Exists');
    expect(cls({ tolerations: [{ key: 'k', effect: 'NoSchedule', tolerationSeconds: 30 }] })).toBe(
      'containers.runnerClasses.gpu.tolerations[0].tolerationSeconds: only applies with effect: NoExecute',
    );
    expect(cls({ tolerations: [{ key: 'k', effect: 'NoExecute', tolerationSeconds: '30s' }] })).toBe(
      'containers.runnerClasses.gpu.tolerations[0].tolerationSeconds: expected a whole number of seconds',
    );
    expect(cls({ resources: '1 cpu' })).toBe('containers.runnerClasses.gpu.resources: expected a map with requests and/or limits');
    expect(cls({ resources: { limit: { cpu: 1 } } })).toBe('containers.runnerClasses.gpu.resources.limit: unknown setting (expected requests or limits)');
    expect(cls({ resources: { requests: { cpu: true } } })).toBe('containers.runnerClasses.gpu.resources.requests.cpu: expected a quantity (a number, or a string like 500m or 4Gi)');
    expect(cls({ resources: { limits: { memory: '4GB' } } })).toBe("containers.runnerClasses.gpu.resources.limits.memory: '4GB' is not a Kubernetes quantity (like 500m, 2, 512Mi or 4Gi)");
    expect(cls({ runtimeClassName: ['nvidia'] })).toBe('containers.runnerClasses.gpu.runtimeClassName: expected a string');
    expect(cls({ serviceAccount: 7 })).toBe('containers.runnerClasses.gpu.serviceAccount: expected a string');
  });

  it('refuses two labels that differ only in case', () => {
    expect(problem({ gpu: { image: RUNNER }, GPU: { image: RUNNER } })).toEqual({
      message: 'containers.runnerClasses.GPU: same label as gpu (labels match case-insensitively)',
      path: ['containers', 'runnerClasses', 'GPU'],
    });
  });

  it('checks classes handed to the selection directly too', () => {
    expect(() => new RunnerClassContainers({ gpu: { image: RUNNER, resources: { limits: { memory: 'lots' } } } })).toThrow(/^containers\.runnerClasses\.gpu\.resources\.limits\.memory: 'lots' is not/);
  });
});

describe('the module', () => {
  it('binds the ContainerSelection', () => {
    const container = new Container();
    container.loadSync(runnerClasses({ gpu: GPU }, ['ubuntu-latest=kact.local/runner:trixie']));
    const selection = container.get<ContainerSelection>(TOKENS.ContainerSelection);
    expect(selection.name).toBe('runner-classes');
    expect(selection.select(['ubuntu-latest'])).toEqual({ image: RUNNER });
    expect(kactContract).toBe(1);
  });

  it('says where the classes go when loaded without them', () => {
    expect(() => new Container().loadSync(defaultModule)).toThrow(/under containers\.runnerClasses in kact\.config\.yaml/);
  });
});
