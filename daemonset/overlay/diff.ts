import type { ActualOverlay, FdbEntry, NeighbourEntry, OverlayChanges, PeerPlan, RouteEntry } from './types';

/**
 * Desired against actual, entry by entry: what is already right is left alone (an agent
 * restart or a periodic sync rewrites nothing, so traffic never blinks), what is missing or
 * different is set, and what twill holds beyond the plan (peers deleted, also while the agent
 * was down) is swept. Only twill's own entries are read: routes tagged with its protocol,
 * neighbours and FDB entries of its own device.
 */

function sameRoute(a: RouteEntry, b: RouteEntry): boolean {
  return a.via === b.via && a.dev === b.dev && a.onlink === b.onlink;
}

export function diffRoutes(want: RouteEntry[], have: RouteEntry[], changes: OverlayChanges): void {
  const actual = new Map(have.map((r) => [r.dst, r]));
  for (const r of want) {
    const a = actual.get(r.dst);
    if (!a) changes.routesAdded.push(r);
    else if (!sameRoute(a, r)) changes.routesReplaced.push(r);
  }
  const wanted = new Set(want.map((r) => r.dst));
  changes.routesDeleted.push(...have.filter((r) => !wanted.has(r.dst)));
}

export function diffNeighbours(want: NeighbourEntry[], have: ActualOverlay['neighbours'], changes: OverlayChanges): void {
  const actual = new Map(have.map((n) => [n.ip, n]));
  changes.neighboursSet.push(...want.filter((n) => {
    const a = actual.get(n.ip);
    return !a || !a.permanent || a.mac !== n.mac;
  }));
  // Only permanent entries are twill's: others are the kernel's own resolution attempts.
  const wanted = new Set(want.map((n) => n.ip));
  changes.neighboursDeleted.push(...have.filter((n) => n.permanent && !wanted.has(n.ip)).map(({ ip, mac }) => ({ ip, mac })));
}

/**
 * A VXLAN FDB entry is a MAC with a list of remotes. `fdb replace` rewrites the first remote
 * (or only the state, when the wanted remote is already listed), so after it the MAC's other
 * remotes are the stale ones.
 */
export function diffFdb(want: FdbEntry[], have: ActualOverlay['fdb'], changes: OverlayChanges): void {
  const remotes = new Map<string, ActualOverlay['fdb']>();
  for (const e of have) remotes.set(e.mac, [...(remotes.get(e.mac) ?? []), e]);
  for (const e of want) {
    const list = remotes.get(e.mac) ?? [];
    remotes.delete(e.mac);
    const listed = list.some((r) => r.dst === e.dst);
    if (!list.some((r) => r.dst === e.dst && r.permanent)) changes.fdbSet.push(e);
    const replaced = listed || !list.length ? undefined : list[0];
    changes.fdbDeleted.push(...list.filter((r) => r.dst !== e.dst && r !== replaced).map(({ mac, dst }) => ({ mac, dst })));
  }
  for (const list of remotes.values()) changes.fdbDeleted.push(...list.map(({ mac, dst }) => ({ mac, dst })));
}

export const noChanges = (): OverlayChanges => ({ fdbSet: [], routesDeleted: [], neighboursSet: [], routesAdded: [], routesReplaced: [], neighboursDeleted: [], fdbDeleted: [] });

export function diffOverlay(plan: Pick<PeerPlan, 'routes' | 'neighbours' | 'fdb'>, actual: ActualOverlay): OverlayChanges {
  const changes = noChanges();
  diffRoutes(plan.routes, actual.routes, changes);
  diffNeighbours(plan.neighbours, actual.neighbours, changes);
  diffFdb(plan.fdb, actual.fdb, changes);
  return changes;
}

export function changeCount(c: OverlayChanges): number {
  return Object.values(c).reduce((n, list: unknown[]) => n + list.length, 0);
}
