export { loadCases, CASES_DIR, REPO_ROOT, type CaseFilter, type ConformanceCase } from './cases.js';
export { compareRun, type RunObservation } from './compare.js';
export { readExpectation, type Expectation, type ExpectedJob, type ExpectedStep, type RemoteAction } from './expectation.js';
export { runKact, type KactExit, type KactInvocation } from './kact-process.js';
export { findLeftovers, listRunResources, RUN_ID_LABEL } from './leftovers.js';
export { runCase, runConformance, type CaseResult, type CaseStatus, type ConformanceOptions } from './suite.js';
export { passTable } from './table.js';
export * from './cluster-providers/index.js';
export { actPeerTable, classifyActRow, imagesOf, readActCases, runActPeer, splitNeeds, ACT_PEER_DIR, LOCAL_IMAGES, type ActPlan, type ActPeerOptions, type ActRow, type ActRowResult, type ActRowStatus } from './act-peer.js';
