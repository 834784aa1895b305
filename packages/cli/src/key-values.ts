import { readFile } from 'node:fs/promises';
import { parse } from 'dotenv';
import { InputError } from '@kact/model';

/**
 * Reads `KEY=VALUE` flags (act's -s/--var/--env); a bare `KEY` takes the value from kact's own
 * environment, as act does for secrets, so values need not appear in shell history.
 */
export function parseKeyValues(flags: string[], flagName: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const flag of flags) {
    const eq = flag.indexOf('=');
    const key = (eq < 0 ? flag : flag.slice(0, eq)).trim();
    if (!key) throw InputError.at(`${flagName} expects KEY=VALUE or KEY, got '${flag}'`);
    if (eq >= 0) out[key] = flag.slice(eq + 1);
    else if (process.env[key] !== undefined) out[key] = process.env[key]!;
    else throw InputError.at(`${flagName} ${key}: no value given and no environment variable ${key} is set`);
  }
  return out;
}

/** A dotenv-format file (act's --secret-file, --var-file, --env-file); a missing default file is no error. */
export async function readKeyValueFile(path: string, flagName: string, required: boolean): Promise<Record<string, string>> {
  try {
    return parse(await readFile(path, 'utf8'));
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT' && !required) return {};
    throw InputError.at(`${flagName} ${path}: ${(err as Error).message}`);
  }
}

/** `--matrix key:value` flags, repeatable per key. */
export function parseMatrixFilter(flags: string[]): Record<string, string[]> {
  const out: Record<string, string[]> = {};
  for (const flag of flags) {
    const colon = flag.indexOf(':');
    if (colon <= 0) throw InputError.at(`--matrix expects key:value, got '${flag}'`);
    (out[flag.slice(0, colon)] ??= []).push(flag.slice(colon + 1));
  }
  return out;
}
