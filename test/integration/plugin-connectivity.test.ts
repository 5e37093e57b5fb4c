// Pods on one network reach each other and their gateway (IPv4 and dual-stack); portIsolation
// cuts pod-to-pod only; two networks on one node cannot reach each other.
import { describeRoot } from '../helpers/netns';
import { addOutside, netConf, podIp, useNode } from './plugin-support';
import { requireTools } from '../helpers/os-packages';

describeRoot('twill plugin: connectivity between pods', () => {
  beforeAll(() => requireTools(['ip', 'nft', 'ping']));
  const node = useNode();

  test('two IPv4 pods ping each other and the gateway', () => {
    const conf = netConf(node());
    const a = node().add(conf);
    const b = node().add(conf);
    expect([a.run.code, b.run.code]).toEqual([0, 0]);
    const ipA = podIp(a.run.json);
    const ipB = podIp(b.run.json);
    expect(ipA).not.toBe(ipB);
    expect(node().ping(a.att.pod!, ipB)).toBe(true);
    expect(node().ping(b.att.pod!, ipA)).toBe(true);
    expect(node().ping(a.att.pod!, '10.250.1.1')).toBe(true);
    expect(node().ping(node().name, ipA)).toBe(true);
  });

  test('dual-stack pods ping each other and the gateway over IPv6 too', () => {
    const conf = netConf(node(), { subnet6: 'fd00:250:1::/64' });
    const a = node().add(conf);
    const b = node().add(conf);
    expect([a.run.code, b.run.code]).toEqual([0, 0]);
    const [v4A, v6A, v6B] = [podIp(a.run.json), podIp(a.run.json, 6), podIp(b.run.json, 6)];
    expect(node().addrs('eth0', a.att.pod)).toEqual(expect.arrayContaining([`${v4A}/24`, `${v6A}/64`]));
    expect(node().addrs('twbr0')).toEqual(expect.arrayContaining(['10.250.1.1/24', 'fd00:250:1::1/64']));
    expect(node().ping(a.att.pod!, v6B)).toBe(true);
    expect(node().ping(b.att.pod!, v6A)).toBe(true);
    expect(node().ping(a.att.pod!, 'fd00:250:1::1')).toBe(true);
    expect(node().ping(b.att.pod!, podIp(a.run.json))).toBe(true);
  });

  test('the first pod of a new bridge is reachable over IPv6 through the node at once', () => {
    // Forwarded IPv6 needs the node to solicit the pod's MAC, which the kernel does not do while
    // the bridge's own link-local address is still tentative (DAD).
    const out = addOutside(node(), []);
    node().ipIn(node().name, ['addr', 'add', 'fd00:253:1::1/64', 'dev', 'twup0', 'nodad']);
    node().ipIn(out.ns, ['addr', 'add', 'fd00:253:1::2/64', 'dev', 'up0', 'nodad']);
    node().ipIn(out.ns, ['-6', 'route', 'add', 'fd00:250:1::/64', 'via', 'fd00:253:1::1']);
    const { run } = node().add(netConf(node(), { subnet6: 'fd00:250:1::/64', extra: { isDefaultGateway: true } }));
    expect(run.code).toBe(0);
    expect(node().ping(out.ns, podIp(run.json, 6), 1)).toBe(true);
  });

  test('IPv6-only pods ping each other and the gateway', () => {
    const conf = netConf(node(), { subnet: null, subnet6: 'fd00:250:2::/64' });
    const a = node().add(conf);
    const b = node().add(conf);
    expect([a.run.code, b.run.code]).toEqual([0, 0]);
    expect(a.run.json.ips).toEqual([{ address: 'fd00:250:2::2/64', gateway: 'fd00:250:2::1', interface: 2 }]);
    expect(node().ping(a.att.pod!, podIp(b.run.json, 6))).toBe(true);
    expect(node().ping(b.att.pod!, 'fd00:250:2::1')).toBe(true);
    // Without an IPv4 address to derive it from, each pod still gets its own MAC.
    expect(a.run.json.interfaces[2].mac).not.toBe(b.run.json.interfaces[2].mac);
  });

  test('portIsolation: pods reach the gateway but not each other', () => {
    const conf = netConf(node(), { extra: { portIsolation: true } });
    const a = node().add(conf);
    const b = node().add(conf);
    expect([a.run.code, b.run.code]).toEqual([0, 0]);
    expect(node().ping(a.att.pod!, '10.250.1.1')).toBe(true);
    expect(node().ping(b.att.pod!, '10.250.1.1')).toBe(true);
    expect(node().ping(a.att.pod!, podIp(b.run.json), 1)).toBe(false);
  });

  test('two networks on one node: each pod reaches its own gateway, never the other network', () => {
    // isDefaultGateway gives each pod a route to the other subnet through the node, so only the
    // node's forward rule can stop the traffic (without a route the ping would fail trivially).
    const confA = netConf(node(), { name: 'twt-a', bridge: 'twbra', subnet: '10.250.1.0/24', extra: { isDefaultGateway: true } });
    const confB = netConf(node(), { name: 'twt-b', bridge: 'twbrb', subnet: '10.250.2.0/24', extra: { isDefaultGateway: true } });
    const a = node().add(confA);
    const b = node().add(confB);
    expect([a.run.code, b.run.code]).toEqual([0, 0]);
    expect(node().ping(a.att.pod!, '10.250.1.1')).toBe(true);
    expect(node().ping(b.att.pod!, '10.250.2.1')).toBe(true);
    expect(node().ping(a.att.pod!, podIp(b.run.json), 1)).toBe(false);
    expect(node().ping(b.att.pod!, podIp(a.run.json), 1)).toBe(false);
    // Both pods still reach each other's gateway address: it is the node itself, not the other network.
    expect(node().ping(a.att.pod!, '10.250.2.1')).toBe(true);
  });
});
