// What a node's kernel holds, read with `ip -j` / `bridge -j` inside its namespace: the state
// the end-to-end tests assert on (the agent's routes are proto 116 on twill.<vni>, one neighbour
// and one FDB entry per peer VTEP).
import { inNs, ipJson, run } from './exec';
import type { ClusterNode } from './node';

export const AGENT_ROUTE_PROTO = 116;

export interface RouteEntry {
  dst: string;
  gateway?: string;
  dev: string;
  protocol?: string | number;
  flags?: string[];
  src?: string;
}

export interface NeighEntry {
  dst: string;
  dev: string;
  lladdr?: string;
  state?: string[];
}

export interface FdbEntry {
  mac: string;
  dst?: string;
  dev?: string;
  flags?: string[];
}

/** Routes of one family, optionally only those on `dev` and/or with `proto`. */
export function routes(node: ClusterNode, o: { family: 4 | 6; dev?: string; proto?: number }): Promise<RouteEntry[]> {
  const args = [`-${o.family}`, 'route', 'show', ...(o.dev ? ['dev', o.dev] : []), ...(o.proto !== undefined ? ['proto', String(o.proto)] : [])];
  return ipJson<RouteEntry>(node.ns, args);
}

export function neighbours(node: ClusterNode, o: { family: 4 | 6; dev: string }): Promise<NeighEntry[]> {
  return ipJson<NeighEntry>(node.ns, [`-${o.family}`, 'neigh', 'show', 'dev', o.dev]);
}

export async function fdb(node: ClusterNode, dev: string): Promise<FdbEntry[]> {
  const { stdout } = await run(inNs(node.ns, ['bridge', '-j', 'fdb', 'show', 'dev', dev]));
  return stdout.trim() ? (JSON.parse(stdout) as FdbEntry[]) : [];
}

/** The VXLAN device of a VNI, as the agent names it. */
export const vxlanDevice = (vni = 1) => `twill.${vni}`;

/** `ip -d -j link show dev` of one device; undefined when it does not exist. */
export async function link(node: ClusterNode, dev: string): Promise<Record<string, any> | undefined> {
  const links = await ipJson<Record<string, any>>(node.ns, ['-d', 'link', 'show']);
  return links.find((l) => l.ifname === dev);
}

/** Runs a command in the node's namespace (ip, bridge, ss …), returning stdout. */
export async function execIn(node: ClusterNode, argv: string[]): Promise<string> {
  return (await run(inNs(node.ns, argv))).stdout;
}
