import { formatDiagnostic, isInputError } from '@kact/model';

/** 2 for bad input (the user's files or flags), 1 for everything else. */
export function exitCodeFor(err: unknown): number {
  if (isInputError(err)) return 2;
  const code = (err as { exitCode?: unknown }).exitCode;
  return typeof code === 'number' ? code : 1;
}

/** One line per problem; the stack only with --verbose. */
export function describeError(err: unknown, verbose: boolean): string {
  const text = isInputError(err)
    ? err.diagnostics.map((d) => `error: ${formatDiagnostic(d)}`).join('\n')
    : `error: ${err instanceof Error ? err.message : String(err)}`;
  return verbose && err instanceof Error && err.stack ? `${text}\n${err.stack}` : text;
}
