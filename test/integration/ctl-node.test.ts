// twillctl peers, status and doctor on a node of a real overlay: two "nodes" on an underlay, a
// pod on each ADDed by dist/twill, node 1's overlay programmed by the agent's reconciler
// (syncOverlay) and its peers file written by the agent's own code (writePeersState). Then
// damage as operators meet it: a deleted FDB entry, an MTU mismatch, a flushed rule set, a
// stale bridge address, a config that shadows ours, a conflist too old for STATUS/GC.
import { writeFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { writePeersState } from '../../daemonset/agent/peers-state';
import { vtepMac } from '../../daemonset/overlay';
import { describeRoot } from '../helpers/netns';
import { requireTools } from '../helpers/os-packages';
import { CtlDirs, ctl, widest } from './ctl-support';
import { TestCluster, type ClusterNode } from './overlay-support';

jest.setTimeout(120_000);

describeRoot('twillctl: peers, status and doctor on an overlay node', () => {
  let c: TestCluster;
  let dirs: CtlDirs;
  let n1: ClusterNode;

  async function agentPass(): Promise<void> {
    const desired = { config: c.config(n1), peers: c.peers([n1.name]) };
    const { syncOverlay } = await import('../../daemonset/overlay');
    const report = await syncOverlay(n1.runner, desired);
    await writePeersState({ runDir: dirs.runDir, network: 'twt-net', desired, report });
  }

  beforeAll(async () => {
    requireTools(['ip', 'bridge', 'ethtool', 'nft']);
    c = new TestCluster();
    dirs = new CtlDirs();
    for (const i of [1, 2]) c.addPod(c.addNode(i));
    n1 = c.nodes[0];
    dirs.conflist('10-twt-net.conflist', c.conf(n1));
    await agentPass();
  });
  afterAll(() => {
    dirs?.cleanup();
    c?.cleanup();
  });

  const run = (args: string[]) => ctl(n1.node.name, dirs, args);
  const failed = (r: ReturnType<typeof run>) => (r.json.checks as Array<{ id: string; ok: boolean; fix: string }>).filter((x) => !x.ok);

  test('peers: every remote node with subnets, VTEP MAC and underlay, all matching the kernel', () => {
    const peers = run(['peers']);
    expect({ code: peers.code, stderr: peers.stderr }).toEqual({ code: 0, stderr: '' });
    expect(peers.stdout).toMatch(new RegExp(`n2\\s+10\\.244\\.2\\.0/24\\s+${vtepMac('n2', 1)}\\s+192\\.168\\.200\\.2\\s+ok\\s+ok\\s+ok`));
    expect(peers.stdout).toContain('drift: 0');
    expect(widest(peers.stdout)).toBeLessThanOrEqual(80);
    expect(run(['peers', '--json']).json).toEqual({
      command: 'peers',
      problems: 0,
      drift: 0,
      networks: [{ network: 'twt-net', device: 'twill.1', stale: [], error: null, peers: [{ name: 'n2', subnets: ['10.244.2.0/24', 'fd00:244:2::/64'], vtepMac: vtepMac('n2', 1), underlayIp: '192.168.200.2', route: 'ok', neighbour: 'ok', fdb: 'ok', drift: false, skipped: '' }] }],
    });
  });

  test('peers: a deleted FDB entry is drift (exit 1) until the agent puts it back', async () => {
    n1.node.exec(n1.node.name, ['bridge', 'fdb', 'del', vtepMac('n2', 1), 'dev', 'twill.1', 'dst', '192.168.200.2']);
    const peers = run(['peers']);
    expect(peers.code).toBe(1);
    expect(peers.stdout).toMatch(/n2\s.*ok\s+ok\s+MISSING/);
    expect(peers.stdout).toContain('drift: 1');
    expect(run(['peers', '--json']).json.networks[0].peers[0]).toMatchObject({ route: 'ok', neighbour: 'ok', fdb: 'missing', drift: true });
    await agentPass();
    expect(run(['peers']).code).toBe(0);
  });

  test('status: binaries with versions, the conflist gets STATUS/GC, the plugin answers STATUS, the VXLAN device', () => {
    const status = run(['status']);
    expect({ code: status.code, stderr: status.stderr }).toEqual({ code: 0, stderr: '' });
    expect(status.stdout).toMatch(/twill\s+0\.\d+\.\d+/);
    expect(status.stdout).toMatch(/twt-net\s+1\.0\.0 \(max 1\.1\.0\)\s+yes\s+twbr0 UP\s+not gated\s+ok/);
    expect(status.stdout).toMatch(/twill\.1\s+1\s+1450\s+\S+\s+/);
    expect(widest(status.stdout)).toBeLessThanOrEqual(80);
    const json = run(['status', '--json']).json;
    expect(json.binaries.map((b: { name: string }) => b.name)).toEqual(['twill', 'twill-ipam', 'twillctl']);
    expect(json.networks[0]).toMatchObject({ network: 'twt-net', statusAndGc: true, status: 'ok', bridge: { name: 'twbr0', present: true, addresses: ['10.244.1.1/24', 'fd00:244:1::1/64'] } });
  });

  test('doctor: a healthy node passes; an MTU mismatch, flushed rules and a stale bridge address each fail with their fix', async () => {
    const healthy = run(['doctor', '--json']);
    expect(failed(healthy)).toEqual([]);
    expect(healthy.code).toBe(0);

    n1.node.ipIn(n1.node.name, ['link', 'set', 'ul', 'mtu', '1400']); // the underlay shrank under the overlay
    n1.node.exec(n1.node.name, ['nft', 'flush', 'ruleset']);
    n1.node.ipIn(n1.node.name, ['addr', 'add', '10.99.0.1/24', 'dev', 'twbr0']);
    const sick = run(['doctor']);
    expect(sick.code).toBe(1);
    expect(sick.stdout).toContain('3 problems found');
    expect(widest(sick.stdout)).toBeLessThanOrEqual(80);
    const checks = failed(run(['doctor', '--json']));
    expect(checks.map((x) => x.id)).toEqual(['bridge twbr0', 'mtu twt-net', 'rules']);
    expect(checks[0].fix).toBe('ip addr del 10.99.0.1/24 dev twbr0');
    expect(checks[1]).toMatchObject({ detail: expect.stringContaining('twill.1 MTU 1450 > underlay 1400 − VXLAN overhead = 1350') });
    expect(checks[2].fix).toContain('next ADD');

    n1.node.ipIn(n1.node.name, ['addr', 'del', '10.99.0.1/24', 'dev', 'twbr0']);
    n1.node.ipIn(n1.node.name, ['link', 'set', 'ul', 'mtu', '1500']);
    await agentPass(); // the rules wait for the plugin's next ADD
    expect(failed(run(['doctor', '--json'])).map((x) => x.id)).toEqual(['rules']);
  });

  test('doctor: a config sorting before ours and a conflist too old for STATUS/GC fail with their fix', () => {
    const other = join(dirs.confDir, '05-other.conflist');
    writeFileSync(other, JSON.stringify({ cniVersion: '0.4.0', name: 'other', plugins: [{ type: 'bridge' }] }));
    const ours = dirs.conflist('10-twt-net.conflist', c.conf(n1), { cniVersion: '0.4.0', cniVersions: [] });
    try {
      const checks = failed(run(['doctor', '--json']));
      expect(checks.find((x) => x.id === 'shadow twt-net')).toMatchObject({ fix: expect.stringContaining(`remove or rename ${other}`) });
      expect(checks.find((x) => x.id === 'conflist twt-net')).toMatchObject({ fix: 'add "cniVersions": ["1.0.0", "1.1.0"] (twilld writes it so)' });
      expect(run(['status', '--json']).json.networks[0]).toMatchObject({ statusAndGc: false });
    } finally {
      rmSync(other);
      dirs.conflist('10-twt-net.conflist', c.conf(n1));
    }
    expect(ours).toContain('10-twt-net.conflist');
  });
});
