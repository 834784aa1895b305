import type { ProcessRequest } from '@kact/core';
import { InvalidProcessRequest, newStepDir, stepFiles } from '@kact/kubernetes';

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

/** Bytes per env value: the kernel refuses a single env string over 128 KiB. */
const PART = 96 * 1024;
/**
 * A Secret holds at most 1 MiB, and argv+env of one exec about 2 MiB. The request (script, env,
 * argv) must fit in this much base64; larger steps are refused with this number in the message.
 */
export const MAX_REQUEST_BYTES = 900 * 1024;

/**
 * Encodes a ProcessRequest for the wrapper. `baseEnv` comes first in the process's env (the
 * container's own env, which the ephemeral container would not have), the request's env after
 * it and so wins. Values travel as data, never as shell text.
 */
export function encodeSidecarStep(request: ProcessRequest, baseEnv: Record<string, string>, dir = newStepDir()): SidecarStep {
  const { scriptName, nonce, fileNames, files } = stepFiles(request, dir, { ...baseEnv, ...request.env });
  const out: Record<string, string> = {};
  const encodedFiles: Record<string, string> = {};
  let size = 0;
  for (const [name, content] of files) {
    const encoded = Buffer.from(content, 'utf8').toString('base64');
    encodedFiles[name] = encoded;
    // The wrapper's env fields: KACT_ENV_…, KACT_ARGV_…, …, KACT_SCRIPT_… (see sidecar-wrapper.ts).
    const field = name === scriptName ? 'SCRIPT' : name.toUpperCase();
    const parts = Math.max(1, Math.ceil(encoded.length / PART));
    out[`KACT_${field}_N`] = String(parts);
    for (let i = 0; i < parts; i++) out[`KACT_${field}_${i}`] = encoded.slice(i * PART, (i + 1) * PART);
    size += encoded.length;
  }
  if (size > MAX_REQUEST_BYTES) {
    throw new InvalidProcessRequest(`the step is too large for the sidecar strategy: ${Math.round(size / 1024)} KiB encoded (script, env and arguments), at most ${MAX_REQUEST_BYTES / 1024} KiB fit in its Secret`);
  }
  return { dir, scriptName, nonce, fileNames, env: out, files: encodedFiles, size };
}
