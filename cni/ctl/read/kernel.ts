/**
 * The node's kernel state twillctl reads, through cni/host's runners only: links with their
 * details and addresses (`ip -j -d addr show`), twill's routes (protocol 116), a device's
 * neighbours and FDB, a pod's view from inside its namespace, and sysctls.
 */
import { fdbShow, type FdbEntry } from '../../host/fdb';
import { readFeatures } from '../../host/ethtool';
import type { IpLink } from '../../host/ip';
import { ipIn } from '../../host/netns';
import type { Ctx } from '../context';
import { ROUTE_PROTO } from '../../../daemonset/overlay/config';


export interface KernelLink extends IpLink {
  link_netnsid?: number;
  linkinfo?: { info_kind?: string; info_data?: Record<string, unknown>; info_slave_kind?: string; info_slave_data?: Record<string, unknown> };
}

export interface KernelRoute {
  dst: string;
  gateway?: string;
  dev?: string;
  protocol?: string;
  flags?: string[];
  table?: string;
}

export interface KernelNeighbour {
  dst: string;
  lladdr?: string;
  state?: string[];
}

async function json<T>(ctx: Ctx, argv: string[]): Promise<T> {
  const out = (await ctx.runAsync(argv)).stdout.trim();
  return (out ? JSON.parse(out) : []) as T;
}

/** Every link of the namespace twillctl runs in, with kind, master and addresses. */
export async function readLinks(ctx: Ctx): Promise<KernelLink[]> {
  return json<KernelLink[]>(ctx, ['ip', '-j', '-d', 'addr', 'show']);
}

export async function readTwillRoutes(ctx: Ctx): Promise<KernelRoute[]> {
  const routes = await json<KernelRoute[]>(ctx, ['ip', '-j', 'route', 'show', 'table', 'all', 'proto', String(ROUTE_PROTO)]);
  return routes.filter((r) => (r.table ?? 'main') === 'main');
}

export async function readNeighbours(ctx: Ctx, dev: string): Promise<KernelNeighbour[]> {
  try {
    return await json<KernelNeighbour[]>(ctx, ['ip', '-j', 'neigh', 'show', 'dev', dev]);
  } catch {
    return [];
  }
}

export function readFdb(ctx: Ctx, dev: string): Promise<FdbEntry[]> {
  return fdbShow(ctx.runAsync, dev);
}

/** `ethtool -k`'s tx-checksum-ip-generic on a device; undefined when ethtool cannot say. */
export async function checksumOffload(ctx: Ctx, dev: string): Promise<boolean | undefined> {
  try {
    return (await readFeatures(ctx.runAsync, dev)).get('tx-checksum-ip-generic')?.on;
  } catch {
    return undefined;
  }
}

export interface PodView {
  links: KernelLink[];
  routes: KernelRoute[];
  error?: string;
}

/** A pod's interfaces, addresses and routes from inside its namespace. */
export async function readPodView(ctx: Ctx, netns: string): Promise<PodView> {
  const ip = ipIn(netns);
  try {
    const links = await json<KernelLink[]>(ctx, [...ip, '-j', 'addr', 'show']);
    const routes = [
      ...(await json<KernelRoute[]>(ctx, [...ip, '-j', '-4', 'route', 'show'])),
      ...(await json<KernelRoute[]>(ctx, [...ip, '-j', '-6', 'route', 'show'])),
    ];
    return { links, routes };
  } catch (err) {
    return { links: [], routes: [], error: (err as Error).message };
  }
}

export function linkKind(l: KernelLink): string | undefined {
  return l.linkinfo?.info_kind;
}

export function addressesOf(l: KernelLink, scope: 'global' | 'any' = 'global'): string[] {
  return (l.addr_info ?? []).filter((a) => scope === 'any' || (a.scope ?? 'global') === 'global').map((a) => `${a.local}/${a.prefixlen}`);
}
