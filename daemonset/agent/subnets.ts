// This node's pod subnets, kept across reconciles: asked of the API (spec.podCIDRs, else a
// claim) once, and again only when the Node is replaced (another uid) or the cluster fills
// spec.podCIDRs later. A claim is a write to the API server: never once per reconcile.
import type { KubeClient } from '../kube/client';
import type { Logger } from '../kube/log';
import { ensureNodeSubnets, type NodeSubnets } from '../kube/node-subnets';
import type { SlimNode } from '../kube/slim-node';
import type { SubnetPool } from '../kube/subnet-pool';

export interface SubnetKeeperOptions {
  client: KubeClient;
  namespace: string;
  pools: readonly SubnetPool[];
  /** False for networks[1+]: they never take spec.podCIDRs (default true). */
  clusterAllocates?: boolean;
  logger: Logger;
}

export class SubnetKeeper {
  private held: { uid: string; clusterCidrs: string; subnets: NodeSubnets } | undefined;

  constructor(private readonly opts: SubnetKeeperOptions) {}

  get current(): NodeSubnets | undefined {
    return this.held?.subnets;
  }

  /** The node's subnets; throws NodeSubnetUnavailableError (nothing to do until the Node changes) or API errors (retry). */
  async ensure(self: SlimNode, liveNodes: ReadonlyMap<string, { uid: string }>): Promise<NodeSubnets> {
    const clusterCidrs = this.opts.clusterAllocates === false ? '' : self.podCIDRs.join(',');
    const held = this.held;
    if (held && held.uid === self.uid && held.clusterCidrs === clusterCidrs) return held.subnets;
    const subnets = await ensureNodeSubnets({ client: this.opts.client, namespace: this.opts.namespace, node: self, pools: this.opts.pools, clusterAllocates: this.opts.clusterAllocates, liveNodes, logger: this.opts.logger });
    if (held && held.subnets.cidrs.join() !== subnets.cidrs.join()) {
      this.opts.logger.warn('node subnets changed', { node: self.name, before: held.subnets.cidrs.join(','), after: subnets.cidrs.join(',') });
    }
    this.held = { uid: self.uid, clusterCidrs, subnets };
    this.opts.logger.info('node subnets', { node: self.name, source: subnets.source, cidrs: subnets.cidrs.join(',') });
    return subnets;
  }
}
