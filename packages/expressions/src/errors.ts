/**
 * A problem with an expression a user wrote: bad syntax, an unknown function or context, a wrong
 * argument count, or a failure while evaluating it. `kind = 'input'` lets the CLI map it to exit
 * code 2 without a stack trace.
 */
export class ExpressionError extends Error {
  readonly kind = 'input';
  readonly diagnostics: { message: string }[];

  constructor(message: string, diagnostics?: { message: string }[], options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'ExpressionError';
    this.diagnostics = diagnostics ?? [{ message }];
  }
}

export function errorMessage(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

/** Wraps any failure while handling `expression` into an ExpressionError naming the expression. */
export function asExpressionError(e: unknown, expression: string, what: string): ExpressionError {
  if (e instanceof ExpressionError) return e;
  const detail = errorMessage(e);
  return new ExpressionError(`${what} '${expression}': ${detail}`, [{ message: detail }], { cause: e });
}
