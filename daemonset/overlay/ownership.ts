import { cidrContains, parseCidr, type Cidr } from '../../ipam/net/cidr';
import type { RouteEntry } from './types';

/**
 * Which network a twill route belongs to. Every network's routes carry the same protocol (116),
 * so a full pass of one network would sweep the others' without this. The rule, the same on
 * every node: a route on a network's VXLAN device is that network's; otherwise (a direct route
 * via the underlay) the network whose cluster CIDRs hold its destination; a route neither
 * claims is networks[0]'s (whose cluster CIDRs may be empty when the cluster allocates
 * spec.podCIDRs). Neighbours and FDB entries are per device, never in question.
 */
export interface NetworkClaim {
  device: string;
  clusterCIDRs: readonly string[];
}

export interface RouteOwnership {
  /** The network asking (its index in `networks`). */
  index: number;
  /** Every configured network, in config order. */
  networks: readonly NetworkClaim[];
}

type Parsed = Array<{ device: string; cidrs: Cidr[] }>;

function parseClaims(networks: readonly NetworkClaim[]): Parsed {
  return networks.map((n) => ({ device: n.device, cidrs: n.clusterCIDRs.map(parseCidr).filter((c) => c !== undefined) }));
}

function ownerIn(parsed: Parsed, route: RouteEntry): number {
  const byDevice = parsed.findIndex((n) => n.device === route.dev);
  if (byDevice >= 0) return byDevice;
  const dst = parseCidr(route.dst);
  const byCidr = dst ? parsed.findIndex((n) => n.cidrs.some((c) => c.ip.family === dst.ip.family && c.prefix <= dst.prefix && cidrContains(c, dst.ip))) : -1;
  return byCidr >= 0 ? byCidr : 0;
}

/** The index of the network `route` belongs to. */
export function routeOwner(networks: readonly NetworkClaim[], route: RouteEntry): number {
  return ownerIn(parseClaims(networks), route);
}

/** The routes that are `ownership.index`'s; all of them when there is no other network. */
export function ownedRoutes(ownership: RouteOwnership | undefined, routes: RouteEntry[]): RouteEntry[] {
  if (!ownership || ownership.networks.length < 2) return routes;
  const parsed = parseClaims(ownership.networks);
  return routes.filter((r) => ownerIn(parsed, r) === ownership.index);
}
