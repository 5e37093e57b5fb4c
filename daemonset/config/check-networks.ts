import { cidrContains, formatCidr } from '../../ipam/net/cidr';
import type { SubnetPool } from '../kube/subnet-pool';
import { deviceName } from '../overlay/config';
import type { Fail } from './check-util';
import { checkNetwork } from './check-network';
import type { NetworkSettings } from './types';

/** A field every network must hold a different value in; the later one is named. */
function checkUnique(networks: NetworkSettings[], key: 'name' | 'bridge' | 'vni', fail: Fail): void {
  const seen = new Map<unknown, number>();
  networks.forEach((n, i) => {
    const first = seen.get(n[key]);
    if (first !== undefined) fail(`networks[${i}].${key}`, `${JSON.stringify(n[key])} is networks[${first}]'s already`);
    seen.set(n[key], i);
  });
}

/** A bridge named like a VXLAN device (`twill.<vni>`) would be the device's name too. */
function checkBridgesAreNotDevices(networks: NetworkSettings[], fail: Fail): void {
  const devices = new Set(networks.map((n) => deviceName(n.vni)));
  networks.forEach((n, i) => {
    if (devices.has(n.bridge)) fail(`networks[${i}].bridge`, `"${n.bridge}" is the name of a VXLAN device (twill.<vni>)`);
  });
}

/** Two networks routing the same addresses would steal each other's pods' traffic. */
function checkNoOverlap(pools: SubnetPool[][], fail: Fail): void {
  pools.forEach((mine, i) =>
    mine.forEach((p, k) => {
      for (let j = 0; j < i; j++) {
        const other = pools[j].find((q) => cidrContains(q.cidr, p.cidr.ip) || cidrContains(p.cidr, q.cidr.ip));
        if (other) fail(`networks[${i}].clusterCIDRs[${k}]`, `${p.text} overlaps networks[${j}]'s ${formatCidr(other.cidr)}`);
      }
    }),
  );
}

/** Every network's own checks, then what must differ between them. */
export function checkNetworks(networks: NetworkSettings[], fail: Fail): NetworkSettings[] {
  const checked = networks.map((n, i) => checkNetwork(n, i, fail));
  const result = checked.map((c) => c.network);
  checkUnique(result, 'name', fail);
  checkUnique(result, 'bridge', fail);
  checkUnique(result, 'vni', fail);
  checkBridgesAreNotDevices(result, fail);
  checkNoOverlap(checked.map((c) => c.pools), fail);
  return result;
}
