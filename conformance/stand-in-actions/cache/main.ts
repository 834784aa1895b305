// actions/cache@v4's restore step for kact's conformance cases, on GitHub's client library.
import * as cache from '@actions/cache';
import * as core from '@actions/core';

async function main(): Promise<void> {
  const key = core.getInput('key', { required: true });
  const paths = core.getMultilineInput('path', { required: true });
  const restoreKeys = core.getMultilineInput('restore-keys');
  core.saveState('CACHE_KEY', key);
  const matched = await cache.restoreCache(paths, key, restoreKeys, { lookupOnly: core.getBooleanInput('lookup-only') }, core.getBooleanInput('enableCrossOsArchive'));
  if (!matched) {
    const message = `Cache not found for input keys: ${[key, ...restoreKeys].join(', ')}`;
    if (core.getBooleanInput('fail-on-cache-miss')) return core.setFailed(`Failed to restore cache entry. Exiting as fail-on-cache-miss is set. Input key: ${key}`);
    core.info(message);
    core.setOutput('cache-hit', 'false');
    return;
  }
  core.saveState('CACHE_RESULT', matched);
  core.setOutput('cache-hit', String(matched === key));
  core.setOutput('cache-matched-key', matched);
  core.info(`Cache restored from key: ${matched}`);
}

main().catch((error: unknown) => core.setFailed(error instanceof Error ? error.message : String(error)));
