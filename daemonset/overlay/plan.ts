import { isUnicastMac } from '../../cni/plugin/names';
import { canonicalIp, subnetOf, type Subnet } from './addr';
import type { OverlayConfig, Peer, PeerPlan, SkippedPeer, Underlay } from './types';

/**
 * Desired per-peer state, flannel's shape: for every pod subnet of every other node exactly one
 * route; through the VXLAN device (onlink, via the subnet's network address) a permanent
 * neighbour (that address → the peer's VTEP MAC) and one FDB entry per peer (MAC → underlay
 * address). With direct routing, a subnet of the underlay's family whose node is on-link gets a
 * plain route via the node instead, and needs neither neighbour nor FDB entry.
 *
 * One device carries both families: its inner frames are Ethernet, so IPv4 and IPv6 pod
 * traffic share the VTEP MAC and the FDB entry whatever the underlay's family (flannel keeps
 * a second device, flannel-v6.1, only because it tunnels IPv6 over a separate IPv6 underlay).
 * A peer whose underlay address is of the other family cannot be reached from this device.
 */
export interface PeerPlanInput {
  config: Pick<OverlayConfig, 'nodeName' | 'device' | 'directRouting' | 'podCIDRs'>;
  underlay: Underlay;
  peers: Peer[];
  /** Peer underlay addresses (canonical) the kernel reaches without a gateway, with the link it uses. */
  onLink: ReadonlyMap<string, string>;
}

/** Pod subnets in their canonical network form, each once; undefined when one does not parse (a bare address is not a subnet). */
export function subnetsOf(cidrs: readonly string[]): Subnet[] | undefined {
  const parsed = cidrs.map((c) => (c.includes('/') ? subnetOf(c) : undefined));
  if (!parsed.every((c): c is Subnet => c !== undefined)) return undefined;
  return [...new Map(parsed.map((c) => [c.cidr, c])).values()];
}

/** A set of claimed keys (a Set, or a view over a kept plan's owners). */
export interface ClaimSet {
  has(key: string): boolean;
  add(key: string): void;
}

export interface Claims {
  /** Destinations ("10.1.2.0/24") and neighbour addresses ("10.1.2.0") already in the plan or this node's own. */
  dsts: ClaimSet;
  macs: ClaimSet;
}

/** What a subnet occupies: its route's destination and its network address (the neighbour's, or the device's own). */
export function claimsOf(s: Subnet): string[] {
  return [s.cidr, s.network];
}

/** Why a peer cannot be programmed, or its parsed parts. */
function vet(peer: Peer, input: PeerPlanInput, claims: Claims): SkippedPeer | { subnets: Subnet[]; ip: string; mac?: string } {
  const skip = (reason: SkippedPeer['reason'], detail?: string): SkippedPeer => ({ name: peer.name, reason, ...(detail ? { detail } : {}) });
  if (!peer.podCIDRs.length) return skip('no-subnet');
  const subnets = subnetsOf(peer.podCIDRs);
  if (!subnets) return skip('bad-address', `podCIDRs ${peer.podCIDRs.join(',')}`);
  if (!peer.underlayIp) return skip('no-underlay-ip');
  const ip = canonicalIp(peer.underlayIp);
  if (!ip) return skip('bad-address', `underlay ${peer.underlayIp}`);
  if (ip.includes(':') !== (input.underlay.family === 6)) return skip('family-mismatch', `underlay ${peer.underlayIp} vs ours ${input.underlay.address}`);
  if (ip === input.underlay.address) return skip('bad-address', `underlay ${peer.underlayIp} is this node's`);
  const taken = subnets.flatMap(claimsOf).find((d) => claims.dsts.has(d));
  if (taken) return skip('duplicate-subnet', taken);
  const mac = peer.vtepMac?.toLowerCase();
  if (mac !== undefined && !isUnicastMac(mac)) return skip('bad-address', `VTEP MAC ${peer.vtepMac}`);
  if (mac !== undefined && claims.macs.has(mac)) return skip('duplicate-mac', mac);
  return { subnets, ip, mac };
}

/** A peer that passed: what its entries are made of (plan-keep.ts keeps these per peer). */
export interface PeerParts {
  subnets: readonly Subnet[];
  /** Its underlay address, canonical. */
  ip: string;
  /** Its VTEP MAC (lower case), when some subnet goes through the VXLAN device. */
  mac?: string;
  /** The link its direct routes leave by (direct routing, peer on-link). */
  directDev?: string;
}

/** Vets the peer against the claims so far and extends them with its own; its parts, or why it is skipped. */
export function claimPeer(input: PeerPlanInput, claims: Claims, peer: Peer): PeerParts | SkippedPeer {
  const v = vet(peer, input, claims);
  if ('reason' in v) return v;
  const directDev = input.config.directRouting ? input.onLink.get(v.ip) : undefined;
  const encapsulated = v.subnets.some((s) => !(directDev !== undefined && s.family === input.underlay.family));
  if (encapsulated && !v.mac) return { name: peer.name, reason: 'no-vtep-mac' };
  if (encapsulated) claims.macs.add(v.mac!);
  for (const c of v.subnets.flatMap(claimsOf)) claims.dsts.add(c);
  const parts: PeerParts = { subnets: v.subnets, ip: v.ip };
  if (encapsulated) parts.mac = v.mac;
  if (directDev !== undefined) parts.directDev = directDev;
  return parts;
}

/** A peer's entries into `plan`: a route per subnet; for the encapsulated ones a neighbour each, and one FDB entry. */
export function addEntries(plan: Pick<PeerPlan, 'routes' | 'neighbours' | 'fdb'>, input: Pick<PeerPlanInput, 'config' | 'underlay'>, parts: PeerParts): void {
  const direct = (s: Subnet) => parts.directDev !== undefined && s.family === input.underlay.family;
  for (const s of parts.subnets) {
    plan.routes.push(direct(s) ? { dst: s.cidr, via: parts.ip, dev: parts.directDev!, onlink: false } : { dst: s.cidr, via: s.network, dev: input.config.device, onlink: true });
  }
  if (parts.mac === undefined) return;
  plan.fdb.push({ mac: parts.mac, dst: parts.ip });
  for (const s of parts.subnets) if (!direct(s)) plan.neighbours.push({ ip: s.network, mac: parts.mac });
}

/** Plans one peer into `plan` against the claims so far (which it extends); false when it is skipped. */
export function addPeer(plan: PeerPlan, input: PeerPlanInput, claims: Claims, peer: Peer): boolean {
  const parts = claimPeer(input, claims, peer);
  if ('reason' in parts) {
    plan.skipped.push(parts);
    return false;
  }
  addEntries(plan, input, parts);
  plan.programmed += 1;
  return true;
}

/** This node's own subnets, parsed (what no peer may claim). */
export function ownSubnets(podCIDRs: string[]): Subnet[] {
  return subnetsOf(podCIDRs) ?? [];
}

export const byName = (a: Peer, b: Peer): number => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0);

/** Routes, neighbours and FDB entries for the peers (this node itself excluded), in name order. */
export function planPeers(input: PeerPlanInput): PeerPlan {
  const claims: Claims = { dsts: new Set(ownSubnets(input.config.podCIDRs).flatMap(claimsOf)), macs: new Set() };
  const plan: PeerPlan = { routes: [], neighbours: [], fdb: [], programmed: 0, skipped: [] };
  const peers = input.peers.filter((p) => p.name !== input.config.nodeName).sort(byName);
  for (const peer of peers) addPeer(plan, input, claims, peer);
  return plan;
}
