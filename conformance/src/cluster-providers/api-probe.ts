import { KubeConfig, VersionApi } from '@kubernetes/client-node';

/** Asks the apiserver for its version; resolves with a reason when it does not answer in time. */
export async function probeApiServer(kubeconfig: string, context?: string, timeoutMs = 5000): Promise<{ ok: true; server: string } | { ok: false; reason: string }> {
  const config = new KubeConfig();
  try {
    config.loadFromFile(kubeconfig);
    if (context) config.setCurrentContext(context);
  } catch (err) {
    return { ok: false, reason: `cannot read kubeconfig ${kubeconfig}: ${(err as Error).message}` };
  }
  const server = config.getCurrentCluster()?.server ?? '(no server)';
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer within ${timeoutMs / 1000}s`)), timeoutMs);
  });
  try {
    const version = await Promise.race([config.makeApiClient(VersionApi).getCode(), timeout]);
    return { ok: true, server: `${server} (${version.gitVersion})` };
  } catch (err) {
    return { ok: false, reason: `the apiserver at ${server} (context ${config.getCurrentContext()}) does not answer: ${(err as Error).message}` };
  } finally {
    clearTimeout(timer);
  }
}
