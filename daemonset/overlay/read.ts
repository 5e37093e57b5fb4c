import { ipReadBatch } from '../../cni/host/batch-async';
import { fdbShow, type FdbEntry as HostFdbEntry } from '../../cni/host/fdb';
import type { AsyncRunner } from '../../cni/host/run-async';
import { parseCidr, formatCidr } from '../../ipam/net/cidr';
import { formatIp, parseIp } from '../../ipam/net/ip';
import { ROUTE_PROTO } from './config';
import { hostAddress } from './device';
import type { AddrLink } from './underlay';
import type { ActualDevice, ActualFdb, ActualNeighbour, ActualOverlay, RouteEntry } from './types';

/**
 * What the kernel holds, in two concurrent execs: one `ip -d -j -force -batch` (the device with
 * its addresses, twill's routes by protocol, the device's neighbours, the underlay link, and a
 * `route get` per peer for direct routing) and one `bridge -j fdb show`. The parsers are pure.
 */
export interface KernelState {
  actual: ActualOverlay;
  /** The underlay link(s): the configured interface, or every link when only an address is configured. */
  links: AddrLink[];
  /** Peer underlay addresses reached without a gateway, with the link they are reached on. */
  onLink: Map<string, string>;
}

interface LinkJson extends AddrLink {
  address?: string;
  flags?: string[];
  linkinfo?: { info_kind?: string; info_data?: Record<string, unknown> };
}

export function parseDevice(links: unknown[] | undefined): ActualDevice | undefined {
  const l = links?.[0] as LinkJson | undefined;
  if (!l) return undefined;
  const d = l.linkinfo?.info_data ?? {};
  const local = (d.local ?? d.local6) as string | undefined;
  return {
    kind: l.linkinfo?.info_kind,
    vni: d.id as number | undefined,
    port: d.port as number | undefined,
    local: local && canonicalIp(local),
    link: d.link as string | undefined,
    learning: d.learning as boolean | undefined,
    mac: (l.address ?? '').toLowerCase(),
    mtu: l.mtu,
    up: (l.flags ?? []).includes('UP'),
    addresses: (l.addr_info ?? []).filter((a) => (a.scope ?? 'global') === 'global').map((a) => hostAddress(a.local, a.prefixlen)),
  };
}

function canonicalIp(ip: string): string {
  const p = parseIp(ip);
  return p ? formatIp(p) : ip;
}

/** "10.1.2.0/24" as is; a host route's bare address ("10.1.2.3") gets its /32 or /128. */
function canonicalDst(dst: string): string {
  const c = parseCidr(dst.includes('/') ? dst : `${dst}/${dst.includes(':') ? 128 : 32}`);
  return c ? formatCidr(c) : dst;
}

interface RouteJson {
  dst: string;
  gateway?: string;
  dev?: string;
  table?: string;
  type?: string;
  flags?: string[];
}

/** twill's routes in the main table (`route show table all proto N` lists both families at once). */
export function parseRoutes(routes: unknown[] | undefined): RouteEntry[] {
  return ((routes ?? []) as RouteJson[])
    .filter((r) => (r.table ?? 'main') === 'main')
    .map((r) => ({ dst: canonicalDst(r.dst), via: r.gateway ? canonicalIp(r.gateway) : '', dev: r.dev ?? '', onlink: (r.flags ?? []).includes('onlink') }));
}

export function parseNeighbours(neigh: unknown[] | undefined): ActualNeighbour[] {
  return ((neigh ?? []) as Array<{ dst: string; lladdr?: string; state?: string[] }>).map((n) => ({
    ip: canonicalIp(n.dst),
    mac: (n.lladdr ?? '').toLowerCase(),
    permanent: (n.state ?? []).includes('PERMANENT'),
  }));
}

export function parseFdb(entries: HostFdbEntry[]): ActualFdb[] {
  return entries.filter((e) => e.dst).map((e) => ({ mac: e.mac, dst: canonicalIp(e.dst!), permanent: e.state === 'permanent' }));
}

/** A `route get` answer without a gateway (and not a local address): the peer is on-link. */
export function onLinkDev(answer: unknown[] | undefined): string | undefined {
  const r = answer?.[0] as RouteJson | undefined;
  if (!r || r.gateway || !r.dev || r.dev === 'lo' || (r.type ?? 'unicast') !== 'unicast') return undefined;
  return r.dev;
}

export interface ReadOptions {
  device: string;
  /** The configured underlay interface; undefined reads every link to find the underlay address. */
  underlayInterface?: string;
  /** Peer underlay addresses (canonical) to look up for direct routing. */
  routeGets: string[];
}

export async function readKernelState(runner: AsyncRunner, o: ReadOptions): Promise<KernelState> {
  const commands = [
    `addr show dev ${o.device}`,
    `route show table all proto ${ROUTE_PROTO}`,
    `neigh show dev ${o.device}`,
    o.underlayInterface ? `addr show dev ${o.underlayInterface}` : 'addr show',
    ...o.routeGets.map((ip) => `route get ${ip}`),
  ];
  const [results, fdb] = await Promise.all([ipReadBatch(runner, commands), fdbShow(runner, o.device)]);
  const onLink = new Map<string, string>();
  o.routeGets.forEach((ip, i) => {
    const dev = onLinkDev(results[4 + i]);
    if (dev) onLink.set(ip, dev);
  });
  const actual = { device: parseDevice(results[0]), routes: parseRoutes(results[1]), neighbours: parseNeighbours(results[2]), fdb: parseFdb(fdb) };
  return { actual, links: (results[3] ?? []) as AddrLink[], onLink };
}
