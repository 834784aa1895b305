import { randomBytes } from 'node:crypto';
import { POD_PATHS, type ProcessRequest } from '@kact/core';

/** A process request kact refuses before it reaches the pod (what execve cannot carry, odd script names). */
export class InvalidProcessRequest extends Error {
  override name = 'InvalidProcessRequest';
}

/**
 * Refuses a NUL byte anywhere execve would have to carry it: a NUL ends a C string, so the
 * process would get a shorter value than the workflow gave (and a working directory cut at a NUL
 * names another folder), or its container would not start at all. Messages name the variable,
 * never its value (it may be a secret).
 */
export function refuseNulBytes(env: Record<string, string>, argv: string[], workingDirectory?: string): void {
  for (const [name, value] of Object.entries(env)) {
    // Escaped as in JSON, without the quotes: a name may hold a newline or an escape sequence too.
    if (name.includes('\0') || value.includes('\0')) throw new InvalidProcessRequest(`environment variable ${JSON.stringify(name).slice(1, -1)} contains a NUL byte, which no process environment can hold`);
  }
  for (const arg of argv) if (arg.includes('\0')) throw new InvalidProcessRequest('a command argument contains a NUL byte, which no process argument can hold');
  if (workingDirectory?.includes('\0')) throw new InvalidProcessRequest('the working directory contains a NUL byte, which no path can hold');
}

/** A new step folder on the runtime volume, unique per step. */
export function newStepDir(stepsDir = `${POD_PATHS.runtime}/steps`): string {
  return `${stepsDir}/${Date.now().toString(36)}-${randomBytes(4).toString('hex')}`;
}

/** A step as the files of its step folder, which both strategies' wrappers read (see STEP_LAUNCH). */
export interface StepFiles {
  /** The script's file name in the step folder ('' without a script). */
  scriptName: string;
  /** Marks the wrapper's trailer; random per step. */
  nonce: string;
  /** File-command names in the order the trailer reports them. */
  fileNames: string[];
  /**
   * File name → content, in this order: `env` and `argv` (NUL-separated), `cwd`
   * (NUL-terminated), `files` (the file-command paths, NUL-separated), `timeout` (seconds or
   * empty), `nonce`, and the script.
   */
  files: Array<[name: string, content: string]>;
}

/**
 * The step folder's files for a process request, the script's path (`dir`/script.ext) put in
 * for `{0}`. Values travel as file contents, never as shell text; only what execve itself
 * cannot carry is refused (NUL bytes, `=` in env names), and script extensions beyond a plain
 * `.name`. `env`: the process's environment (default: the request's).
 */
export function stepFiles(request: ProcessRequest, dir: string, env: Record<string, string> = request.env): StepFiles {
  const script = request.script;
  if (script && !/^(\.[A-Za-z0-9_-]{1,16})?$/.test(script.extension)) throw new InvalidProcessRequest(`script extension ${JSON.stringify(script.extension)} is not allowed`);
  const scriptName = script ? `script${script.extension}` : '';
  const argv = request.command.map((arg) => (script ? arg.split('{0}').join(`${dir}/${scriptName}`) : arg));
  if (argv.length === 0) throw new InvalidProcessRequest('empty command');
  // env(1) would take a first word with `=` for an assignment.
  if (argv[0]!.includes('=')) throw new InvalidProcessRequest(`command ${JSON.stringify(argv[0])} contains '='`);
  // env(1) would read a name with `=` as part of an assignment, and one led by `-` as an option.
  for (const name of Object.keys(env)) {
    if (!name || name.includes('=') || name.startsWith('-')) throw new InvalidProcessRequest(`environment variable name ${JSON.stringify(name)} is not allowed`);
  }
  refuseNulBytes(env, argv, request.workingDirectory);
  const fileNames = Object.keys(request.fileCommands);
  const nonce = `kact-${randomBytes(12).toString('hex')}`;
  const nul = (items: string[]) => items.map((item) => `${item}\0`).join('');
  const files: StepFiles['files'] = [
    ['env', nul(Object.entries(env).map(([k, v]) => `${k}=${v}`))],
    ['argv', nul(argv)],
    ['cwd', `${request.workingDirectory}\0`],
    ['files', nul(fileNames.map((name) => request.fileCommands[name]!))],
    ['timeout', request.timeoutMs !== undefined ? `${(Math.max(request.timeoutMs, 1) / 1000).toFixed(3)}\n` : '\n'],
    ['nonce', `${nonce}\n`],
  ];
  if (script) files.push([scriptName, script.content]);
  return { scriptName, nonce, fileNames, files };
}
