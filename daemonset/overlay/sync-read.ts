import type { AsyncRunner } from '../../cni/host/run-async';
import { canonicalIp, subnetOf } from './addr';
import { readOffload } from './offload';
import { ownedRoutes } from './ownership';
import { readKernelState, type KernelState, type ReadOptions, type ReadScope } from './read';
import type { OverlayConfig, Peer, PeerPlan } from './types';

/** What an overlay pass wants: this node's settings and its peers. */
export interface DesiredOverlay {
  config: OverlayConfig;
  peers: Peer[];
}

/**
 * An event's worth of peers: only their entries are read (kernel lookups, not table dumps) and
 * fixed, so programming one node added to 5,000 costs what it costs at 5. Sweeping everything
 * else is the periodic full sync's job.
 */
export interface SyncScope {
  /** Peers added or changed, by name: their state is the one in `desired.peers`. */
  names: string[];
  /** What the agent last knew of peers that changed or were deleted: their old subnets and MAC are swept. */
  previous?: Peer[];
}

/** The peers a scope touches: its named peers' current state and what they (and the removed) had before. */
export function scopePeers(d: DesiredOverlay, scope: SyncScope): Peer[] {
  const names = new Set(scope.names);
  return [...d.peers.filter((p) => names.has(p.name)), ...(scope.previous ?? [])].filter((p) => p.name !== d.config.nodeName);
}

/** The subnets and MACs a scope touches. */
function readScope(d: DesiredOverlay, scope: SyncScope): ReadScope {
  const peers = scopePeers(d, scope);
  const subnets = new Map(peers.flatMap((p) => p.podCIDRs.map(subnetOf)).filter((s) => s !== undefined).map((s) => [s.cidr, s]));
  const macs = new Set(peers.map((p) => p.vtepMac?.toLowerCase()).filter((m) => m !== undefined));
  return { subnets: [...subnets.values()], macs };
}

/** Everything, or a scope's entries; `route get` for the named peers' (or all) underlay addresses under direct routing. */
export function readOptions(d: DesiredOverlay, scope?: SyncScope): ReadOptions {
  const names = scope && new Set(scope.names);
  const peers = d.peers.filter((p) => p.name !== d.config.nodeName && (!names || names.has(p.name)));
  const ips = d.config.directRouting ? peers.map((p) => canonicalIp(p.underlayIp ?? '')) : [];
  const routeGets = [...new Set(ips.filter((ip) => ip !== undefined))];
  return { device: d.config.device, underlayInterface: d.config.underlay.interface, routeGets, scope: scope && readScope(d, scope) };
}

export type State = KernelState & { features: Awaited<ReturnType<typeof readOffload>> };

/**
 * Kernel state and (full passes only: an event never changes it) the device's offload features,
 * read concurrently; of twill's routes only this network's (another's are never swept here).
 */
export async function readAll(runner: AsyncRunner, o: ReadOptions, config: OverlayConfig): Promise<State> {
  const [state, features] = await Promise.all([readKernelState(runner, o), o.scope ? undefined : readOffload(runner, o.device)]);
  const actual = { ...state.actual, routes: ownedRoutes(config.ownership, state.actual.routes) };
  return { ...state, actual, features };
}

/** The plan cut down to a scope's keys (the scope's kernel entries are all that was read). */
export function restrictPlan(plan: PeerPlan, scope: ReadScope | undefined): PeerPlan {
  if (!scope) return plan;
  const cidrs = new Set(scope.subnets.map((s) => s.cidr));
  const networks = new Set(scope.subnets.map((s) => s.network));
  return { ...plan, routes: plan.routes.filter((r) => cidrs.has(r.dst)), neighbours: plan.neighbours.filter((n) => networks.has(n.ip)), fdb: plan.fdb.filter((e) => scope.macs.has(e.mac)) };
}
