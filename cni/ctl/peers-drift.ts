/**
 * What the agent wants for each peer (its peers file) against what the kernel holds (pure).
 * Per flannel's model a VXLAN peer has one route per subnet (via the subnet's network address,
 * onlink, on the device), one permanent neighbour (that address → the VTEP MAC) and one FDB
 * entry (the VTEP MAC → the underlay address); a directly routed peer has a route via its
 * underlay address and nothing on the device. Kernel entries no peer accounts for are stale.
 */
import type { FdbEntry } from '../host/fdb';
import { formatIp } from '../../ipam/net/ip';
import { networkAddress, parseCidr, canonicalNetwork, formatCidr } from '../../ipam/net/cidr';
import type { PeersFile, PeerRecord } from './read/files';
import type { KernelNeighbour, KernelRoute } from './read/kernel';

export type EntryState = 'ok' | 'missing' | 'wrong' | 'n/a';

export interface PeerDrift {
  name: string;
  subnets: readonly string[];
  vtepMac: string;
  underlayIp: string;
  route: EntryState;
  neighbour: EntryState;
  fdb: EntryState;
  drift: boolean;
  skipped: string;
}

export interface KernelEntries {
  routes: KernelRoute[];
  neighbours: KernelNeighbour[];
  fdb: FdbEntry[];
}

function canonicalCidr(c: string): string {
  const p = parseCidr(c.includes('/') ? c : `${c}/${c.includes(':') ? 128 : 32}`);
  return p ? formatCidr(canonicalNetwork(p)) : c;
}

function gatewayOf(subnet: string): string {
  const p = parseCidr(subnet);
  return p ? formatIp(networkAddress(p)) : subnet;
}

function routeState(peer: PeerRecord, device: string, routes: KernelRoute[]): EntryState {
  const states = peer.podCIDRs.map((s): EntryState => {
    const r = routes.find((x) => canonicalCidr(x.dst) === canonicalCidr(s));
    if (!r) return 'missing';
    const overlay = r.dev === device && r.gateway === gatewayOf(s);
    const direct = r.dev !== device && r.gateway === peer.underlayIp;
    return overlay || direct ? 'ok' : 'wrong';
  });
  return states.find((s) => s !== 'ok') ?? 'ok';
}

function viaDevice(peer: PeerRecord, device: string, routes: KernelRoute[]): boolean {
  return !routes.some((r) => r.dev !== device && r.gateway === peer.underlayIp && peer.podCIDRs.some((s) => canonicalCidr(r.dst) === canonicalCidr(s)));
}

function neighbourState(peer: PeerRecord, neighbours: KernelNeighbour[]): EntryState {
  const states = peer.podCIDRs.map((s): EntryState => {
    const n = neighbours.find((x) => x.dst === gatewayOf(s));
    if (!n) return 'missing';
    return (n.lladdr ?? '').toLowerCase() === peer.vtepMac.toLowerCase() ? 'ok' : 'wrong';
  });
  return states.find((s) => s !== 'ok') ?? 'ok';
}

function fdbState(peer: PeerRecord, fdb: FdbEntry[]): EntryState {
  const mine = fdb.filter((e) => e.mac === peer.vtepMac.toLowerCase() && e.dst);
  if (!mine.length) return 'missing';
  return mine.length === 1 && mine[0].dst === peer.underlayIp ? 'ok' : 'wrong';
}

/** One row per peer the agent programs (a skipped peer is shown, never counted as drift). */
export function peerDrift(file: PeersFile, k: KernelEntries): PeerDrift[] {
  return file.peers.map((peer) => {
    const base = { name: peer.name, subnets: peer.podCIDRs, vtepMac: peer.vtepMac, underlayIp: peer.underlayIp, skipped: peer.skipped };
    if (peer.skipped) return { ...base, route: 'n/a', neighbour: 'n/a', fdb: 'n/a', drift: false };
    const route = routeState(peer, file.device, k.routes);
    const onDevice = route === 'missing' || viaDevice(peer, file.device, k.routes);
    const neighbour = onDevice ? neighbourState(peer, k.neighbours) : 'n/a';
    const fdb = onDevice ? fdbState(peer, k.fdb) : 'n/a';
    const drift = [route, neighbour, fdb].some((s) => s === 'missing' || s === 'wrong');
    return { ...base, route, neighbour, fdb, drift };
  });
}

/** twill routes on this network's device that no peer's subnet explains. */
export function staleRoutes(file: PeersFile, routes: KernelRoute[]): string[] {
  const wanted = new Set(file.peers.flatMap((p) => p.podCIDRs.map(canonicalCidr)));
  return routes.filter((r) => r.dev === file.device && !wanted.has(canonicalCidr(r.dst))).map((r) => r.dst);
}
