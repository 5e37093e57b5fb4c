import type { Cidr } from '../../ipam/net/cidr';

/** What a network needs from the firewall, whichever backend (nftables, iptables) provides it. */
export interface NetworkRules {
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
