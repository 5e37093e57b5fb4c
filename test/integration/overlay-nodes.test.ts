// The agent's overlay on three "nodes" (namespaces on an underlay bridge in a test-owned
// namespace), each with a pod ADDed by dist/twill: syncOverlay per node with the others as
// peers, then traffic, MTU, NAT, manual damage, peer removal and no-op re-syncs.
import { spawn } from 'node:child_process';
import { vtepMac } from '../../daemonset/overlay';
import { describeRoot } from '../helpers/netns';
import { requireTools } from '../helpers/os-packages';
import { TestCluster, UNDERLAY_NS_IP, type ClusterNode } from './overlay-support';

jest.setTimeout(120_000);

const PORT = 9000;
const WHO_AM_I = 'echo $SOCAT_PEERADDR';

/** A ping that runs while the test does other things; resolves to its transmitted/received counts. */
function backgroundPing(pod: string, target: string, count: number): Promise<{ sent: number; received: number; out: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn('ip', ['netns', 'exec', pod, 'ping', '-n', '-c', String(count), '-i', '0.02', '-W', '1', target], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.on('error', reject);
    child.on('close', () => {
      const m = /(\d+) packets transmitted, (\d+) received/.exec(out);
      resolve({ sent: Number(m?.[1] ?? 0), received: Number(m?.[2] ?? 0), out });
    });
  });
}

function pairs(c: TestCluster): Array<[ClusterNode, ClusterNode]> {
  return c.nodes.flatMap((a) => c.nodes.filter((b) => b !== a).map((b): [ClusterNode, ClusterNode] => [a, b]));
}

/** Which pod pairs cannot ping each other, for one family. */
function unreachable(c: TestCluster, family: 4 | 6): string[] {
  return pairs(c)
    .filter(([a, b]) => !a.node.ping(a.pod, b.podIps[family]))
    .map(([a, b]) => `${a.name}→${b.name} (IPv${family})`);
}

describeRoot('twilld overlay: three nodes on one underlay', () => {
  let c: TestCluster;
  let first: Awaited<ReturnType<TestCluster['syncAll']>>;

  beforeAll(async () => {
    requireTools(['ip', 'bridge', 'ethtool', 'nft', 'ping', 'socat', 'ss']);
    c = new TestCluster();
    for (const i of [1, 2, 3]) c.addPod(c.addNode(i));
    first = await c.syncAll();
  });
  afterAll(() => c?.cleanup());

  const n = (i: number) => c.nodes[i - 1];

  test('each node creates its device and programs one route per peer subnet, a neighbour per subnet and an FDB entry per peer', () => {
    expect(first.map((r) => [r.device, r.mtu, r.failures, r.peers])).toEqual(c.nodes.map(() => ['created', 1450, [], { programmed: 2, skipped: [] }]));
    expect(first[0]).toMatchObject({ vtepMac: vtepMac('n1', 1), underlay: { dev: 'ul', address: '192.168.200.1', family: 4, mtu: 1500 } });
    expect(first[0].changes).toEqual({ fdbSet: 2, routesDeleted: 0, neighboursSet: 4, routesAdded: 4, routesReplaced: 0, neighboursDeleted: 0, fdbDeleted: 0 });
    expect(c.routes(n(1))).toEqual([
      '10.244.2.0/24 via 10.244.2.0 dev twill.1',
      '10.244.3.0/24 via 10.244.3.0 dev twill.1',
      'fd00:244:2::/64 via fd00:244:2:: dev twill.1',
      'fd00:244:3::/64 via fd00:244:3:: dev twill.1',
    ]);
    const [m2, m3] = [vtepMac('n2', 1), vtepMac('n3', 1)];
    expect(c.neighbours(n(1))).toEqual([`10.244.2.0 ${m2}`, `10.244.3.0 ${m3}`, `fd00:244:2:: ${m2}`, `fd00:244:3:: ${m3}`]);
    expect(c.fdb(n(1))).toEqual([`${m2} 192.168.200.2`, `${m3} 192.168.200.3`].sort());
    const [dev] = c.json(n(1), ['-d', 'link', 'show', 'dev', 'twill.1']);
    expect(dev).toMatchObject({ address: vtepMac('n1', 1), mtu: 1450, linkinfo: { info_kind: 'vxlan', info_data: { id: 1, port: 8472, learning: false, local: '192.168.200.1', link: 'ul' } } });
  });

  test('the VXLAN checksum offload workaround is applied (tx-checksum-ip-generic off)', () => {
    expect(first.every((r) => r.offloadChanged)).toBe(true);
    expect(n(1).node.exec(n(1).node.name, ['ethtool', '-k', 'twill.1'])).toMatch(/tx-checksum-ip-generic: off/);
  });

  test('the workaround is switchable: off restores the kernel default, on again turns it off', async () => {
    const a = n(1);
    const checksum = () => /tx-checksum-ip-generic: (on|off)/.exec(a.node.exec(a.node.name, ['ethtool', '-k', 'twill.1']))?.[1];
    expect(await c.sync(a, { config: { checksumOffloadWorkaround: false } })).toMatchObject({ offloadChanged: true, batches: 1 });
    expect(checksum()).toBe('on');
    expect(await c.sync(a)).toMatchObject({ offloadChanged: true, batches: 1 });
    expect(checksum()).toBe('off');
  });

  test('an MTU override is applied in place; a changed UDP port recreates the device and reprograms every peer', async () => {
    const a = n(1);
    expect(await c.sync(a, { config: { mtu: 1400 } })).toMatchObject({ device: 'updated', mtu: 1400, batches: 1 });
    expect(c.json(a, ['link', 'show', 'dev', 'twill.1'])[0].mtu).toBe(1400);
    expect(await c.sync(a)).toMatchObject({ device: 'updated', mtu: 1450 });
    const moved = await c.sync(a, { config: { port: 4789 } });
    expect(moved).toMatchObject({ device: 'recreated', deviceWhy: 'port 8472, want 4789', offloadChanged: true, changes: { fdbSet: 2, neighboursSet: 4, routesAdded: 4 } });
    expect(a.node.ping(a.pod, n(2).podIps[4], 1)).toBe(false); // n2 still listens on 8472
    expect(await c.sync(a)).toMatchObject({ device: 'recreated', deviceWhy: 'port 4789, want 8472', failures: [] });
    expect([...unreachable(c, 4), ...unreachable(c, 6)]).toEqual([]);
  });

  test('pods on every node reach pods on every other node, IPv4 and IPv6', () => {
    expect([...unreachable(c, 4), ...unreachable(c, 6)]).toEqual([]);
  });

  test('a 1400-byte packet with DF set passes at the overlay MTU, both families', () => {
    const [a, b] = [n(1), n(3)];
    const df = (size: number, ip: string) => a.node.tryExec(a.pod, ['ping', '-c1', '-W2', '-M', 'do', '-s', String(size), ip]);
    expect(df(1372, b.podIps[4])).toMatchObject({ code: 0 });
    expect(df(1352, b.podIps[6])).toMatchObject({ code: 0 });
    // The whole overlay MTU (1450) fits; one byte more does not leave the pod.
    expect(df(1422, b.podIps[4])).toMatchObject({ code: 0 });
    expect(df(1423, b.podIps[4]).code).not.toBe(0);
  });

  test('pod to pod across nodes keeps its source address; traffic leaving the cluster is masqueraded', async () => {
    const [a, b] = [n(1), n(2)];
    await b.node.tcpServer(b.pod, PORT, WHO_AM_I);
    await b.node.tcpServer(b.pod, PORT, WHO_AM_I, 6);
    expect(a.node.tcpRequest(a.pod, b.podIps[4], PORT)).toBe(a.podIps[4]);
    // socat prints IPv6 peers in brackets, every group in full.
    expect(a.node.tcpRequest(a.pod, b.podIps[6], PORT)).toBe('[fd00:0244:0001:0000:0000:0000:0000:0002]');
    await b.node.tcpServer(c.underlayNs, PORT, WHO_AM_I);
    expect(a.node.tcpRequest(a.pod, UNDERLAY_NS_IP, PORT)).toBe(a.underlayIp);
  });

  test('a re-sync with nothing changed writes nothing, and a running ping loses nothing', async () => {
    const [a, b] = [n(1), n(2)];
    const ping4 = backgroundPing(a.pod, b.podIps[4], 150);
    const ping6 = backgroundPing(a.pod, b.podIps[6], 150);
    const reports = [];
    for (let round = 0; round < 4; round++) reports.push(...(await Promise.all(c.nodes.map((x) => c.sync(x)))));
    expect(reports.map((r) => [r.device, r.batches, r.failures.length])).toEqual(reports.map(() => ['unchanged', 0, 0]));
    const [r4, r6] = await Promise.all([ping4, ping6]);
    expect([r4.sent, r4.received, r6.sent, r6.received]).toEqual([150, 150, 150, 150]);
  });

  test('a deleted FDB entry and a deleted route come back on the next sync, exactly those', async () => {
    const a = n(1);
    const before = { routes: c.routes(a), fdb: c.fdb(a), neigh: c.neighbours(a) };
    a.node.exec(a.node.name, ['bridge', 'fdb', 'del', vtepMac('n3', 1), 'dev', 'twill.1', 'dst', '192.168.200.3']);
    a.node.ipIn(a.node.name, ['route', 'del', '10.244.2.0/24']);
    const r = await c.sync(a);
    expect(r.changes).toEqual({ fdbSet: 1, routesDeleted: 0, neighboursSet: 0, routesAdded: 1, routesReplaced: 0, neighboursDeleted: 0, fdbDeleted: 0 });
    expect(r.batches).toBe(2);
    expect({ routes: c.routes(a), fdb: c.fdb(a), neigh: c.neighbours(a) }).toEqual(before);
    expect([...unreachable(c, 4), ...unreachable(c, 6)]).toEqual([]);
  });

  test('a removed peer loses its route, neighbours and FDB entry on every node; added back, it returns', async () => {
    const gone = n(3);
    const reports = await Promise.all([n(1), n(2)].map((x) => c.sync(x, { peers: c.peers(['n3']) })));
    expect(reports.map((r) => r.changes)).toEqual(reports.map(() => ({ fdbSet: 0, routesDeleted: 2, neighboursSet: 0, routesAdded: 0, routesReplaced: 0, neighboursDeleted: 2, fdbDeleted: 1 })));
    for (const x of [n(1), n(2)]) {
      expect([...c.routes(x), ...c.neighbours(x), ...c.fdb(x)].filter((e) => /10\.244\.3\.|fd00:244:3:|192\.168\.200\.3/.test(e))).toEqual([]);
    }
    expect(n(1).node.ping(n(1).pod, gone.podIps[4], 1)).toBe(false);
    await c.syncAll();
    expect([...unreachable(c, 4), ...unreachable(c, 6)]).toEqual([]);
  });

  test('a scoped sync (one event) fixes exactly the peers it names: a deleted peer swept, an added one programmed, nothing else', async () => {
    const [a, gone] = [n(1), n(3)];
    const previous = c.peers().filter((p) => p.name === 'n3');
    a.node.ipIn(a.node.name, ['route', 'del', '10.244.2.0/24']); // damage outside the scope
    const removed = await c.sync(a, { peers: c.peers(['n3']), scope: { names: [], previous } });
    expect(removed).toMatchObject({ scoped: true, batches: 2, changes: { fdbSet: 0, routesDeleted: 2, neighboursSet: 0, routesAdded: 0, routesReplaced: 0, neighboursDeleted: 2, fdbDeleted: 1 } });
    expect(a.node.ping(a.pod, gone.podIps[4], 1)).toBe(false);
    const added = await c.sync(a, { scope: { names: ['n3'] } });
    expect(added).toMatchObject({ scoped: true, changes: { fdbSet: 1, neighboursSet: 2, routesAdded: 2, routesDeleted: 0, neighboursDeleted: 0, fdbDeleted: 0 } });
    expect(c.routes(a)).not.toContain('10.244.2.0/24 via 10.244.2.0 dev twill.1');
    expect((await c.sync(a, { scope: { names: ['n3'] } })).batches).toBe(0);
    // The full sync repairs what the scoped ones did not look at.
    expect((await c.sync(a)).changes).toMatchObject({ routesAdded: 1 });
    expect([...unreachable(c, 4), ...unreachable(c, 6)]).toEqual([]);
  });

  test("routes that are not twill's are left alone, and a peer subnet someone else routes is not overwritten", async () => {
    const a = n(1);
    a.node.ipIn(a.node.name, ['route', 'add', '10.98.0.0/24', 'via', UNDERLAY_NS_IP, 'proto', 'static']);
    a.node.ipIn(a.node.name, ['route', 'add', '10.99.0.0/24', 'via', UNDERLAY_NS_IP]);
    const intruder = { name: 'n9', podCIDRs: ['10.99.0.0/24'], underlayIp: '192.168.200.9', vtepMac: vtepMac('n9', 1) };
    const r = await c.sync(a, { peers: [...c.peers(), intruder] });
    expect(r.failures).toEqual([expect.objectContaining({ batch: 'ip', line: 'route add 10.99.0.0/24 via 10.99.0.0 dev twill.1 onlink proto 116', message: expect.stringMatching(/File exists/) })]);
    const swept = await c.sync(a);
    expect(swept.changes).toMatchObject({ neighboursDeleted: 1, fdbDeleted: 1, routesDeleted: 0 });
    const foreign = c.json(a, ['route', 'show', 'root', '10.98.0.0/15']).map((x) => `${x.dst} via ${x.gateway}`);
    expect(foreign).toEqual([`10.98.0.0/24 via ${UNDERLAY_NS_IP}`, `10.99.0.0/24 via ${UNDERLAY_NS_IP}`]);
  });
});
