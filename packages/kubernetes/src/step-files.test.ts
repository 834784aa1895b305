import type { ProcessRequest } from '@kact/core';
import { describe, expect, it } from 'vitest';
import { stepFiles } from './step-files.js';

const request = (over: Partial<ProcessRequest>): ProcessRequest => ({ container: 'runner', command: ['bash', '-e', '{0}'], script: { content: 'true', extension: '.sh' }, env: {}, workingDirectory: '/github/workspace/app', fileCommands: {}, ...over });
const file = (files: Array<[string, string]>, name: string) => files.find(([n]) => n === name)?.[1];

describe('stepFiles', () => {
  it('carries hostile values as data, byte for byte', () => {
    const value = `q'd"$(touch /tmp/x) \`id\`;\n%0A\u001b[31m\r`;
    const { files } = stepFiles(request({ env: { [`N'$(x)`]: value }, workingDirectory: `/github/workspace/${value}` }), '/d');
    expect(file(files, 'env')).toBe(`N'$(x)=${value}\0`);
    expect(file(files, 'cwd')).toBe(`/github/workspace/${value}\0`);
  });

  // The wrapper reads the working directory up to its NUL: `app\0/../..` ran in `app`.
  it('refuses a working directory with a NUL byte instead of cutting it short', () => {
    expect(() => stepFiles(request({ workingDirectory: '/github/workspace/app\0/../../etc' }), '/d')).toThrow('the working directory contains a NUL byte');
  });

  it('refuses NUL bytes in env and arguments, naming the variable but not the value', () => {
    expect(() => stepFiles(request({ env: { GOOD: 'x', BAD: 'sec\0ret' } }), '/d')).toThrow(/^environment variable BAD contains a NUL byte/);
    expect(() => stepFiles(request({ command: ['bash', 'a\0b', '{0}'] }), '/d')).toThrow('a command argument contains a NUL byte');
  });
});
