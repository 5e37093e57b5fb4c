// What one node holds for one peer in the overlay, flannel's shape: a route per peer subnet
// (proto 116, on twill.<vni>) via a gateway, that gateway's neighbour entry (the peer's VTEP
// MAC), and the FDB entry sending that MAC to the peer's underlay address.
import { fdb, neighbours, routes, vxlanDevice, AGENT_ROUTE_PROTO, type FdbEntry, type NeighEntry, type RouteEntry } from './kernel';
import type { ClusterNode } from './node';

export interface PeerEntries {
  routes: RouteEntry[];
  neighs: NeighEntry[];
  fdb: FdbEntry[];
}

/** The entries on `node` that lead to `peerSubnets` over the VXLAN device of `vni`. */
export async function peerEntries(node: ClusterNode, peerSubnets: string[], vni = 1): Promise<PeerEntries> {
  const dev = vxlanDevice(vni);
  const ours = [...(await routes(node, { family: 4, dev, proto: AGENT_ROUTE_PROTO })), ...(await routes(node, { family: 6, dev, proto: AGENT_ROUTE_PROTO }))];
  const peerRoutes = ours.filter((r) => peerSubnets.includes(r.dst));
  const neighs = [...(await neighbours(node, { family: 4, dev })), ...(await neighbours(node, { family: 6, dev }))];
  const peerNeighs = neighs.filter((n) => peerRoutes.some((r) => r.gateway === n.dst));
  const peerFdb = (await fdb(node, dev)).filter((e) => peerNeighs.some((n) => n.lladdr === e.mac));
  return { routes: peerRoutes, neighs: peerNeighs, fdb: peerFdb };
}

/** The same, reduced to what a test compares: "dst via gw", "ip lladdr", "mac dst". */
export function describeEntries(e: PeerEntries): { routes: string[]; neighs: string[]; fdb: string[] } {
  return {
    routes: e.routes.map((r) => `${r.dst} via ${r.gateway}`).sort(),
    neighs: e.neighs.map((n) => `${n.dst} ${n.lladdr}`).sort(),
    fdb: e.fdb.map((f) => `${f.mac} ${f.dst}`).sort(),
  };
}
