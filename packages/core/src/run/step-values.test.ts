import { describe, expect, it } from 'vitest';
import { evaluateStrings } from './step-values.js';

const contexts = { env: { NAME: 'world' } };

describe('evaluateStrings (env and with mappings)', () => {
  it('evaluates each value to the string a process sees', () => {
    expect(evaluateStrings({ A: '${{ env.NAME }}', B: 3, C: true, D: null }, contexts, {})).toEqual({ A: 'world', B: '3', C: 'true', D: '' });
  });

  it('adds the entries of an ${{ insert }} key where it stands, later keys winning', () => {
    const env = { A: 'first', '${{ insert }}': "${{ fromJSON('{\"B\":2,\"A\":\"inserted\"}') }}", C: '${{ env.NAME }}' };
    expect(evaluateStrings(env, contexts, {})).toEqual({ A: 'inserted', B: '2', C: 'world' });
  });
});
