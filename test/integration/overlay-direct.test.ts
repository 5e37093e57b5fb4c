// Direct routing: nodes on one link route pod traffic to each other's pod subnets via the peer's
// underlay address, without encapsulation; a node behind a router (its `route get` has a
// gateway) stays on VXLAN, and so does IPv6 pod traffic over the IPv4 underlay.
import { vtepMac } from '../../daemonset/overlay';
import { describeRoot } from '../helpers/netns';
import { requireTools } from '../helpers/os-packages';
import { TestCluster, type ClusterNode } from './overlay-support';

jest.setTimeout(120_000);

/** Packets the node has sent through its VXLAN device. */
function vxlanTx(c: TestCluster, cn: ClusterNode): number {
  const [link] = c.json(cn, ['-s', 'link', 'show', 'dev', 'twill.1']);
  return Number(link.stats64.tx.packets);
}

describeRoot('twilld overlay: direct routing', () => {
  let c: TestCluster;

  beforeAll(async () => {
    requireTools(['ip', 'bridge', 'ethtool', 'nft', 'ping', 'sh']);
    c = new TestCluster();
    c.addNode(1);
    c.addNode(2);
    c.addNode(3, 201);
    c.routeLans(201);
    for (const n of c.nodes) {
      c.addPod(n);
      n.overrides = { directRouting: true };
    }
    const reports = await c.syncAll();
    expect(reports.map((r) => r.failures)).toEqual([[], [], []]);
  });
  afterAll(() => c?.cleanup());

  const n = (i: number) => c.nodes[i - 1];

  test('an on-link peer gets a plain route via its underlay address; a routed peer and IPv6 go through the VXLAN device', () => {
    expect(c.routes(n(1))).toEqual([
      '10.244.2.0/24 via 192.168.200.2 dev ul',
      '10.244.3.0/24 via 10.244.3.0 dev twill.1',
      'fd00:244:2::/64 via fd00:244:2:: dev twill.1',
      'fd00:244:3::/64 via fd00:244:3:: dev twill.1',
    ]);
    // n2's MAC is still needed for its IPv6 subnet; n3 is reached at its own LAN's address.
    expect(c.fdb(n(1))).toEqual([`${vtepMac('n2', 1)} 192.168.200.2`, `${vtepMac('n3', 1)} 192.168.201.3`].sort());
    expect(c.neighbours(n(1))).toEqual([`10.244.3.0 ${vtepMac('n3', 1)}`, `fd00:244:2:: ${vtepMac('n2', 1)}`, `fd00:244:3:: ${vtepMac('n3', 1)}`]);
  });

  test('pods reach each other in both families, and IPv4 between on-link nodes bypasses the VXLAN device', () => {
    const [a, b, far] = [n(1), n(2), n(3)];
    const tx0 = vxlanTx(c, a);
    expect(a.node.ping(a.pod, b.podIps[4])).toBe(true);
    expect(b.node.ping(b.pod, a.podIps[4])).toBe(true);
    expect(vxlanTx(c, a)).toBe(tx0);
    for (const [x, y] of [[a, far], [far, a], [b, far], [a, b]] as const) {
      expect([x.name, y.name, x.node.ping(x.pod, y.podIps[4]), x.node.ping(x.pod, y.podIps[6])]).toEqual([x.name, y.name, true, true]);
    }
    expect(vxlanTx(c, a)).toBeGreaterThan(tx0);
  });

  test('switching direct routing off replaces the direct route with the VXLAN one in place; a second sync changes nothing', async () => {
    const a = n(1);
    const off = await c.sync(a, { config: { directRouting: false } });
    expect(off.changes).toMatchObject({ neighboursSet: 1, routesReplaced: 1, routesAdded: 0, routesDeleted: 0 });
    expect(c.routes(a)).toContain('10.244.2.0/24 via 10.244.2.0 dev twill.1');
    expect(a.node.ping(a.pod, n(2).podIps[4])).toBe(true);
    expect((await c.sync(a, { config: { directRouting: false } })).batches).toBe(0);
    const on = await c.sync(a);
    expect(on.changes).toMatchObject({ routesReplaced: 1, neighboursDeleted: 1 });
  });
});
