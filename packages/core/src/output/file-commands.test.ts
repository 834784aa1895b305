import { describe, expect, it } from 'vitest';
import { buildPath, FileCommandError, parseEnvFile, parsePathFile, prependPaths, readEnvFile } from './file-commands.js';

describe('parseEnvFile', () => {
  it('reads NAME=value lines; the value may hold = and be empty', () => {
    expect(parseEnvFile('A=1\nURL=https://x/?a=b&c=d\nEMPTY=\n', 'GITHUB_OUTPUT')).toEqual({
      A: '1',
      URL: 'https://x/?a=b&c=d',
      EMPTY: '',
    });
  });

  it('reads heredoc values over several lines, keeping = and blank lines inside', () => {
    const file = 'JSON<<EOF\n{\n  "a": "b=c"\n\n}\nEOF\nNEXT=1\n';
    expect(parseEnvFile(file, 'GITHUB_OUTPUT')).toEqual({ JSON: '{\n  "a": "b=c"\n\n}', NEXT: '1' });
  });

  it('reads an empty heredoc value and a delimiter at the end of the file without newline', () => {
    expect(parseEnvFile('A<<X\nX\nB<<ghadelimiter_1\nv\nghadelimiter_1', 'GITHUB_ENV')).toEqual({ A: '', B: 'v' });
  });

  it('only a line that is exactly the delimiter ends the value', () => {
    expect(parseEnvFile('A<<EOF\n EOF\nEOF2\nEOF\n', 'GITHUB_OUTPUT')).toEqual({ A: ' EOF\nEOF2' });
  });

  it('the first of = and << decides the form', () => {
    expect(parseEnvFile('A=b<<c\nB<<D=\nx\nD=\n', 'GITHUB_ENV')).toEqual({ A: 'b<<c', B: 'x' });
  });

  it('skips empty lines and lets a later value win', () => {
    expect(parseEnvFile('\n\nA=1\n\nA=2\n', 'GITHUB_ENV')).toEqual({ A: '2' });
    expect(parseEnvFile('', 'GITHUB_ENV')).toEqual({});
  });

  it('handles CRLF files, in NAME=value and heredoc lines and delimiters', () => {
    expect(parseEnvFile('A=1\r\nB<<EOF\r\nline1\r\nline2\r\nEOF\r\nC=3\r\n', 'GITHUB_OUTPUT')).toEqual({
      A: '1',
      B: 'line1\r\nline2',
      C: '3',
    });
  });

  it('a delimiter that never comes is an error naming the file, the line and the delimiter', () => {
    const file = 'A=1\nBODY<<EOF\nline\nEO\n';
    expect(() => parseEnvFile(file, 'GITHUB_OUTPUT')).toThrow(FileCommandError);
    const { values, error } = readEnvFile(file, 'GITHUB_OUTPUT');
    expect(values).toEqual({ A: '1' });
    expect(error?.line).toBe(2);
    expect(error?.message).toMatch(/^GITHUB_OUTPUT:2: Matching delimiter not found 'EOF'/);
    expect(error?.message).toContain("Write 'EOF' on a line of its own");
  });

  it('rejects an empty name or delimiter, and a line with neither = nor <<', () => {
    expect(readEnvFile('=secretvalue\n', 'GITHUB_ENV').error?.message).toBe("GITHUB_ENV:1: Invalid format '=…'. The name must not be empty.");
    expect(readEnvFile('A=1\nB<<\n', 'GITHUB_ENV').error?.message).toMatch(/^GITHUB_ENV:2: Invalid format 'B<<'. The delimiter/);
    expect(readEnvFile('<<EOF\nx\nEOF\n', 'GITHUB_STATE').error?.message).toContain('The name must not be empty');
    expect(readEnvFile('JUST_A_NAME\n', 'GITHUB_OUTPUT').error?.message).toMatch(/^GITHUB_OUTPUT:1: Invalid format 'JUST_A_NAME'. Expected NAME=value/);
  });

  it('keeps a secret value out of the error message', () => {
    expect(readEnvFile('=hunter2\n', 'GITHUB_ENV').error?.message).not.toContain('hunter2');
  });
});

describe('GITHUB_PATH', () => {
  it('parsePathFile gives one directory per line in file order, skipping empty lines', () => {
    expect(parsePathFile('/a/bin\r\n\n/b/bin\n/c bin\n')).toEqual(['/a/bin', '/b/bin', '/c bin']);
  });

  it('the last directory added comes first in PATH, and re-adding moves it to the front', () => {
    const afterStep1 = prependPaths([], parsePathFile('/one\n/two\n'));
    expect(afterStep1).toEqual(['/two', '/one']);
    const afterStep2 = prependPaths(afterStep1, ['/three', '/one']);
    expect(afterStep2).toEqual(['/one', '/three', '/two']);
    expect(buildPath(afterStep2, '/usr/bin:/bin')).toBe('/one:/three:/two:/usr/bin:/bin');
    expect(buildPath([], '/usr/bin')).toBe('/usr/bin');
  });
});
