import { randomBytes } from 'node:crypto';
import { POD_PATHS, type ProcessRequest } from '@kact/core';

/** A step as the sidecar wrapper receives it: env for the step's Secret, and what both sides agree on. */
export interface SidecarStep {
  /** The step folder on the runtime volume. */
  dir: string;
  /** The script's file name in the step folder ('' without a script). */
  scriptName: string;
  /** Marks the trailer in the log; random per step. */
  nonce: string;
  /** File-command names in the order the trailer reports them. */
  fileNames: string[];
  /** `KACT_<FIELD>_N` / `KACT_<FIELD>_<i>`: base64 parts, for the step's Secret. */
  env: Record<string, string>;
  /** The same fields as the wrapper unpacks them: file name in the step folder → base64 content (for the agent). */
  files: Record<string, string>;
  /** Bytes of `env` values: checked against the Secret and execve limits. */
  size: number;
}

export class InvalidStepRequest extends Error {
  override name = 'InvalidStepRequest';
}

/** Bytes per env value: the kernel refuses a single env string over 128 KiB. */
const PART = 96 * 1024;
/**
 * A Secret holds at most 1 MiB, and argv+env of one exec about 2 MiB. The request (script, env,
 * argv) must fit in this much base64; larger steps are refused with this number in the message.
 */
export const MAX_REQUEST_BYTES = 900 * 1024;

export function newStepDir(): string {
  return `${POD_PATHS.runtime}/steps/${Date.now().toString(36)}-${randomBytes(4).toString('hex')}`;
}

/**
 * Encodes a ProcessRequest for the wrapper. `baseEnv` comes first in the process's env (the
 * container's own env, which the ephemeral container would not have), the request's env after
 * it and so wins. Values travel as data, never as shell text.
 */
export function encodeSidecarStep(request: ProcessRequest, baseEnv: Record<string, string>, dir = newStepDir()): SidecarStep {
  const script = request.script;
  if (script && !/^(\.[A-Za-z0-9_-]{1,16})?$/.test(script.extension)) throw new InvalidStepRequest(`script extension ${JSON.stringify(script.extension)} is not allowed`);
  const scriptName = script ? `script${script.extension}` : '';
  const argv = request.command.map((arg) => (script ? arg.split('{0}').join(`${dir}/${scriptName}`) : arg));
  if (argv.length === 0) throw new InvalidStepRequest('empty command');
  if (argv[0]!.includes('=')) throw new InvalidStepRequest(`command ${JSON.stringify(argv[0])} contains '='`);
  const env = { ...baseEnv, ...request.env };
  for (const [name, value] of Object.entries(env)) {
    if (!name || name.includes('=') || name.startsWith('-') || name.includes('\0')) throw new InvalidStepRequest(`environment variable name ${JSON.stringify(name)} is not allowed`);
    if (value.includes('\0')) throw new InvalidStepRequest(`environment variable ${name} contains a NUL byte`);
  }
  for (const arg of argv) if (arg.includes('\0')) throw new InvalidStepRequest('command argument contains a NUL byte');
  const fileNames = Object.keys(request.fileCommands);
  const nonce = `kact-${randomBytes(12).toString('hex')}`;
  const nul = (items: string[]) => items.map((item) => `${item}\0`).join('');
  const fields: Record<string, string> = {
    ENV: nul(Object.entries(env).map(([k, v]) => `${k}=${v}`)),
    ARGV: nul(argv),
    CWD: `${request.workingDirectory}\0`,
    FILES: nul(fileNames.map((name) => request.fileCommands[name]!)),
    NONCE: `${nonce}\n`,
    TIMEOUT: request.timeoutMs !== undefined ? `${(Math.max(request.timeoutMs, 1) / 1000).toFixed(3)}\n` : '\n',
    ...(script ? { SCRIPT: script.content } : {}),
  };
  const out: Record<string, string> = {};
  const files: Record<string, string> = {};
  let size = 0;
  for (const [field, content] of Object.entries(fields)) {
    const encoded = Buffer.from(content, 'utf8').toString('base64');
    files[field === 'SCRIPT' ? scriptName : field.toLowerCase()] = encoded;
    const parts = Math.max(1, Math.ceil(encoded.length / PART));
    out[`KACT_${field}_N`] = String(parts);
    for (let i = 0; i < parts; i++) out[`KACT_${field}_${i}`] = encoded.slice(i * PART, (i + 1) * PART);
    size += encoded.length;
  }
  if (size > MAX_REQUEST_BYTES) {
    throw new InvalidStepRequest(`the step is too large for the sidecar strategy: ${Math.round(size / 1024)} KiB encoded (script, env and arguments), at most ${MAX_REQUEST_BYTES / 1024} KiB fit in its Secret`);
  }
  return { dir, scriptName, nonce, fileNames, env: out, files, size };
}
