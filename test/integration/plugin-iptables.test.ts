// The iptables fallback: on a node without nft the plugin gives the same NAT, port publishing
// and isolation through iptables (nft backend of iptables here, as on Debian), in its own
// TWILL-* chains. The plugin is given a PATH without nft, as on such a node.
import { mkdtempSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describeRoot } from '../helpers/netns';
import { addOutside, hostVethOf, netConf, podIp, useNode, type Json } from './plugin-support';
import { requireTools } from '../helpers/os-packages';

const TOOLS = ['ip', 'nsenter', 'conntrack', 'iptables-save', 'iptables-restore', 'ip6tables-save', 'ip6tables-restore'];
const PORT = 18081;

describeRoot('twill plugin on a node without nft (iptables)', () => {
  const node = useNode();
  let bin: string;
  let env: Record<string, string>;

  beforeAll(() => {
    requireTools([...TOOLS, 'iptables', 'nft', 'ping', 'socat', 'ss']);
    bin = mkdtempSync(join(tmpdir(), 'twill-no-nft-'));
    for (const t of TOOLS) symlinkSync(`/usr/sbin/${t}`, join(bin, t));
    env = { PATH: `${bin}:/usr/bin:/bin` };
  });
  afterAll(() => rmSync(bin, { recursive: true, force: true }));

  const conf = (extra: Json = {}, runtimeConfig?: Json) =>
    netConf(node(), { extra: { ipMasq: true, isDefaultGateway: true, ...extra }, runtimeConfig });
  const save = (table: string) => node().exec(node().name, ['iptables-save', '-t', table]);
  const dnatRules = () => save('nat').split('\n').filter((l) => l.startsWith('-A TWILL-HOSTPORTS'));

  test('masquerades, publishes a port (outside, localhost, hairpin), CHECK and DEL, all without nft', async () => {
    const out = addOutside(node(), ['10.250.1.0/24']);
    const published = conf({}, { portMappings: [{ hostPort: PORT, containerPort: 80, protocol: 'tcp' }] });
    const a = node().add(published, { env });
    const b = node().add(conf(), { env });
    expect([a.run.code, b.run.code]).toEqual([0, 0]);
    expect(node().exec(node().name, ['nft', 'list', 'tables'])).not.toMatch(/twill/);
    expect(save('nat')).toMatch(/-A TWILL-POSTROUTING -s 10\.250\.1\.0\/24 ! -o twbr0 .*-j MASQUERADE/);
    expect(dnatRules()).toHaveLength(1);
    expect(dnatRules()[0]).toContain(hostVethOf(a.run.json));

    await node().tcpServer(out.ns, 9000, 'echo $SOCAT_PEERADDR');
    expect(node().tcpRequest(b.att.pod!, out.ip, 9000)).toBe(out.nodeIp);
    await node().tcpServer(a.att.pod!, 80, 'echo hello');
    expect(node().tcpRequest(out.ns, out.nodeIp, PORT)).toBe('hello');
    expect(node().tcpRequest(node().name, '127.0.0.1', PORT)).toBe('hello');
    expect(node().tcpRequest(b.att.pod!, '10.250.1.1', PORT)).toBe('hello');

    const check = () => node().run('CHECK', { ...published, prevResult: a.run.json }, { ...a.att, netns: `/run/netns/${a.att.pod}`, env });
    expect(check().code).toBe(0);
    node().exec(node().name, ['iptables', '-t', 'nat', '-D', ...dnatRules()[0].slice(3).match(/"[^"]*"|\S+/g)!.map((w) => w.replace(/"/g, ''))]);
    expect(check().json).toMatchObject({ code: 103, msg: `port mapping tcp/${PORT} → 80 missing (iptables chain TWILL-HOSTPORTS, IPv4)` });

    // Republished by a new ADD of the same pod after DEL; then DEL takes it away again.
    expect(node().del(published, a.att, { env }).code).toBe(0);
    const again = node().add(published, { env });
    expect(again.run.code).toBe(0);
    expect(dnatRules()).toHaveLength(1);
    expect(node().del(published, again.att, { env }).code).toBe(0);
    expect(dnatRules()).toEqual([]);
    expect(podIp(b.run.json)).toMatch(/^10\.250\.1\./);
  });

  test('a host port published twice fails with 104 and leaves nothing of the second pod', () => {
    const published = conf({}, { portMappings: [{ hostPort: PORT, containerPort: 80 }] });
    expect(node().add(published, { env }).run.code).toBe(0);
    const second = node().add(published, { env });
    expect(second.run.json).toMatchObject({ code: 104 });
    expect(dnatRules()).toHaveLength(1);
    expect(node().hostVeths()).toHaveLength(1);
  });

  test('two networks stay isolated', () => {
    // Both pods route everything through the node, so only TWILL-ISOLATE can stop the ping.
    const one = node().add(conf(), { env });
    const two = node().add(netConf(node(), { name: 'twt-two', bridge: 'twbr1', subnet: '10.250.2.0/24', extra: { ipMasq: true, isDefaultGateway: true } }), { env });
    expect([one.run.code, two.run.code]).toEqual([0, 0]);
    expect(node().ping(one.att.pod!, '10.250.1.1')).toBe(true);
    expect(node().ping(one.att.pod!, podIp(two.run.json), 1)).toBe(false);
    // The same pair with the isolation rule removed does reach: the test can fail.
    node().exec(node().name, ['iptables', '-F', 'TWILL-ISOLATE']);
    expect(node().ping(one.att.pod!, podIp(two.run.json))).toBe(true);
  });

  test('GC removes the DNAT rules of attachments no longer listed', () => {
    const published = (port: number) => conf({}, { portMappings: [{ hostPort: port, containerPort: 80 }] });
    const keep = node().add(published(PORT), { env });
    const gone = node().add(published(PORT + 1), { env });
    expect([keep.run.code, gone.run.code]).toEqual([0, 0]);
    const gc = node().run('GC', { ...conf(), 'cni.dev/valid-attachments': [{ containerID: keep.att.containerId, ifname: 'eth0' }] }, { env });
    expect(gc.code).toBe(0);
    expect(dnatRules()).toHaveLength(1);
    expect(dnatRules()[0]).toContain(`--dport ${PORT} `);
  });
});
