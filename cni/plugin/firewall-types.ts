import type { Cidr } from '../../ipam/net/cidr';

/** What a network needs from the firewall, whichever backend (nftables, iptables) provides it. */
export interface NetworkRules {
  /** The network's name: its state is tagged with it (and the bridge), so pruning finds it. */
  network: string;
  bridge: string;
  subnets: Cidr[];
  ipMasq: boolean;
}

export interface PodAddresses {
  ipv4?: string;
  ipv6?: string;
}

/** A published port that DEL or GC took away (UDP ones get their conntrack entries flushed). */
export interface RemovedMapping {
  protocol: string;
  hostPort: number;
}

/** One published port as found on the node. */
export interface PublishedPort extends RemovedMapping {
  tag: string;
  family: 4 | 6;
  hostIP?: string;
}

/** What CHECK compares against: masqueraded subnets (as "10.22.0.0/24") and published ports. */
export interface FirewallState {
  masqueraded: Set<string>;
  published: PublishedPort[];
}

/**
 * What of the per-network state has outlived its network. Bridges are asked about, not listed:
 * the state names every bridge it holds something for.
 */
export interface PruneScope {
  /** Whether a bridge exists on the node: everything of one that does not is gone. */
  bridgeExists(bridge: string): boolean;
  /** A bridge this ADD created: what the state holds for it is left from an earlier one. */
  recreated?: string;
  /** A network with no attachment left: its own state goes, its bridge's once no other network's remains. */
  network?: { name: string; bridge: string };
}
