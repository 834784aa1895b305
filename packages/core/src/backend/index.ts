export { POD_PATHS } from './pod-paths.js';
export type { ContainerRequest, JobBackend, JobPod, JobPodRequest, RegistryCredentials, ServiceEndpoint, ServiceRequest } from './job-backend.js';
export { InfrastructureError, type ContainerStepRequest, type PodPlan, type ProcessRequest, type ProcessResult, type StepStrategy } from './step-strategy.js';
export { TOKENS } from './tokens.js';
