// Outbound NAT: with ipMasq a pod's traffic leaves the node from the node's own address; without
// it the pod's address shows. The "outside" is a namespace on its own veth link to the node.
import { describeRoot } from '../helpers/netns';
import { addOutside, netConf, podIp, useNode } from './plugin-support';
import { requireTools } from '../helpers/os-packages';

const PORT = 9000;
// socat sets SOCAT_PEERADDR for the command it runs: the outside replies with who it sees.
const WHO_AM_I = 'echo $SOCAT_PEERADDR';

describeRoot('twill plugin: outbound NAT (ipMasq)', () => {
  beforeAll(() => requireTools(['ip', 'nft', 'conntrack', 'socat', 'ss']));
  const node = useNode();

  test.each([
    { ipMasq: true, seen: 'the node' },
    { ipMasq: false, seen: 'the pod' },
  ])('ipMasq $ipMasq: the outside sees $seen as the source', async ({ ipMasq }) => {
    const out = addOutside(node(), ['10.250.1.0/24']);
    await node().tcpServer(out.ns, PORT, WHO_AM_I);
    const { run, att } = node().add(netConf(node(), { extra: { ipMasq, isDefaultGateway: true } }));
    expect(run.code).toBe(0);
    const seen = node().tcpRequest(att.pod!, out.ip, PORT);
    expect(seen).toBe(ipMasq ? out.nodeIp : podIp(run.json));
    // The node's own conntrack shows the translation: the reply comes back to the node address.
    const ct = node().exec(node().name, ['conntrack', '-L', '-p', 'tcp', '-d', out.ip]);
    expect(ct).toContain(`src=${podIp(run.json)}`);
    if (ipMasq) expect(ct).toContain(`dst=${out.nodeIp}`);
    else expect(ct).not.toContain(`dst=${out.nodeIp}`);
    // Pod-to-pod and pod-to-node traffic is never masqueraded.
    await node().tcpServer(node().name, PORT, WHO_AM_I);
    expect(node().tcpRequest(att.pod!, '10.250.1.1', PORT)).toBe(podIp(run.json));
  });

  test('ipMasq on a dual-stack network masquerades both families', async () => {
    const out = addOutside(node(), ['10.250.1.0/24']);
    node().ipIn(node().name, ['addr', 'add', 'fd00:253:1::1/64', 'dev', 'twup0', 'nodad']);
    node().ipIn(out.ns, ['addr', 'add', 'fd00:253:1::2/64', 'dev', 'up0', 'nodad']);
    await node().tcpServer(out.ns, PORT, WHO_AM_I);
    await node().tcpServer(out.ns, PORT, WHO_AM_I, 6);
    const { run, att } = node().add(netConf(node(), { subnet6: 'fd00:250:1::/64', extra: { ipMasq: true, isDefaultGateway: true } }));
    expect(run.code).toBe(0);
    expect(node().tcpRequest(att.pod!, out.ip, PORT)).toBe(out.nodeIp);
    // socat prints IPv6 peers in brackets, every group in full.
    expect(node().tcpRequest(att.pod!, 'fd00:253:1::2', PORT)).toBe('[fd00:0253:0001:0000:0000:0000:0000:0001]');
  });

  test('ipMasq leaves destinations in nomasq4/nomasq6 alone (the cluster CIDRs the agent fills)', async () => {
    const out = addOutside(node(), ['10.250.1.0/24']);
    node().ipIn(node().name, ['addr', 'add', 'fd00:253:1::1/64', 'dev', 'twup0', 'nodad']);
    node().ipIn(out.ns, ['addr', 'add', 'fd00:253:1::2/64', 'dev', 'up0', 'nodad']);
    node().ipIn(out.ns, ['route', 'add', 'fd00:250:1::/64', 'via', 'fd00:253:1::1']);
    await node().tcpServer(out.ns, PORT, WHO_AM_I);
    await node().tcpServer(out.ns, PORT, WHO_AM_I, 6);
    const { run, att } = node().add(netConf(node(), { subnet6: 'fd00:250:1::/64', extra: { ipMasq: true, isDefaultGateway: true } }));
    expect(run.code).toBe(0);
    node().exec(node().name, ['nft', 'add element inet twill nomasq4 { 10.253.0.0/16 }; add element inet twill nomasq6 { fd00:253::/32 }']);
    expect(node().tcpRequest(att.pod!, out.ip, PORT)).toBe(podIp(run.json));
    // The outside's first answer waits for neighbour discovery of the node's address: settle it first.
    expect(node().ping(att.pod!, 'fd00:253:1::2')).toBe(true);
    expect(node().tcpRequest(att.pod!, 'fd00:253:1::2', PORT)).toBe('[fd00:0250:0001:0000:0000:0000:0000:0002]');
  });
});
