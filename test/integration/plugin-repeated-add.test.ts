// Runtimes repeat an ADD (after a timeout, after a crash). The spec says an ADD for an interface
// that already exists in the container fails; what matters most is that the failure, and its
// rollback, touch nothing the first ADD built: its interface, addresses and published ports stay.
import { mkdtempSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execPlugin } from '../helpers/exec-plugin';
import { describeRoot } from '../helpers/netns';
import { netConf, podIp, useNode, type Json } from './plugin-support';

const PORT = 18480;
const UDP_PORT = 15480;
const IPTABLES_TOOLS = ['ip', 'nsenter', 'conntrack', 'iptables-save', 'iptables-restore', 'ip6tables-save', 'ip6tables-restore'];

describeRoot('twill plugin: a repeated ADD of one attachment', () => {
  const node = useNode({ udpPorts: [UDP_PORT] });
  let noNft: string;

  beforeAll(() => {
    noNft = mkdtempSync(join(tmpdir(), 'twill-no-nft-'));
    for (const t of IPTABLES_TOOLS) symlinkSync(`/usr/sbin/${t}`, join(noNft, t));
  });
  afterAll(() => rmSync(noNft, { recursive: true, force: true }));

  const published = (): Json =>
    netConf(node(), {
      subnet6: 'fd00:250:1::/64',
      extra: { isDefaultGateway: true, ipMasq: true },
      runtimeConfig: { portMappings: [{ hostPort: PORT, containerPort: 80 }, { hostPort: UDP_PORT, containerPort: 53, protocol: 'udp' }] },
    });

  /** Everything the first ADD built that a runtime (or its users) can observe. */
  function built(att: { pod?: string }): Json {
    const n = node();
    return { veths: n.hostVeths(), pod: n.addrs('eth0', att.pod), maps: n.portMappings(), ipam: n.reservations('twt-net'), nat: n.tryExec(n.name, ['iptables-save', '-t', 'nat']).stdout.split('\n').filter((l) => l.startsWith('-A TWILL-HOSTPORTS')) };
  }

  test.each(['nftables', 'iptables'])('%s: the second ADD fails with code 4 and leaves the first one working', async (kind) => {
    const env = kind === 'iptables' ? { PATH: `${noNft}:/usr/bin:/bin` } : undefined;
    const conf = published();
    const first = node().add(conf, { env });
    expect(first.run.code).toBe(0);
    const before = built(first.att);
    const again = node().run('ADD', conf, { ...first.att, env });
    expect(again.json).toMatchObject({ code: 4, msg: `CNI_IFNAME: eth0 already exists in /run/netns/${first.att.pod} (an earlier ADD of this container made it; DEL it first)` });
    expect(built(first.att)).toEqual(before);
    await node().tcpServer(first.att.pod!, 80, 'echo still-here');
    expect(node().tcpRequest(node().name, '127.0.0.1', PORT)).toBe('still-here');
    expect(node().ping(first.att.pod!, '10.250.1.1')).toBe(true);
    // The runtime's DEL after the failed ADD then releases everything (useNode checks nothing leaked).
    expect(node().del(conf, first.att, { env }).code).toBe(0);
  });

  test('an ADD after the pod namespace vanished without a DEL republishes its own ports (no 104)', async () => {
    const conf = published();
    const first = node().add(conf);
    expect(first.run.code).toBe(0);
    const veth = first.run.json.interfaces[1].name;
    await node().removePod(first.att.pod!, veth);
    // Same attachment, a new namespace: its old ports are its own, not another pod's.
    const pod = node().pod();
    const second = node().run('ADD', conf, { containerId: first.att.containerId, ifname: 'eth0', pod });
    expect(second.code).toBe(0);
    expect(podIp(second.json)).toBe(podIp(first.run.json));
    expect(node().portMappings().map((e) => e.comment)).toEqual(Array(4).fill(`${veth} twt-net`));
    await node().tcpServer(pod, 80, 'echo again');
    expect(node().tcpRequest(node().name, '127.0.0.1', PORT)).toBe('again');
    node().attachments.push({ pod, containerId: first.att.containerId, ifname: 'eth0', conf });
  });

  test('a failing ADD does not release addresses the attachment already held before it', () => {
    const conf = published();
    const blocker = node().add(netConf(node(), { subnet6: 'fd00:250:1::/64', runtimeConfig: { portMappings: [{ hostPort: PORT, containerPort: 80 }] } }));
    expect(blocker.run.code).toBe(0);
    // An earlier ADD of this attachment reserved its addresses, then died before building anything.
    const pod = node().pod();
    const ipamOnly = execPlugin({ ...node().call('ADD', conf, { containerId: 'crashed', ifname: 'eth0', pod }), plugin: 'twill-ipam' });
    expect(ipamOnly.code).toBe(0);
    const held = node().reservations('twt-net');
    // Retried, it fails on the port another pod holds: its earlier reservation is not this call's to release.
    const retry = node().run('ADD', conf, { containerId: 'crashed', ifname: 'eth0', pod });
    expect(retry.json).toMatchObject({ code: 104 });
    expect(node().reservations('twt-net')).toEqual(held);
    node().attachments.push({ pod, containerId: 'crashed', ifname: 'eth0', conf });
  });
});
