// What one network's pass wants, from the settings and the informer's Nodes: the overlay's
// settings (with the route ownership that keeps networks from sweeping each other's routes)
// and the network's cluster destinations (NAT exemption, isolation).
import type { AgentConfig, NetworkSettings } from '../config/types';
import { networkKeys, type NetworkKeys } from '../kube/annotations';
import type { NodeSubnets } from '../kube/node-subnets';
import { nodeSubnetsOf, type SlimNode } from '../kube/slim-node';
import { deviceName, overlayConfig, type OverlayConfig, type RouteOwnership } from '../overlay';

/** The underlay address when none is configured: the node's InternalIP, IPv4 first (as flannel's public IP). */
function defaultUnderlayAddress(self: SlimNode): string | undefined {
  return self.internalIPs.find((ip) => !ip.includes(':')) ?? self.internalIPs[0];
}

/** Which of twill's routes are networks[index]'s (overlay/ownership.ts); absent with one network. */
export function routeOwnership(config: AgentConfig, index: number): RouteOwnership | undefined {
  if (config.networks.length < 2) return undefined;
  return { index, networks: config.networks.map((n) => ({ device: deviceName(n.vni), clusterCIDRs: n.clusterCIDRs })) };
}

export function overlayConfigFor(config: AgentConfig, self: SlimNode, subnets: NodeSubnets, index = 0): OverlayConfig {
  const net = config.networks[index];
  const { interface: iface, address } = config.underlay;
  const ownership = routeOwnership(config, index);
  return overlayConfig({
    nodeName: config.nodeName,
    vni: net.vni,
    port: config.vxlanPort,
    underlay: { interface: iface, address: address ?? (iface ? undefined : defaultUnderlayAddress(self)) },
    mtu: net.mtu,
    directRouting: config.directRouting,
    checksumOffloadWorkaround: config.checksumOffloadWorkaround,
    podCIDRs: subnets.cidrs,
    ...(ownership ? { ownership } : {}),
  });
}

/** A network's destinations (NAT exemption, isolation): its cluster CIDRs, or every node's subnets of it when the cluster allocates them. */
export function clusterDestinations(net: NetworkSettings, nodes: ReadonlyMap<string, SlimNode>, keys: NetworkKeys = networkKeys(net.name, true)): string[] {
  if (net.clusterCIDRs.length) return [...net.clusterCIDRs];
  const all = new Set<string>();
  for (const node of nodes.values()) for (const cidr of nodeSubnetsOf(node, keys)) all.add(cidr);
  return [...all].sort();
}

export const familiesOf = (cidrs: string[]): Array<4 | 6> => [...new Set(cidrs.map((c) => (c.includes(':') ? 6 : 4) as 4 | 6))];
