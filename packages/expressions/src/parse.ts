import { Lexer, Parser, type Expr } from '@actions/expressions';
import { TokenType, type Token } from '@actions/expressions/lexer';
import { asExpressionError, ExpressionError } from './errors.js';
import { RUNNER_FUNCTIONS } from './functions.js';
import { CONTEXT_NAMES } from './types.js';

/**
 * The library's lexer unescapes only the first `''` of a string literal (`String.replace` with a
 * string pattern). The token's lexeme still holds the raw quoted text, so decode it again fully.
 */
function fixStringEscapes(tokens: Token[]): Token[] {
  for (const token of tokens) {
    if (token.type === TokenType.STRING) {
      token.value = token.lexeme.slice(1, -1).replaceAll("''", "'");
    }
  }
  return tokens;
}

/**
 * Parses the text inside `${{ }}` and checks function names, arities and context names.
 * Throws an ExpressionError naming the expression.
 */
export function parseExpression(expression: string): Expr {
  if (expression.trim() === '') {
    throw new ExpressionError(`Invalid expression '${expression}': an expression was expected`);
  }
  try {
    const tokens = fixStringEscapes(new Lexer(expression).lex().tokens);
    return new Parser(tokens, [...CONTEXT_NAMES], RUNNER_FUNCTIONS).parse();
  } catch (e) {
    throw asExpressionError(e, expression.trim(), 'Invalid expression');
  }
}

/** Syntax + known function names/arity check; throws ExpressionError. */
export function validateExpression(expression: string): void {
  parseExpression(expression);
}
