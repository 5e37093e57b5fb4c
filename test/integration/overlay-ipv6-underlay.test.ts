// An IPv6 underlay: the VXLAN device's local address is the node's IPv6 address (MTU 1500 − 70),
// both pod families ride one device, and with direct routing the IPv6 pod subnets of on-link
// peers are routed via the peer's IPv6 address while IPv4 stays encapsulated.
import { vtepMac } from '../../daemonset/overlay';
import { describeRoot } from '../helpers/netns';
import { requireTools } from '../helpers/os-packages';
import { TestCluster } from './overlay-support';

jest.setTimeout(120_000);

describeRoot('twilld overlay: IPv6 underlay', () => {
  let c: TestCluster;
  let first: Awaited<ReturnType<TestCluster['syncAll']>>;

  beforeAll(async () => {
    requireTools(['ip', 'bridge', 'ethtool', 'nft', 'ping']);
    c = new TestCluster();
    for (const i of [1, 2, 3]) {
      const n = c.addNode(i);
      n.overrides = { underlay: { address: `fd00:200::${i}` } };
      c.addPod(n);
    }
    first = await c.syncAll();
  });
  afterAll(() => c?.cleanup());

  test('the device uses the IPv6 underlay address and MTU 1430; FDB entries point at the peers\' IPv6 addresses', () => {
    expect(first.map((r) => [r.device, r.mtu, r.underlay.family, r.failures])).toEqual([1, 2, 3].map(() => ['created', 1430, 6, []]));
    const [dev] = c.json(c.nodes[0], ['-d', 'link', 'show', 'dev', 'twill.1']);
    expect(dev).toMatchObject({ mtu: 1430, linkinfo: { info_data: { local6: 'fd00:200::1', port: 8472 } } });
    expect(c.fdb(c.nodes[0])).toEqual([`${vtepMac('n2', 1)} fd00:200::2`, `${vtepMac('n3', 1)} fd00:200::3`].sort());
  });

  test('pods reach every other node\'s pods in both families over the IPv6 underlay', () => {
    const failed = c.nodes.flatMap((a) => c.nodes.filter((b) => b !== a).flatMap((b) => ([4, 6] as const).filter((f) => !a.node.ping(a.pod, b.podIps[f])).map((f) => `${a.name}→${b.name} v${f}`)));
    expect(failed).toEqual([]);
  });

  test('direct routing over an IPv6 underlay routes IPv6 pod subnets via the peer, IPv4 stays on VXLAN', async () => {
    for (const n of c.nodes) n.overrides = { ...n.overrides, directRouting: true };
    const reports = await c.syncAll();
    expect(reports.map((r) => r.failures)).toEqual([[], [], []]);
    expect(c.routes(c.nodes[0])).toEqual([
      '10.244.2.0/24 via 10.244.2.0 dev twill.1',
      '10.244.3.0/24 via 10.244.3.0 dev twill.1',
      'fd00:244:2::/64 via fd00:200::2 dev ul',
      'fd00:244:3::/64 via fd00:200::3 dev ul',
    ]);
    const [a, b] = c.nodes;
    expect([a.node.ping(a.pod, b.podIps[4]), a.node.ping(a.pod, b.podIps[6]), b.node.ping(b.pod, a.podIps[6])]).toEqual([true, true, true]);
  });
});
