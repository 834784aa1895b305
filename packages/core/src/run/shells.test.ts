import { describe, expect, it } from 'vitest';
import { shellCommand } from './shells.js';

describe('shellCommand', () => {
  it('uses bash -e without a shell when bash exists, else sh -e', () => {
    expect(shellCommand(undefined, true).command).toEqual(['bash', '-e', '{0}']);
    expect(shellCommand(undefined, false).command).toEqual(['sh', '-e', '{0}']);
  });
  it("uses the runner's templates for named shells", () => {
    expect(shellCommand('bash', true).command).toEqual(['bash', '--noprofile', '--norc', '-eo', 'pipefail', '{0}']);
    expect(shellCommand('python', true)).toEqual({ command: ['python', '{0}'], extension: '.py' });
  });
  it('accepts custom shells with {0}', () => {
    expect(shellCommand('perl -w {0}', true).command).toEqual(['perl', '-w', '{0}']);
    expect(shellCommand('node {0}', true).extension).toBe('.js');
  });
  it('rejects unknown names and custom shells without {0}', () => {
    expect(() => shellCommand('fish', true)).toThrow(/unknown shell 'fish'/);
    expect(() => shellCommand('perl -w', true)).toThrow(/must contain \{0\}/);
  });
});
