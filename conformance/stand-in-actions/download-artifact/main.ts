// actions/download-artifact@v4's behaviour for kact's conformance cases, on GitHub's client library.
import { join, resolve } from 'node:path';
import { DefaultArtifactClient } from '@actions/artifact';
import * as core from '@actions/core';
import { minimatch } from 'minimatch';

async function main(): Promise<void> {
  const client = new DefaultArtifactClient();
  const name = core.getInput('name');
  const path = resolve(core.getInput('path') || process.env.GITHUB_WORKSPACE || '.');
  if (name) {
    const { artifact } = await client.getArtifact(name);
    core.info(`Found artifact ${artifact.name} (ID: ${artifact.id}, Size: ${artifact.size})`);
    await client.downloadArtifact(artifact.id, { path });
  } else {
    const pattern = core.getInput('pattern');
    const { artifacts } = await client.listArtifacts({ latest: true });
    const chosen = pattern ? artifacts.filter((a) => minimatch(a.name, pattern)) : artifacts;
    core.info(`Found ${chosen.length} artifact(s)`);
    const merge = core.getBooleanInput('merge-multiple');
    for (const artifact of chosen) await client.downloadArtifact(artifact.id, { path: merge ? path : join(path, artifact.name) });
  }
  core.info(`Download artifact has finished successfully`);
  core.setOutput('download-path', path);
}

main().catch((error: unknown) => core.setFailed(error instanceof Error ? error.message : String(error)));
