export { plan, planLegs, jobKey, type Plan, type PlannedJob, type PlannedLeg, type PlanOptions } from './planner/plan.js';
export { expandMatrix, filterLegs, legDisplayName, type MatrixLeg } from './planner/matrix.js';
export { isTriggeredBy, workflowEvents } from './planner/events.js';
export { orderInStages } from './planner/stages.js';
export { DEFAULT_RUNNER_IMAGE, defaultPlatforms, parsePlatforms, resolveRunsOn, type PlatformMap, type RunsOn } from './planner/platforms.js';
export { githubContext, type GithubContextOptions } from './context/github-context.js';
export { readGitInfo, repositoryFromRemote, type GitInfo } from './context/git-info.js';
