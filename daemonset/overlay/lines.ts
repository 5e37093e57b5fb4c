import { ROUTE_PROTO } from './config';
import type { FdbEntry, NeighbourEntry, OverlayChanges, RouteEntry } from './types';

/**
 * The changes as batch lines, in three execs whose order keeps every route pointing at
 * something complete: (1) `bridge -batch` sets FDB entries (inert until a neighbour names their
 * MAC); (2) `ip -batch` deletes stale routes, sets neighbours, adds and replaces routes, deletes
 * stale neighbours; (3) `bridge -batch` deletes stale FDB entries. For a new peer that is
 * FDB → neighbour → route, for a gone one route → neighbour → FDB: a route is only ever
 * installed over a complete path and removed before its path is taken apart. (`ip` cannot set
 * an FDB entry's remote, hence `bridge`.) Empty batches are not run at all.
 *
 * New routes use `add`, not `replace`: a destination held by someone else's route (not tagged
 * with twill's protocol) then fails that line instead of being overwritten. Only routes twill
 * already owns are replaced.
 */
export interface ChangeBatches {
  fdbSet: string[];
  ip: string[];
  fdbDelete: string[];
}

function routeLine(verb: 'add' | 'replace', r: RouteEntry): string {
  return `route ${verb} ${r.dst} via ${r.via} dev ${r.dev}${r.onlink ? ' onlink' : ''} proto ${ROUTE_PROTO}`;
}

function neighbourLine(n: NeighbourEntry, dev: string): string {
  return `neigh replace ${n.ip} lladdr ${n.mac} dev ${dev} nud permanent`;
}

function fdbLine(verb: 'replace' | 'del', e: FdbEntry, dev: string): string {
  return `fdb ${verb} ${e.mac} dev ${dev} dst ${e.dst} self${verb === 'replace' ? ' permanent' : ''}`;
}

export function changeBatches(c: OverlayChanges, dev: string): ChangeBatches {
  return {
    fdbSet: c.fdbSet.map((e) => fdbLine('replace', e, dev)),
    ip: [
      ...c.routesDeleted.map((r) => `route del ${r.dst} proto ${ROUTE_PROTO}`),
      ...c.neighboursSet.map((n) => neighbourLine(n, dev)),
      ...c.routesAdded.map((r) => routeLine('add', r)),
      ...c.routesReplaced.map((r) => routeLine('replace', r)),
      ...c.neighboursDeleted.map((n) => `neigh del ${n.ip} dev ${dev}`),
    ],
    fdbDelete: c.fdbDeleted.map((e) => fdbLine('del', e, dev)),
  };
}
