// Port publishing (runtimeConfig.portMappings): a pod's port is reachable through the node from
// outside, from the node itself (localhost) and from other pods (hairpin through the gateway);
// UDP too; a host port is published once; hostIP restricts a mapping to one node address.
import { describeRoot } from '../helpers/netns';
import { addOutside, hostVethOf, netConf, podIp, useNode, type Json } from './plugin-support';
import { requireTools } from '../helpers/os-packages';

const TCP_PORT = 18080;
const UDP_PORT = 15353;

describeRoot('twill plugin: port mappings', () => {
  beforeAll(() => requireTools(['ip', 'nft', 'conntrack', 'socat', 'ss']));
  const node = useNode({ udpPorts: [UDP_PORT] });

  function published(mappings: Json[], extra: Json = {}, subnet6?: string): Json {
    return netConf(node(), { subnet6, extra: { isDefaultGateway: true, ...extra }, runtimeConfig: { portMappings: mappings } });
  }

  test('TCP: reachable from outside, from the node via localhost and from another pod via the gateway', async () => {
    const out = addOutside(node(), ['10.250.1.0/24']);
    const conf = published([{ hostPort: TCP_PORT, containerPort: 80, protocol: 'tcp' }]);
    const a = node().add(conf);
    const b = node().add(netConf(node(), { extra: { isDefaultGateway: true } }));
    expect([a.run.code, b.run.code]).toEqual([0, 0]);
    await node().tcpServer(a.att.pod!, 80, 'echo hello');
    expect(node().tcpRequest(out.ns, out.nodeIp, TCP_PORT)).toBe('hello');
    expect(node().tcpRequest(node().name, '127.0.0.1', TCP_PORT)).toBe('hello');
    expect(node().tcpRequest(node().name, out.nodeIp, TCP_PORT)).toBe('hello');
    expect(node().tcpRequest(b.att.pod!, '10.250.1.1', TCP_PORT)).toBe('hello');
    expect(node().portMappings()).toEqual([
      { set: 'hostports4', key: `tcp . ${TCP_PORT}`, comment: `${hostVethOf(a.run.json)} twt-net` },
    ]);
    // DEL takes the mapping away with the pod.
    expect(node().del(conf, a.att).code).toBe(0);
    expect(node().portMappings()).toEqual([]);
    expect(node().tcpRequest(out.ns, out.nodeIp, TCP_PORT)).toBeUndefined();
  });

  test('a pod reaches its own published port through the gateway when hairpinMode is on', async () => {
    const { run, att } = node().add(published([{ hostPort: TCP_PORT, containerPort: 80 }], { hairpinMode: true }));
    expect(run.code).toBe(0);
    await node().tcpServer(att.pod!, 80, 'echo $SOCAT_PEERADDR');
    // Masqueraded to the gateway, so the reply goes back through the node.
    expect(node().tcpRequest(att.pod!, '10.250.1.1', TCP_PORT)).toBe('10.250.1.1');
  });

  test('UDP: answered from outside and via localhost; DEL flushes the UDP conntrack entries', async () => {
    const out = addOutside(node(), ['10.250.1.0/24']);
    const conf = published([{ hostPort: UDP_PORT, containerPort: 53, protocol: 'udp' }]);
    const { run, att } = node().add(conf);
    expect(run.code).toBe(0);
    await node().udpServer(att.pod!, 53, 'echo pong');
    expect(node().udpRequest(out.ns, out.nodeIp, UDP_PORT)).toBe('pong');
    expect(node().udpRequest(node().name, '127.0.0.1', UDP_PORT)).toBe('pong');
    expect(node().conntrack('udp', UDP_PORT).length).toBeGreaterThan(0);
    expect(node().del(conf, att).code).toBe(0);
    expect(node().conntrack('udp', UDP_PORT)).toEqual([]);
  });

  test('UDP: ADD flushes a conntrack entry left by traffic from before the port was published', async () => {
    const out = addOutside(node(), ['10.250.1.0/24']);
    // The network already has a pod, so its rules (and the node's connection tracking) are live.
    expect(node().add(netConf(node())).run.code).toBe(0);
    // A client keeps one source port (as DNS resolvers and game clients do): its first datagram,
    // before any pod publishes the port, leaves an unreplied entry that would pin later ones.
    const send = () =>
      node().tryExec(out.ns, ['timeout', '4', 'socat', '-t0.5', '-T2', '-', `UDP4:${out.nodeIp}:${UDP_PORT},sourceport=40404,reuseaddr`], { input: 'ping\n', timeoutMs: 6000 }).stdout.trim();
    expect(send()).toBe('');
    expect(node().conntrack('udp', UDP_PORT).length).toBeGreaterThan(0);
    const conf = published([{ hostPort: UDP_PORT, containerPort: 53, protocol: 'udp' }]);
    const { run, att } = node().add(conf);
    expect(run.code).toBe(0);
    expect(node().conntrack('udp', UDP_PORT)).toEqual([]);
    await node().udpServer(att.pod!, 53, 'echo pong');
    expect(send()).toBe('pong');
  });

  test('dual-stack: the mapping answers on the node IPv6 address too', async () => {
    const out = addOutside(node(), ['10.250.1.0/24']);
    node().ipIn(node().name, ['addr', 'add', 'fd00:253:1::1/64', 'dev', 'twup0', 'nodad']);
    node().ipIn(out.ns, ['addr', 'add', 'fd00:253:1::2/64', 'dev', 'up0', 'nodad']);
    node().ipIn(out.ns, ['-6', 'route', 'add', 'fd00:250:1::/64', 'via', 'fd00:253:1::1']);
    const { run, att } = node().add(published([{ hostPort: TCP_PORT, containerPort: 80 }], {}, 'fd00:250:1::/64'));
    expect(run.code).toBe(0);
    await node().tcpServer(att.pod!, 80, 'echo hello');
    await node().tcpServer(att.pod!, 80, 'echo hello6', 6);
    expect(node().tcpRequest(out.ns, out.nodeIp, TCP_PORT)).toBe('hello');
    expect(node().tcpRequest(out.ns, 'fd00:253:1::1', TCP_PORT)).toBe('hello6');
    expect(node().portMappings().map((e) => e.set).sort()).toEqual(['hostports4', 'hostports6']);
  });

  test('a second pod asking for the same host port fails with 104 and leaves nothing behind', async () => {
    const mapping = [{ hostPort: TCP_PORT, containerPort: 80, protocol: 'tcp' }];
    const first = node().add(published(mapping));
    expect(first.run.code).toBe(0);
    const before = { veths: node().hostVeths(), maps: node().portMappings(), ipam: node().reservations('twt-net') };
    const second = node().add(published(mapping));
    expect(second.run.code).not.toBe(0);
    expect(second.run.json).toMatchObject({ code: 104, msg: expect.stringContaining('runtimeConfig.portMappings') });
    expect(second.run.json.msg).toContain(`${TCP_PORT}/tcp`);
    expect({ veths: node().hostVeths(), maps: node().portMappings(), ipam: node().reservations('twt-net') }).toEqual(before);
    expect(node().links(second.att.pod).map((l) => l.ifname)).toEqual(['lo']);
    // The first pod's mapping still works.
    await node().tcpServer(first.att.pod!, 80, 'echo first');
    expect(node().tcpRequest(node().name, '127.0.0.1', TCP_PORT)).toBe('first');
  });

  test('hostIP restricts the mapping to that node address', async () => {
    const out = addOutside(node(), ['10.250.1.0/24']);
    const { run, att } = node().add(published([{ hostPort: TCP_PORT, containerPort: 80, hostIP: out.nodeIp }]));
    expect(run.code).toBe(0);
    await node().tcpServer(att.pod!, 80, 'echo hello');
    expect(node().tcpRequest(out.ns, out.nodeIp, TCP_PORT)).toBe('hello');
    expect(node().tcpRequest(node().name, '127.0.0.1', TCP_PORT)).toBeUndefined();
    expect(node().tcpRequest(node().name, '10.250.1.1', TCP_PORT)).toBeUndefined();
    expect(node().portMappings()).toEqual([expect.objectContaining({ set: 'hostports4ip', key: `${out.nodeIp} . tcp . ${TCP_PORT}` })]);
    // The same port on another address is a different mapping: a second pod may take it.
    const other = node().add(published([{ hostPort: TCP_PORT, containerPort: 80, hostIP: '127.0.0.1' }]));
    expect(other.run.code).toBe(0);
    await node().tcpServer(other.att.pod!, 80, 'echo other');
    expect(node().tcpRequest(node().name, '127.0.0.1', TCP_PORT)).toBe('other');
    expect(node().tcpRequest(out.ns, out.nodeIp, TCP_PORT)).toBe('hello');
    expect(podIp(other.run.json)).not.toBe(podIp(run.json));
  });

  test('a hostIP of a family the pod has no address in is refused, not silently dropped', () => {
    const { run } = node().add(published([{ hostPort: TCP_PORT, containerPort: 80, hostIP: 'fd00::1' }]));
    expect(run.json).toMatchObject({ code: 7, msg: 'runtimeConfig.portMappings[0].hostIP: fd00::1 is IPv6 but the pod has no IPv6 address' });
    expect(node().portMappings()).toEqual([]);
  });
});
