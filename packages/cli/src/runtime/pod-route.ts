import { BlockList, isIPv6 } from 'node:net';
import { readFile } from 'node:fs/promises';
import { networkInterfaces } from 'node:os';
import { InputError } from '@kact/model';
import { isHttpStatus, messageOf, type KubeConnection } from '@kact/kubernetes';
import { ROUTE_MODES, type RouteMode } from './runtime-flags.js';

/** How job pods reach a port of this machine. */
export interface PodRoute {
  /** The base URL pods use. */
  url: URL;
  /** For the run's output: which route, through what. */
  description: string;
  close(): Promise<void>;
}

/** A route chosen before the server listens: where it must listen, and how to open the route then. */
export interface RouteChoice {
  kind: 'node' | 'tunnel';
  /** The address the server listens on. */
  bindHost: string;
  open(port: number): Promise<PodRoute>;
}

export type TunnelOpener = (port: number) => Promise<PodRoute>;

/**
 * Picks the route. `tunnel` (and `auto`): a reverse tunnel through the API server's
 * port-forward, which works on any cluster. `node`, when this machine is a node of the cluster
 * (kube-local, a single-node cluster on this host): pods reach kact directly at its address in
 * their network, and the server listens on that address only.
 */
export async function chooseRoute(mode: RouteMode, connection: KubeConnection, tunnel: TunnelOpener): Promise<RouteChoice> {
  if (!ROUTE_MODES.includes(mode)) throw InputError.at(`--runtime-route must be one of ${ROUTE_MODES.join(', ')}, got '${mode}'`);
  const tunnelChoice: RouteChoice = { kind: 'tunnel', bindHost: '127.0.0.1', open: tunnel };
  // `auto` tunnels: on kube-local, new connections from pods to the host's bridge address stalled
  // for 63 s or 127 s now and then (SYN retransmits; 3 of 6 runs of the cache case, none of 12
  // through the tunnel). The node route stays for who asks, until that is understood.
  if (mode === 'tunnel' || mode === 'auto') return tunnelChoice;
  const found = await localNodeAddress(connection);
  if (typeof found === 'string') {
    const host = found;
    return {
      kind: 'node',
      bindHost: host,
      open: async (port) => ({ url: new URL(`http://${host.includes(':') ? `[${host}]` : host}:${port}/`), description: 'kact listens on the node address of this machine', close: async () => undefined }),
    };
  }
  throw InputError.at(`--runtime-route node: ${found.why}; use --runtime-route tunnel (or auto)`);
}

/**
 * An address of this machine that pods reach: one inside a node's pod CIDR (the bridge a
 * single-node cluster on this host gives its pods, whose only routes may be the pod and Service
 * networks, as on kube-local), else a node's InternalIP that is this machine's; or why there is none.
 */
async function localNodeAddress(connection: KubeConnection): Promise<string | { why: string }> {
  let nodes;
  try {
    nodes = await connection.core.listNode();
  } catch (error) {
    return { why: isHttpStatus(error, 403) ? 'kact may not list the cluster nodes' : `cannot list the cluster nodes: ${messageOf(error)}` };
  }
  const local = await localAddresses();
  const podNetworks = new BlockList();
  for (const node of nodes.items) {
    for (const cidr of node.spec?.podCIDRs ?? (node.spec?.podCIDR ? [node.spec.podCIDR] : [])) {
      const [network, prefix] = cidr.split('/');
      if (network && prefix) podNetworks.addSubnet(network, Number(prefix), isIPv6(network) ? 'ipv6' : 'ipv4');
    }
  }
  const inPodNetwork = [...local].find((address) => podNetworks.check(address, isIPv6(address) ? 'ipv6' : 'ipv4'));
  if (inPodNetwork) return inPodNetwork;
  for (const node of nodes.items) {
    for (const address of node.status?.addresses ?? []) {
      if (address.type === 'InternalIP' && local.has(address.address)) return address.address;
    }
  }
  return { why: 'no node of the cluster has an address of this machine' };
}

/**
 * This machine's addresses, loopback aside. os.networkInterfaces() lists only interfaces that are
 * up and running, and a cluster's bridge with no pod attached yet is not running: Linux's own
 * table of local IPv4 addresses (/proc/net/fib_trie) has it either way.
 */
async function localAddresses(): Promise<Set<string>> {
  const addresses = new Set(
    Object.values(networkInterfaces())
      .flatMap((list) => list ?? [])
      .filter((a) => !a.internal)
      .map((a) => a.address),
  );
  const trie = await readFile('/proc/net/fib_trie', 'utf8').catch(() => '');
  const lines = trie.split('\n');
  lines.forEach((line, i) => {
    const address = /\|-- (\d+\.\d+\.\d+\.\d+)$/.exec(line.trim())?.[1];
    if (address && /\/32 host LOCAL/.test(lines[i + 1] ?? '') && !address.startsWith('127.')) addresses.add(address);
  });
  return addresses;
}
