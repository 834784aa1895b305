import { LABELS, messageOf, type KubeConnection } from '@kact/kubernetes';

/** What waiting for the nodes came to: how long it took, or why the sample starts anyway. */
export type Settled = { waitedMs: number } | { gaveUp: string };

/** A node's own list of its pods (the kubelet's `/pods`), reduced to the kact pods on it. */
export type KactPodsOnNodes = () => Promise<number>;

export interface SettleOptions {
  timeoutMs?: number;
  pollMs?: number;
  signal?: AbortSignal;
}

/**
 * The kact pods every node still holds, as its kubelet lists them (`nodes/<node>/proxy/pods`).
 * kact deletes a pod with no grace: it is gone from the API at once, while the kubelet stops its
 * containers and frees its network afterwards, on the same CPUs as whatever runs next.
 */
export function kactPodsOnNodes(connection: Pick<KubeConnection, 'core'>): KactPodsOnNodes {
  return async () => {
    const nodes = await connection.core.listNode();
    let held = 0;
    for (const node of nodes.items) {
      const text = await connection.core.connectGetNodeProxyWithPath({ name: node.metadata!.name!, path: 'pods' });
      const pods = (typeof text === 'string' ? JSON.parse(text) : text) as { items?: { metadata?: { labels?: Record<string, string> } }[] };
      held += (pods.items ?? []).filter((p) => p.metadata?.labels?.[LABELS.runId] !== undefined).length;
    }
    return held;
  };
}

/**
 * Waits until no node holds a pod of an earlier kact run, so each sample starts on a node that is
 * not still cleaning up after the last one (act's Docker removes its containers before it exits;
 * kact's runs end once the API has forgotten their pods). Never fails: past the timeout, or when
 * the nodes cannot be asked (no `nodes/proxy`), the sample starts anyway and the reason is kept.
 */
export async function settleNodes(count: KactPodsOnNodes, options: SettleOptions = {}): Promise<Settled> {
  const { timeoutMs = 30_000, pollMs = 250, signal } = options;
  const started = performance.now();
  for (;;) {
    let held: number;
    try {
      held = await count();
    } catch (err) {
      return { gaveUp: `the nodes' own pod lists could not be read (nodes/proxy): ${messageOf(err)}` };
    }
    const waitedMs = performance.now() - started;
    if (held === 0) return { waitedMs };
    if (waitedMs >= timeoutMs || signal?.aborted) return { gaveUp: `${held} kact pod(s) still on the nodes after ${Math.round(waitedMs / 1000)} s` };
    await new Promise((resolve) => setTimeout(resolve, pollMs));
  }
}
