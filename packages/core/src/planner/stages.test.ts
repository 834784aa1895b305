import { describe, expect, it } from 'vitest';
import { orderInStages } from './stages.js';

const job = (key: string, ...needs: string[]) => ({ key, needs, stage: -1 });

describe('orderInStages', () => {
  it('puts each job one stage after the latest job it needs', () => {
    const jobs = [job('deploy', 'test', 'lint'), job('build'), job('test', 'build'), job('lint')];
    const stages = orderInStages(jobs).map((s) => s.map((j) => j.key));
    expect(stages).toEqual([['build', 'lint'], ['test'], ['deploy']]);
  });

  it('names the cycle instead of looping', () => {
    expect(() => orderInStages([job('a', 'b'), job('b', 'a')])).toThrow(/a -> b -> a/);
  });
});
