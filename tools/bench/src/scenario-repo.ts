import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Contexts } from '@kact/expressions';
import { githubContext, plan, readGitInfo, type ContainerSelection, type Plan } from '@kact/core';
import { PlatformContainers } from '@kact/containers-platforms';
import { loadWorkflows } from '@kact/model';
import { planScenario, type ClusterScenarioName } from './scenarios.js';

/** A throwaway repository holding one workflow per scenario, planned as `kact run` would. */
export interface ScenarioRepo {
  root: string;
  contexts: Contexts;
  containers: ContainerSelection;
  plans: Map<ClusterScenarioName, Plan>;
  remove(): Promise<void>;
}

/** Writes the workflows of the scenarios run in the bench's process into a temp folder and plans each for a push event. */
export async function createScenarioRepo(scenarios: readonly ClusterScenarioName[]): Promise<ScenarioRepo> {
  const root = await mkdtemp(join(tmpdir(), 'kact-bench-'));
  try {
    const dir = join(root, '.github', 'workflows');
    await mkdir(dir, { recursive: true });
    const containers = new PlatformContainers();
    const git = await readGitInfo(root);
    const contexts: Contexts = {
      github: githubContext({ git, eventName: 'push', event: {} }),
      vars: {},
      secrets: { GITHUB_TOKEN: '' },
      inputs: {},
      env: {},
    };
    const plans = new Map<ClusterScenarioName, Plan>();
    for (const name of scenarios) {
      const scenario = planScenario(name);
      if (!scenario) continue;
      const file = join(dir, `${name}.yml`);
      await writeFile(file, scenario.workflow());
      const workflows = await loadWorkflows(file, { repoRoot: root });
      plans.set(name, plan(workflows, { event: 'push', matrixFilter: {}, contexts, containers }));
    }
    return { root, contexts, containers, plans, remove: () => rm(root, { recursive: true, force: true }) };
  } catch (err) {
    await rm(root, { recursive: true, force: true });
    throw err;
  }
}
