// Interop: Debian's reference `bridge` plugin (CNI ≤ 1.0.0) delegating to twill-ipam through
// CNI_PATH gives a pod a working address. The bridge plugin runs inside a test-owned "node"
// namespace, so the bridge link and the sysctls it sets (ip_forward, for isGateway) never touch
// the real host; the pod is a second test-owned namespace.
import { join } from 'node:path';
import { DIST, REFERENCE_PLUGINS, execPlugin, type PluginRun } from '../helpers/exec-plugin';
import { Namespaces, describeRoot, sh, uniqueName } from '../helpers/netns';
import { IpamFixture, NETWORK, expectOk, holdings, readStore, storeProblems, type Json } from './ipam-support';
import { requireTools } from '../helpers/os-packages';

const BRIDGE_PLUGIN = join(REFERENCE_PLUGINS, 'bridge');

function linkExists(dev: string, netnsName?: string): boolean {
  try {
    sh('ip', [...(netnsName ? ['-n', netnsName] : []), 'link', 'show', 'dev', dev]);
    return true;
  } catch {
    return false;
  }
}

interface AddrInfo {
  family: string;
  local: string;
  prefixlen: number;
}

function podAddresses(pod: string, dev: string): AddrInfo[] {
  const links = JSON.parse(sh('ip', ['-n', pod, '-j', 'addr', 'show', 'dev', dev])) as Array<{ addr_info: AddrInfo[] }>;
  return links.flatMap((l) => l.addr_info);
}

describeRoot.each(['0.4.0', '1.0.0'])('the reference bridge plugin with ipam.type twill-ipam (cniVersion %s)', (version) => {
  const namespaces = new Namespaces();
  const bridge = uniqueName('twtbr').slice(0, 15);
  const subnet = version === '1.0.0' ? '10.250.200.0/24' : '10.250.201.0/24';
  const gateway = subnet.replace('0/24', '1');
  let fx: IpamFixture;
  let conf: Json;
  let node: string;
  let pod: string;

  function bridgeCall(command: string, config: Json, call: { containerId?: string; netns?: string } = {}): PluginRun {
    return execPlugin({
      plugin: BRIDGE_PLUGIN,
      command,
      config,
      containerId: call.containerId ?? 'bridge-pod',
      netns: 'netns' in call ? call.netns : namespaces.path(pod),
      ifname: 'eth0',
      path: `${DIST}:${REFERENCE_PLUGINS}`,
      node,
    });
  }

  beforeAll(() => {
    requireTools(['ip', 'ping', '/usr/lib/cni/bridge']);
    fx = new IpamFixture();
    node = namespaces.create('twtnode');
    pod = namespaces.create('twtpod');
    conf = {
      cniVersion: version,
      name: NETWORK,
      type: 'bridge',
      bridge,
      isGateway: true,
      ipMasq: false,
      ipam: { type: 'twill-ipam', dataDir: fx.dataDir, ranges: [[{ subnet }]], routes: [{ dst: '0.0.0.0/0' }] },
    };
  });

  // Best effort when a test failed half-way; the last test asserts the same teardown.
  afterAll(() => {
    try {
      if (node && linkExists(bridge, node)) sh('ip', ['-n', node, 'link', 'del', bridge]);
    } finally {
      namespaces.cleanup();
      fx?.dispose(); // absent when requireTools failed
    }
  });

  test('ADD gives the pod an address that answers; CHECK passes; DEL releases it', () => {
    const add = expectOk(bridgeCall('ADD', conf));
    const address = subnet.replace('0/24', '2');
    expect(add.json).toMatchObject({ cniVersion: version, ips: [{ address: `${address}/24`, gateway }] });
    const podIface = add.json.interfaces[add.json.ips[0].interface];
    expect(podIface).toMatchObject({ name: 'eth0', sandbox: namespaces.path(pod) });

    // The store holds exactly this attachment's reservation.
    const view = readStore(fx.storeDir());
    expect(storeProblems(view)).toEqual([]);
    expect(holdings(view)).toEqual(new Map([['bridge-pod:eth0', [address]]]));

    // The kernel agrees: the pod has the address, the bridge (in the node namespace) the gateway.
    expect(podAddresses(pod, 'eth0')).toContainEqual(expect.objectContaining({ family: 'inet', local: address, prefixlen: 24 }));
    expect(podAddresses(node, bridge)).toContainEqual(expect.objectContaining({ family: 'inet', local: gateway, prefixlen: 24 }));
    expect(linkExists(bridge)).toBe(false); // not on the real host
    namespaces.exec(pod, 'ping', ['-c1', '-W1', gateway]);

    expectOk(bridgeCall('CHECK', { ...conf, prevResult: add.json }));

    expectOk(bridgeCall('DEL', { ...conf, prevResult: add.json }));
    expect(readStore(fx.storeDir()).reservations.size).toBe(0);
    expect(linkExists('eth0', pod)).toBe(false);
    // A repeated DEL (the runtime retrying) still succeeds.
    expectOk(bridgeCall('DEL', conf));
  });

  test('the next pod gets the next address (round-robin); DEL without a netns still releases it', () => {
    const add = expectOk(bridgeCall('ADD', conf, { containerId: 'pod-a' }));
    expect(add.json.ips[0].address).toBe(subnet.replace('0/24', '3/24'));
    expect(holdings(readStore(fx.storeDir()))).toEqual(new Map([['pod-a:eth0', [subnet.replace('0/24', '3')]]]));
    expectOk(bridgeCall('DEL', { ...conf, prevResult: add.json }, { containerId: 'pod-a', netns: undefined }));
    expect(readStore(fx.storeDir()).reservations.size).toBe(0);
  });

  test('teardown leaves no link, namespace or reservation behind', () => {
    sh('ip', ['-n', node, 'link', 'del', bridge]);
    namespaces.cleanup();
    expect(linkExists(bridge)).toBe(false);
    const left = sh('ip', ['netns', 'list']);
    expect(left).not.toContain(node);
    expect(left).not.toContain(pod);
    const view = readStore(fx.storeDir());
    expect({ reservations: view.reservations.size, entries: [...view.entries.keys()], problems: storeProblems(view) }).toEqual({ reservations: 0, entries: [], problems: [] });
    fx.verify();
  });
});
