import { describe, expect, it } from 'vitest';
import type { ContainerSelection } from '../backend/container-selection.js';
import { resolveRunsOn, runsOnLabels } from './runs-on.js';

describe('runs-on', () => {
  it('reads a label, a list or a group as labels, in the order written', () => {
    expect(runsOnLabels('ubuntu-latest')).toEqual(['ubuntu-latest']);
    expect(runsOnLabels(['self-hosted', 'x64'])).toEqual(['self-hosted', 'x64']);
    expect(runsOnLabels({ group: 'g', labels: ['a', 'b'] })).toEqual(['a', 'b']);
    expect(runsOnLabels({ group: 'g', labels: 'a' })).toEqual(['a']);
    expect(runsOnLabels(null)).toEqual([]);
  });

  const selection: ContainerSelection = {
    name: 'test',
    hint: 'map it',
    select: (labels) => (labels.includes('gpu') ? { image: 'cuda:1', placement: { nodeSelector: { gpu: 'yes' } } } : undefined),
  };

  it('takes image and placement from the ContainerSelection', () => {
    expect(resolveRunsOn(['self-hosted', 'gpu'], selection)).toEqual({ labels: ['self-hosted', 'gpu'], image: 'cuda:1', placement: { nodeSelector: { gpu: 'yes' } } });
  });

  it('leaves the image unset when the selection knows no label', () => {
    expect(resolveRunsOn('macos-latest', selection)).toEqual({ labels: ['macos-latest'] });
  });
});
