// actions/upload-artifact@v4's behaviour for kact's conformance cases: the same inputs, outputs
// and messages, on GitHub's client library. GitHub's own action cannot be fetched offline.
import { statSync } from 'node:fs';
import { dirname, sep } from 'node:path';
import { DefaultArtifactClient } from '@actions/artifact';
import * as core from '@actions/core';
import * as glob from '@actions/glob';

/** The deepest folder holding every search path: the root of the names inside the zip, as upload-artifact does. */
function commonRoot(searchPaths: string[]): string {
  const split = searchPaths.map((p) => (statSync(p, { throwIfNoEntry: false })?.isDirectory() ? p : dirname(p)).split(sep));
  const first = split[0] ?? [];
  let length = first.length;
  for (const parts of split) {
    let i = 0;
    while (i < length && parts[i] === first[i]) i++;
    length = i;
  }
  return first.slice(0, length).join(sep) || sep;
}

async function main(): Promise<void> {
  const name = core.getInput('name') || 'artifact';
  const ifNoFilesFound = core.getInput('if-no-files-found') || 'warn';
  const hidden = core.getBooleanInput('include-hidden-files');
  const globber = await glob.create(core.getInput('path', { required: true }), { matchDirectories: false, excludeHiddenFiles: !hidden });
  const files = (await globber.glob()).filter((file) => statSync(file).isFile());
  if (files.length === 0) {
    const message = `No files were found with the provided path: ${core.getInput('path')}. No artifacts will be uploaded.`;
    if (ifNoFilesFound === 'error') return core.setFailed(message);
    if (ifNoFilesFound === 'warn') core.warning(message);
    else core.info(message);
    return;
  }
  core.info(`With the provided path, there will be ${files.length} file${files.length === 1 ? '' : 's'} uploaded`);
  const client = new DefaultArtifactClient();
  if (core.getBooleanInput('overwrite')) {
    await client.deleteArtifact(name).catch(() => core.debug(`no artifact ${name} to overwrite`));
  }
  const retentionDays = Number(core.getInput('retention-days') || '0');
  const { id, size, digest } = await client.uploadArtifact(name, files, commonRoot(globber.getSearchPaths()), {
    ...(retentionDays > 0 ? { retentionDays } : {}),
    compressionLevel: Number(core.getInput('compression-level') || '6'),
  });
  core.info(`Artifact ${name} has been successfully uploaded! Final size is ${size} bytes. Artifact ID is ${id}`);
  core.setOutput('artifact-id', String(id));
  if (digest) core.setOutput('artifact-digest', digest);
}

main().catch((error: unknown) => core.setFailed(error instanceof Error ? error.message : String(error)));
