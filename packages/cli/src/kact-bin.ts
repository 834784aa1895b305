import { fileURLToPath } from 'node:url';

/**
 * This kact's own bin script, beside the running module (dist/ or src/, one level below the
 * package): the conformance suite spawns `node <bin> run …` per case, the bench's cli scenario
 * `node <bin> --help` and the like.
 */
export const KACT_BIN = fileURLToPath(new URL('../bin/kact.js', import.meta.url));

/** The kact repository's examples/hello, from packages/cli/dist (or src). */
export const EXAMPLE_REPO = fileURLToPath(new URL('../../../examples/hello', import.meta.url));
