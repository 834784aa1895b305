import { InputError } from './errors.js';
import type { ActionReference, SourceLocation } from './types.js';

/** The runner's own wording, so users searching for the message find GitHub's docs. */
const EXPECTED_FORMAT = 'Expected format {org}/{repo}[/path]@ref';

/**
 * What a step's or job's `uses:` names: a local path (`./x`, `../x`, kept as written and
 * resolved against the repository root by whoever loads it), a `docker://` image, or a
 * repository (optionally a folder in it) at a ref.
 */
export function parseActionReference(uses: string, at?: SourceLocation): ActionReference {
  if (uses.startsWith('./') || uses.startsWith('../') || uses === '.' || uses === '..') {
    return { kind: 'local', path: uses };
  }
  if (uses.startsWith('docker://')) {
    const image = uses.slice('docker://'.length);
    if (!image) throw InputError.at(`'${uses}': docker:// needs an image name, e.g. docker://alpine:3.20`, at);
    return { kind: 'docker', image };
  }
  const atIndex = uses.lastIndexOf('@');
  const name = atIndex < 0 ? uses : uses.slice(0, atIndex);
  const ref = atIndex < 0 ? '' : uses.slice(atIndex + 1);
  const [owner = '', repo = '', ...rest] = name.split('/');
  const valid = owner && repo && ref && !rest.includes('') && !/\s/.test(uses);
  if (!valid) throw InputError.at(`${EXPECTED_FORMAT}. Actual '${uses}'`, at);
  return { kind: 'remote', owner, repo, path: rest.join('/'), ref };
}
