import { peerDrift, staleRoutes } from '../../cni/ctl/peers-drift';
import type { PeersFile } from '../../cni/ctl/read/files';

const MAC = '0e:00:00:00:00:02';
const file: PeersFile = {
  network: 'pods', device: 'twill.1', vni: 1, node: 'n1', vtepMac: '0e:00:00:00:00:01', mtu: 1450, directRouting: false,
  underlay: { dev: 'ul', address: '192.168.1.1', family: 4, mtu: 1500 },
  peers: [{ name: 'n2', podCIDRs: ['10.244.2.0/24', 'fd00:244:2::/64'], underlayIp: '192.168.1.2', vtepMac: MAC, skipped: '' }],
};
const healthy = () => ({
  routes: [
    { dst: '10.244.2.0/24', gateway: '10.244.2.0', dev: 'twill.1', flags: ['onlink'] },
    { dst: 'fd00:244:2::/64', gateway: 'fd00:244:2::', dev: 'twill.1', flags: ['onlink'] },
  ],
  neighbours: [{ dst: '10.244.2.0', lladdr: MAC, state: ['PERMANENT'] }, { dst: 'fd00:244:2::', lladdr: MAC, state: ['PERMANENT'] }],
  fdb: [{ mac: MAC, dst: '192.168.1.2', state: 'permanent' }],
});

describe('twillctl peers: what the agent wants against the kernel', () => {
  test('matching route, neighbour and FDB entry: no drift', () => {
    expect(peerDrift(file, healthy())).toEqual([{ name: 'n2', subnets: file.peers[0].podCIDRs, vtepMac: MAC, underlayIp: '192.168.1.2', route: 'ok', neighbour: 'ok', fdb: 'ok', drift: false, skipped: '' }]);
    expect(staleRoutes(file, healthy().routes)).toEqual([]);
  });

  test('a missing FDB entry, a neighbour with an old MAC (a rebooted node), a route via the wrong gateway are drift', () => {
    expect(peerDrift(file, { ...healthy(), fdb: [] })[0]).toMatchObject({ fdb: 'missing', drift: true });
    const k = healthy();
    k.neighbours[1].lladdr = '0e:00:00:00:00:99';
    expect(peerDrift(file, k)[0]).toMatchObject({ neighbour: 'wrong', route: 'ok', drift: true });
    const r = healthy();
    r.routes[0].gateway = '10.244.9.0';
    expect(peerDrift(file, r)[0]).toMatchObject({ route: 'wrong', drift: true });
    expect(peerDrift(file, { ...healthy(), routes: [] })[0]).toMatchObject({ route: 'missing', drift: true });
    expect(peerDrift(file, { ...healthy(), fdb: [...healthy().fdb, { mac: MAC, dst: '192.168.1.77', state: 'permanent' }] })[0]).toMatchObject({ fdb: 'wrong' });
  });

  test('a directly routed peer needs no neighbour or FDB entry; a skipped peer is never drift', () => {
    const direct = { routes: file.peers[0].podCIDRs.map((dst) => ({ dst, gateway: '192.168.1.2', dev: 'ul' })), neighbours: [], fdb: [] };
    expect(peerDrift(file, direct)[0]).toMatchObject({ route: 'ok', neighbour: 'n/a', fdb: 'n/a', drift: false });
    const skipped = { ...file, peers: [{ ...file.peers[0], skipped: 'no-vtep-mac' }] };
    expect(peerDrift(skipped, { routes: [], neighbours: [], fdb: [] })[0]).toMatchObject({ route: 'n/a', drift: false, skipped: 'no-vtep-mac' });
  });

  test('a route on the device no peer accounts for (a node that left) is stale', () => {
    const k = healthy();
    k.routes.push({ dst: '10.244.7.0/24', gateway: '10.244.7.0', dev: 'twill.1', flags: ['onlink'] });
    expect(staleRoutes(file, k.routes)).toEqual(['10.244.7.0/24']);
  });
});
