// One host port and protocol is published once per node address: a wildcard publication
// (every address) and one on a single address overlap, in either order, and the second is
// refused with 104, as the README promises, instead of silently taking the first one's traffic.
// Two different single addresses, or two families, do not overlap.
import { mkdtempSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describeRoot } from '../helpers/netns';
import { addOutside, netConf, useNode, type Json } from './plugin-support';

const PORT = 18181;
const IPTABLES_TOOLS = ['ip', 'nsenter', 'conntrack', 'iptables-save', 'iptables-restore', 'ip6tables-save', 'ip6tables-restore'];

describeRoot('twill plugin: overlapping port publications', () => {
  const node = useNode();
  let noNft: string;

  beforeAll(() => {
    noNft = mkdtempSync(join(tmpdir(), 'twill-no-nft-'));
    for (const t of IPTABLES_TOOLS) symlinkSync(`/usr/sbin/${t}`, join(noNft, t));
  });
  afterAll(() => rmSync(noNft, { recursive: true, force: true }));

  const published = (mapping: Json): Json =>
    netConf(node(), { subnet6: 'fd00:250:1::/64', extra: { isDefaultGateway: true }, runtimeConfig: { portMappings: [{ hostPort: PORT, containerPort: 80, ...mapping }] } });

  const BACKENDS = ['nftables', 'iptables'] as const;
  const envOf = (kind: (typeof BACKENDS)[number]) => (kind === 'iptables' ? { PATH: `${noNft}:/usr/bin:/bin` } : undefined);

  describe.each(BACKENDS)('%s', (kind) => {
    test.each([
      ['every address, then one address', {}, 'NODE'],
      ['one address, then every address', 'NODE', {}],
      ['every address, then localhost', {}, '127.0.0.1'],
      ['0.0.0.0, then one address', '0.0.0.0', 'NODE'],
    ] as const)('%s: the second is refused with 104 and the first keeps its traffic', async (_name, firstIp, secondIp) => {
      const env = envOf(kind);
      const out = addOutside(node(), ['10.250.1.0/24']);
      const mapping = (ip: string | object) => (typeof ip === 'string' ? { hostIP: ip === 'NODE' ? out.nodeIp : ip } : {});
      const first = node().add(published(mapping(firstIp)), { env });
      expect(first.run.code).toBe(0);
      await node().tcpServer(first.att.pod!, 80, 'echo first');
      const second = node().add(published(mapping(secondIp)), { env });
      expect(second.run.json).toMatchObject({ code: 104 });
      expect(second.run.json.msg).toContain(`${PORT}/tcp`);
      expect(node().links(second.att.pod).map((l) => l.ifname)).toEqual(['lo']);
      expect(node().hostVeths()).toEqual([first.run.json.interfaces[1].name]);
      expect(node().tcpRequest(out.ns, out.nodeIp, PORT)).toBe('first');
    });

    test('two single addresses, or the other protocol, do not overlap', () => {
      const env = envOf(kind);
      const out = addOutside(node(), ['10.250.1.0/24']);
      const a = node().add(published({ hostIP: out.nodeIp }), { env });
      const b = node().add(published({ hostIP: '127.0.0.1' }), { env });
      const c = node().add(published({ protocol: 'udp' }), { env });
      expect([a.run.code, b.run.code, c.run.code]).toEqual([0, 0, 0]);
    });

    test('an IPv6 address and an IPv4 wildcard do not overlap; an IPv6 wildcard does', () => {
      const env = envOf(kind);
      addOutside(node(), ['10.250.1.0/24']);
      node().ipIn(node().name, ['addr', 'add', 'fd00:253:1::1/64', 'dev', 'twup0', 'nodad']);
      const v6 = node().add(published({ hostIP: 'fd00:253:1::1' }), { env });
      expect(v6.run.code).toBe(0);
      // A wildcard publishes in both families of a dual-stack pod: its IPv6 part overlaps.
      const wildcard = node().add(published({}), { env });
      expect(wildcard.run.json).toMatchObject({ code: 104 });
      const v4only = node().add(netConf(node(), { name: 'twt-v4', bridge: 'twbr4', subnet: '10.250.4.0/24', runtimeConfig: { portMappings: [{ hostPort: PORT, containerPort: 80 }] } }), { env });
      expect(v4only.run.code).toBe(0);
    });
  });
});
