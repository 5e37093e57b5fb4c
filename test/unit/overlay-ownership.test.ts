// Which network a twill route (proto 116, shared by every network) belongs to: its device,
// else the cluster CIDRs holding its destination, else networks[0].
import { ownedRoutes, routeOwner, type NetworkClaim } from '../../daemonset/overlay/ownership';
import type { RouteEntry } from '../../daemonset/overlay/types';

const NETWORKS: NetworkClaim[] = [
  { device: 'twill.1', clusterCIDRs: [] }, // the cluster allocates spec.podCIDRs
  { device: 'twill.42', clusterCIDRs: ['10.215.0.0/16', 'fd15::/56'] },
  { device: 'twill.7', clusterCIDRs: ['10.216.0.0/16'] },
];
const route = (dst: string, dev: string, via = ''): RouteEntry => ({ dst, via, dev, onlink: dev.startsWith('twill.') });

describe('routeOwner', () => {
  it.each([
    ['on a network’s device', route('10.244.3.0/24', 'twill.1'), 0],
    ['on a further network’s device', route('10.215.3.0/24', 'twill.42'), 1],
    ['on a device, whatever its destination', route('10.215.3.0/24', 'twill.7'), 2],
    ['direct, inside a network’s cluster CIDR', route('10.215.9.0/24', 'eth0', '192.168.77.12'), 1],
    ['direct, IPv6 inside a network’s cluster CIDR', route('fd15:0:0:3::/64', 'eth0', 'fd77::12'), 1],
    ['direct, inside the last network’s CIDR', route('10.216.1.0/24', 'eth0', '192.168.77.12'), 2],
    ['direct, claimed by none: networks[0]', route('10.244.9.0/24', 'eth0', '192.168.77.12'), 0],
    ['wider than a cluster CIDR: not inside it', route('10.214.0.0/15', 'eth0'), 0],
    ['a device no network has: by destination', route('10.216.1.0/24', 'twill.9'), 2],
  ] as const)('%s', (_, r, owner) => {
    expect(routeOwner(NETWORKS, r)).toBe(owner);
  });
});

describe('ownedRoutes', () => {
  const routes = [route('10.244.3.0/24', 'twill.1'), route('10.215.3.0/24', 'twill.42'), route('10.215.9.0/24', 'eth0'), route('10.244.9.0/24', 'eth0'), route('10.216.1.0/24', 'twill.7')];

  it('gives each network exactly its own routes, every route to one network', () => {
    const owned = NETWORKS.map((_, index) => ownedRoutes({ index, networks: NETWORKS }, routes).map((r) => r.dst));
    expect(owned).toEqual([['10.244.3.0/24', '10.244.9.0/24'], ['10.215.3.0/24', '10.215.9.0/24'], ['10.216.1.0/24']]);
    expect(owned.flat().sort()).toEqual(routes.map((r) => r.dst).sort());
  });

  it('with one network (or none given) every route is its own', () => {
    expect(ownedRoutes(undefined, routes)).toBe(routes);
    expect(ownedRoutes({ index: 0, networks: NETWORKS.slice(0, 1) }, routes)).toBe(routes);
  });
});
