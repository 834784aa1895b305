import { CoreV1Api, KubeConfig, VersionApi } from '@kubernetes/client-node';
import { apiStatusMessage } from '@kact/core';

export interface KubeConnectionOptions {
  /** A kubeconfig file; default: $KUBECONFIG, then ~/.kube/config, then in-cluster. */
  kubeconfig?: string;
  /** `--context`; default: the kubeconfig's current context. */
  context?: string;
  /** `--namespace`; default: the context's namespace, then `default`. */
  namespace?: string;
}

/** A cluster to talk to: the loaded kubeconfig, the namespace kact works in and a core API client. */
export interface KubeConnection {
  config: KubeConfig;
  namespace: string;
  context: string;
  server: string;
  core: CoreV1Api;
}

/** A cluster kact cannot use: the message names the context and server and fits on one line. */
export class ClusterUnreachableError extends Error {
  override name = 'ClusterUnreachableError';
}

export function connectToCluster(options: KubeConnectionOptions = {}): KubeConnection {
  const config = new KubeConfig();
  try {
    if (options.kubeconfig) config.loadFromFile(options.kubeconfig);
    else config.loadFromDefault();
  } catch (error) {
    throw new ClusterUnreachableError(`cannot load kubeconfig ${options.kubeconfig ?? process.env['KUBECONFIG'] ?? '~/.kube/config'}: ${messageOf(error)}`);
  }
  if (options.context) {
    if (!config.getContextObject(options.context)) {
      throw new ClusterUnreachableError(`kubeconfig has no context "${options.context}" (has: ${config.getContexts().map((c) => c.name).join(', ') || 'none'})`);
    }
    config.setCurrentContext(options.context);
  }
  const context = config.getCurrentContext();
  const cluster = config.getCurrentCluster();
  if (!cluster) throw new ClusterUnreachableError(`kubeconfig context "${context}" names no cluster`);
  const namespace = options.namespace ?? config.getContextObject(context)?.namespace ?? 'default';
  return { config, namespace, context, server: cluster.server, core: config.makeApiClient(CoreV1Api) };
}

/** Asks the API server for its version; rejects with one line naming the context and server. */
export async function checkReachable(connection: KubeConnection, timeoutMs = 5000): Promise<string> {
  const version = connection.config.makeApiClient(VersionApi);
  const timeout = new Promise<never>((_, reject) => setTimeout(() => reject(new Error(`no answer in ${timeoutMs} ms`)), timeoutMs).unref());
  try {
    const info = await Promise.race([version.getCode(), timeout]);
    return info.gitVersion;
  } catch (error) {
    throw new ClusterUnreachableError(`cannot reach Kubernetes API server ${connection.server} (context "${connection.context}"): ${messageOf(error)}`);
  }
}

/** One line for an error of the Kubernetes client: the API server's Status message, a socket error's code, or the first line of its message. */
export function messageOf(error: unknown): string {
  const status = apiStatusMessage(error);
  if (status !== undefined) return status;
  if (error && typeof error === 'object') {
    const e = error as { message?: unknown; cause?: { code?: unknown; message?: unknown } };
    if (e.cause && typeof e.cause.code === 'string') return `${e.cause.code} ${String(e.cause.message ?? '')}`.trim();
    if (typeof e.message === 'string') return e.message.split('\n')[0]!;
  }
  return String(error);
}

/** True for an ApiException with the given HTTP status. */
export function isHttpStatus(error: unknown, code: number): boolean {
  return typeof error === 'object' && error !== null && (error as { code?: unknown }).code === code;
}
