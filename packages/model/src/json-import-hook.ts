/**
 * A module-resolution hook (registered by github-parser.ts through `node:module`'s `register`).
 *
 * `@actions/workflow-parser` does `import schema from "../workflow-v1.0.min.json"` without an
 * import attribute, which Node 20+ refuses (ERR_IMPORT_ATTRIBUTE_MISSING). Bundlers accept it,
 * Node does not (actions/languageservices#387). We add `type: 'json'` for JSON files inside
 * `@actions/` packages only, so no other package's behaviour changes.
 */

interface ResolveContext {
  conditions: string[];
  importAttributes?: Record<string, string>;
  parentURL?: string;
}

interface ResolveResult {
  url: string;
  format?: string | null;
  importAttributes?: Record<string, string>;
  shortCircuit?: boolean;
}

type NextResolve = (specifier: string, context: ResolveContext) => Promise<ResolveResult>;

export async function resolve(specifier: string, context: ResolveContext, next: NextResolve): Promise<ResolveResult> {
  const result = await next(specifier, context);
  if (result.url.endsWith('.json') && result.url.includes('/@actions/') && !context.importAttributes?.['type']) {
    return { ...result, importAttributes: { ...context.importAttributes, type: 'json' } };
  }
  return result;
}
