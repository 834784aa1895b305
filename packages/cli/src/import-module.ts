/**
 * Imports an ES module (a plugin) by URL. The built kact replaces this module (bundle.mjs): its
 * code runs from V8's code cache (code-cache.ts), where Node 20 refuses `import()`, and gets this
 * function from the ES module that loaded it instead.
 */
export const importModule = (url: string): Promise<unknown> => import(url);
