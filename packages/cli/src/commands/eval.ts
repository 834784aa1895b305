import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { containsExpression, evaluate, interpolate, type Contexts, type JobStatus } from '@kact/expressions';
import { InputError } from '@kact/model';

export interface EvalFlags {
  context?: string;
  status: string;
  workspace: string;
}

const statuses: JobStatus[] = ['success', 'failure', 'cancelled'];

async function readContexts(path: string | undefined): Promise<Contexts> {
  if (!path) return {};
  let parsed: unknown;
  try {
    parsed = JSON.parse(await readFile(path, 'utf8'));
  } catch (err) {
    throw InputError.at(`--context ${path}: ${(err as Error).message}`);
  }
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) {
    throw InputError.at(`--context ${path}: expected a JSON object of contexts, e.g. {"github": {...}, "env": {...}}`);
  }
  return parsed as Contexts;
}

/**
 * `kact eval`: an argument containing `${{` is a template and prints the resulting string;
 * anything else is an expression and prints its value as JSON.
 */
export async function evalCommand(text: string, flags: EvalFlags): Promise<string> {
  const status = flags.status as JobStatus;
  if (!statuses.includes(status)) throw InputError.at(`--status must be one of ${statuses.join(', ')}, got '${flags.status}'`);
  const contexts = await readContexts(flags.context);
  const options = { status, workspace: resolve(flags.workspace) };
  if (containsExpression(text)) return interpolate(text, contexts, options);
  return JSON.stringify(evaluate(text, contexts, options), null, 2);
}
