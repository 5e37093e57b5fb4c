// DEL releases everything an attachment holds: with its namespace, without CNI_NETNS after the
// namespace is gone (the veth went with it; port mappings and addresses must still go), and a
// second time (idempotent). ADD rollback: a step failing after IPAM leaves nothing behind.
import { describeRoot } from '../helpers/netns';
import { hostVethOf, netConf, useNode } from './plugin-support';
import { requireTools } from '../helpers/os-packages';

const UDP_PORT = 15354;

describeRoot('twill plugin: DEL and ADD rollback', () => {
  beforeAll(() => requireTools(['ip', 'nft', 'conntrack', 'socat', 'ss']));
  const node = useNode({ udpPorts: [UDP_PORT] });

  const mappings = [
    { hostPort: 18081, containerPort: 80, protocol: 'tcp' },
    { hostPort: UDP_PORT, containerPort: 53, protocol: 'udp' },
  ];

  function published() {
    return netConf(node(), { subnet6: 'fd00:250:1::/64', extra: { ipMasq: true }, runtimeConfig: { portMappings: mappings } });
  }

  test('DEL with the namespace removes the veth pair, the port mappings and the addresses of that pod only', () => {
    const conf = published();
    const gone = node().add(conf);
    const other = node().add(netConf(node(), { subnet6: 'fd00:250:1::/64', extra: { ipMasq: true }, runtimeConfig: { portMappings: [{ hostPort: 18082, containerPort: 80 }] } }));
    expect([gone.run.code, other.run.code]).toEqual([0, 0]);
    expect(node().portMappings()).toHaveLength(6);
    const del = node().del(conf, gone.att);
    expect({ code: del.code, stdout: del.stdout }).toEqual({ code: 0, stdout: '' });
    expect(node().links(gone.att.pod).map((l) => l.ifname)).toEqual(['lo']);
    expect(node().hostVeths()).toEqual([hostVethOf(other.run.json)]);
    expect(node().portMappings().map((e) => [e.set, e.key])).toEqual([['hostports4', 'tcp . 18082'], ['hostports6', 'tcp . 18082']]);
    expect(node().reservations('twt-net')).toEqual({ ips: ['10.250.1.3', 'fd00:250:1::3'], attachments: [`${other.att.containerId}:eth0`] });
    // The network's own state (bridge, masquerade) stays for the pods still on it.
    expect(node().link('twbr0')).toBeDefined();
    expect(node().tableElements().filter((e) => e.set.startsWith('masq')).map((e) => e.key)).toEqual(['10.250.1.0/24', 'fd00:250:1::/64']);
  });

  test('DEL without CNI_NETNS after the pod namespace was deleted still releases everything', async () => {
    const conf = published();
    const { run, att } = node().add(conf);
    expect(run.code).toBe(0);
    await node().udpServer(att.pod!, 53, 'echo pong');
    expect(node().udpRequest(node().name, '127.0.0.1', UDP_PORT)).toBe('pong');
    await node().removePod(att.pod!, hostVethOf(run.json));
    // The kernel took the veth pair with the namespace; mappings and addresses are ours to release.
    expect(node().hostVeths()).toEqual([]);
    expect(node().portMappings()).toHaveLength(4);
    expect(node().conntrack('udp', UDP_PORT).length).toBeGreaterThan(0);
    const del = node().del(conf, { containerId: att.containerId, ifname: 'eth0' });
    expect({ code: del.code, stdout: del.stdout }).toEqual({ code: 0, stdout: '' });
    expect(node().leftovers(undefined, [UDP_PORT])).toEqual({});
  });

  test('DEL with a CNI_NETNS that no longer exists succeeds too', async () => {
    const conf = published();
    const { run, att } = node().add(conf);
    expect(run.code).toBe(0);
    await node().removePod(att.pod!, hostVethOf(run.json));
    expect(node().del(conf, att).code).toBe(0);
    expect(node().leftovers()).toEqual({});
  });

  test('DEL twice, and DEL of an attachment never ADDed, succeed and change nothing else', () => {
    const conf = published();
    const { run, att } = node().add(conf);
    expect(run.code).toBe(0);
    expect(node().del(conf, att).code).toBe(0);
    const after = node().snapshot();
    expect(node().del(conf, att).code).toBe(0);
    expect(node().del(conf, { pod: att.pod, containerId: 'never-added', ifname: 'eth0' }).code).toBe(0);
    expect(node().snapshot()).toEqual(after);
    expect(node().leftovers()).toEqual({});
  });

  test('DEL still releases when the config has since become invalid for ADD', () => {
    const conf = published();
    const { run, att } = node().add(conf);
    expect(run.code).toBe(0);
    // A runtime replays the cached config: a ranges section edited since must not leak the pod.
    const edited = { ...conf, ipam: { ...conf.ipam, ranges: [[{ subnet: 'not-a-subnet' }]] } };
    const del = node().del(edited, att);
    expect({ code: del.code, stdout: del.stdout }).toEqual({ code: 0, stdout: '' });
    expect(node().leftovers()).toEqual({});
  });

  test('rollback: CNI_IFNAME already present in the pod leaves no veth, allocation or nft element', () => {
    const conf = published();
    const pod = node().pod();
    node().ipIn(pod, ['link', 'add', 'eth0', 'type', 'veth', 'peer', 'name', 'eth0peer']);
    const before = node().snapshot();
    const { run } = node().add(conf, { pod });
    expect(run.code).not.toBe(0);
    expect(run.json).toMatchObject({ code: 4, msg: `CNI_IFNAME: eth0 already exists in /run/netns/${pod}` });
    expect(node().leftovers()).toEqual({});
    // The pod's own interface is untouched; on the node only the network's bridge and rules may appear.
    expect(node().links(pod).map((l) => l.ifname)).toEqual(['lo', 'eth0peer', 'eth0']);
    const after = node().snapshot();
    expect((after.links as Array<{ ifname: string }>).map((l) => l.ifname)).toEqual([...(before.links as Array<{ ifname: string }>).map((l) => l.ifname), 'twbr0']);
  });

  test('rollback: a host port conflict after the pod was wired leaves nothing of the second pod', () => {
    const conf = published();
    const first = node().add(conf);
    expect(first.run.code).toBe(0);
    const state = () => ({ veths: node().hostVeths(), elements: node().tableElements(), ipam: node().reservations('twt-net') });
    const before = state();
    const second = node().add(netConf(node(), { subnet6: 'fd00:250:1::/64', extra: { ipMasq: true }, runtimeConfig: { portMappings: [{ hostPort: 18090, containerPort: 80 }, mappings[1]] } }));
    expect(second.run.json).toMatchObject({ code: 104 });
    expect(state()).toEqual(before);
    expect(node().links(second.att.pod).map((l) => l.ifname)).toEqual(['lo']);
  });
});
