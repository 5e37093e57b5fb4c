import { ipReadBatch, jsonLine } from '../../cni/host/batch-async';
import { fdbShow, type FdbEntry as HostFdbEntry } from '../../cni/host/fdb';
import type { AsyncRunner } from '../../cni/host/run-async';
import { canonicalIp as canonical, subnetOf } from './addr';
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
  return canonical(ip) ?? ip;
}

/** "10.1.2.0/24" as is; a host route's bare address ("10.1.2.3") gets its /32 or /128. */
function canonicalDst(dst: string): string {
  return subnetOf(dst)?.cidr ?? dst;
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

/** `route get fibmatch NET` answers: the routes found that are twill's and exactly one of `cidrs`. */
export function parseFibMatches(answers: Array<unknown[] | undefined>, cidrs: ReadonlySet<string>): RouteEntry[] {
  const found = answers.flatMap((a) => ((a ?? []) as Array<RouteJson & { protocol?: string }>).filter((r) => r.protocol === String(ROUTE_PROTO)));
  return parseRoutes(found).filter((r) => cidrs.has(r.dst));
}

/** `neigh get` ignores -j: "10.2.19.0 dev twill.1 lladdr 0e:… PERMANENT" (no lladdr while unresolved). */
export function parseNeighbourLine(line: string | undefined): ActualNeighbour | undefined {
  if (line?.startsWith('[')) return parseNeighbours(jsonLine(line))[0]; // an iproute2 that honours -j here
  const m = line && /^(\S+) dev \S+(?: lladdr (\S+))?.*?(\S+)\s*$/.exec(line.trim());
  return m ? { ip: canonicalIp(m[1]), mac: (m[2] ?? '').toLowerCase(), permanent: m[3] === 'PERMANENT' } : undefined;
}

/**
 * A scoped read: only the entries of some subnets and MACs (the peers an event named), by
 * kernel lookups (`route get fibmatch`, `neigh get`, `bridge fdb get … self`) instead of
 * whole-table dumps, so an event costs the same at 5,000 peers as at 5. `fdb get` answers a
 * MAC's first remote only: a stale extra remote of a scope's MAC waits for the next full pass.
 */
export interface ReadScope {
  /** Canonical subnets ("10.2.3.0/24") with their network addresses. */
  subnets: Array<{ cidr: string; network: string }>;
  macs: ReadonlySet<string>;
}

export interface ReadOptions {
  device: string;
  /** The configured underlay interface; undefined reads every link to find the underlay address. */
  underlayInterface?: string;
  /** Peer underlay addresses (canonical) to look up for direct routing. */
  routeGets: string[];
  /** Read only these entries; undefined reads every route, neighbour and FDB entry of twill's. */
  scope?: ReadScope;
}

function entryCommands(o: ReadOptions): string[] {
  if (!o.scope) return [`route show table all proto ${ROUTE_PROTO}`, `neigh show dev ${o.device}`];
  return o.scope.subnets.flatMap((s) => [`route get fibmatch ${s.network}`, `neigh get ${s.network} dev ${o.device}`]);
}

function parseEntries(lines: Array<string | undefined>, o: ReadOptions): Pick<ActualOverlay, 'routes' | 'neighbours'> {
  if (!o.scope) return { routes: parseRoutes(jsonLine(lines[0])), neighbours: parseNeighbours(jsonLine(lines[1])) };
  const routes = parseFibMatches(lines.filter((_, i) => i % 2 === 0).map(jsonLine), new Set(o.scope.subnets.map((s) => s.cidr)));
  const neighbours = lines.filter((_, i) => i % 2 === 1).map(parseNeighbourLine).filter((n) => n !== undefined);
  return { routes, neighbours };
}

/** The scope's FDB entries by lookup (a missing MAC is a failed line: no entry), or the device's whole FDB. */
async function readFdb(runner: AsyncRunner, o: ReadOptions): Promise<HostFdbEntry[]> {
  if (!o.scope) return fdbShow(runner, o.device);
  const lines = await ipReadBatch(runner, [...o.scope.macs].map((mac) => `fdb get ${mac} dev ${o.device} self`), ['bridge']);
  const found = lines.flatMap((l) => (jsonLine(l) ?? []) as Array<{ mac: string; dst?: string; state?: string }>);
  return found.map((e) => ({ mac: e.mac.toLowerCase(), dst: e.dst, state: e.state }));
}

export async function readKernelState(runner: AsyncRunner, o: ReadOptions): Promise<KernelState> {
  const entries = entryCommands(o);
  const commands = [`addr show dev ${o.device}`, o.underlayInterface ? `addr show dev ${o.underlayInterface}` : 'addr show', ...entries, ...o.routeGets.map((ip) => `route get ${ip}`)];
  const [lines, fdb] = await Promise.all([ipReadBatch(runner, commands), readFdb(runner, o)]);
  const onLink = new Map<string, string>();
  o.routeGets.forEach((ip, i) => {
    const dev = onLinkDev(jsonLine(lines[2 + entries.length + i]));
    if (dev) onLink.set(ip, dev);
  });
  const actual = { device: parseDevice(jsonLine(lines[0])), ...parseEntries(lines.slice(2, 2 + entries.length), o), fdb: parseFdb(fdb) };
  return { actual, links: (jsonLine(lines[1]) ?? []) as AddrLink[], onLink };
}
