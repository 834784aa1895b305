// actions/cache@v4's post step: saves the paths under the key unless the key already hit.
import * as cache from '@actions/cache';
import * as core from '@actions/core';

async function post(): Promise<void> {
  const key = core.getState('CACHE_KEY');
  if (core.getState('CACHE_RESULT') === key) {
    core.info(`Cache hit occurred on the primary key ${key}, not saving cache.`);
    return;
  }
  const id = await cache.saveCache(core.getMultilineInput('path', { required: true }), key, {}, core.getBooleanInput('enableCrossOsArchive'));
  if (id !== -1) core.info(`Cache saved with key: ${key}`);
}

post().catch((error: unknown) => core.warning(error instanceof Error ? error.message : String(error)));
