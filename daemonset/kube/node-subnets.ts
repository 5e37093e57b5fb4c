// This node's pod subnets: spec.podCIDRs when the cluster allocates them (kube-controller-
// manager --allocate-node-cidrs; they win whenever present), otherwise one claim per
// configured pool (dual-stack: one IPv4 and one IPv6). Self-allocated subnets are published
// on the Node as the twill.dev/pod-cidrs annotation (publish.ts), which is how peers learn
// them; spec.podCIDRs is left alone (it "may only change from empty", and belongs to the
// controller-manager when it runs). Further networks (networks[1+]) always claim from their
// own pools: spec.podCIDRs are the pod network's.
import type { KubeClient } from './client';
import { NodeSubnetUnavailableError } from './errors';
import type { Logger } from './log';
import type { SlimNode } from './slim-node';
import { claimNodeSubnet, type SubnetClaim } from './subnet-claim';
import type { SubnetPool } from './subnet-pool';

export interface NodeSubnets {
  source: 'cluster' | 'claimed';
  /** CIDRs, IPv4 first when both. */
  cidrs: string[];
  claims: SubnetClaim[];
}

export interface EnsureNodeSubnetsOptions {
  client: KubeClient;
  namespace: string;
  /** This node as the informer (or a GET) sees it. */
  node: SlimNode;
  /** Empty when the agent must not allocate (the cluster does). */
  pools: readonly SubnetPool[];
  /** False for networks[1+]: spec.podCIDRs are the pod network's, never theirs (default true). */
  clusterAllocates?: boolean;
  liveNodes?: ReadonlyMap<string, { uid: string }>;
  logger?: Logger;
}

export async function ensureNodeSubnets(opts: EnsureNodeSubnetsOptions): Promise<NodeSubnets> {
  const { node } = opts;
  if ((opts.clusterAllocates ?? true) && node.podCIDRs.length) return { source: 'cluster', cidrs: [...node.podCIDRs], claims: [] };
  if (!opts.pools.length) {
    throw new NodeSubnetUnavailableError({ node: node.name, detail: 'spec.podCIDRs is empty (the cluster does not allocate node CIDRs?) and no cluster CIDR is configured to allocate from' });
  }
  const claims: SubnetClaim[] = [];
  const ordered = [...opts.pools].sort((a, b) => a.family - b.family);
  for (const pool of ordered) {
    claims.push(await claimNodeSubnet({ client: opts.client, namespace: opts.namespace, node: { name: node.name, uid: node.uid }, pool, liveNodes: opts.liveNodes, logger: opts.logger }));
  }
  return { source: 'claimed', cidrs: claims.map((c) => c.subnet), claims };
}
