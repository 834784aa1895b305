import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { containsExpression, evaluate, interpolate, validateExpression, type Contexts, type JobStatus } from '@kact/expressions';
import { InputError } from '@kact/model';
import { formatEvalValue } from './eval-json.js';

export interface EvalFlags {
  context?: string;
  status: string;
  workspace: string;
  /** `--template`: interpolate the text, whatever it looks like. */
  template?: boolean;
  /** `--expression`: evaluate the text as one expression, whatever it looks like. */
  expression?: boolean;
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

/** Whether `${{` occurs outside the single-quoted string literals of the text read as an expression. */
function opensOutsideStrings(text: string): boolean {
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    // `''` inside a string toggles twice, which keeps us inside it
    if (text[i] === "'") inString = !inString;
    else if (!inString && text.startsWith('${{', i)) return true;
  }
  return false;
}

const parses = (text: string) => {
  try {
    validateExpression(text);
    return true;
  } catch {
    return false;
  }
};

/**
 * Without --template/--expression: a template is text with `${{` outside the string literals of a
 * bare expression, so `format('{0}', '${{ x }}')` stays an expression. Text whose every `${{`
 * sits between quotes is a template only when it does not parse as an expression: the quotes
 * were apostrophes of plain text (`don't ${{ x }}`).
 */
export function isTemplate(text: string): boolean {
  if (!containsExpression(text)) return false;
  return opensOutsideStrings(text) || !parses(text);
}

/**
 * `kact eval`: a template prints the resulting string; an expression prints its value as JSON
 * (see formatEvalValue for numbers JSON cannot hold).
 */
export async function evalCommand(text: string, flags: EvalFlags): Promise<string> {
  const status = flags.status as JobStatus;
  if (!statuses.includes(status)) throw InputError.at(`--status must be one of ${statuses.join(', ')}, got '${flags.status}'`);
  const contexts = await readContexts(flags.context);
  const options = { status, workspace: resolve(flags.workspace) };
  const template = flags.template === true || (flags.expression !== true && isTemplate(text));
  if (template) return interpolate(text, contexts, options);
  return formatEvalValue(evaluate(text, contexts, options));
}
