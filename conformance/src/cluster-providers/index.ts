export type { Availability, Cluster, ClusterProvider } from './cluster-provider.js';
export { probeApiServer } from './api-probe.js';
export { K3sProvider, DEFAULT_K3S_IMAGE, type K3sOptions } from './k3s.js';
export { KubeconfigProvider, type KubeconfigOptions } from './kubeconfig.js';
export { LocalProvider, LOCAL_KUBECONFIG, type LocalOptions } from './local.js';
