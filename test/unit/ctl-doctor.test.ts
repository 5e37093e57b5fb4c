import { runChecks, type DoctorFacts } from '../../cni/ctl/doctor-checks';
import { parseConfFile } from '../../cni/ctl/read/conflists';

const conf = (file: string, doc: object) => parseConfFile(file, JSON.stringify(doc));
const ours = conf('/etc/cni/net.d/10-pods.conflist', { cniVersion: '1.0.0', cniVersions: ['1.0.0', '1.1.0'], name: 'pods', plugins: [{ type: 'twill', bridge: 'tw0', mtu: 1450, ipam: { ranges: [[{ subnet: '10.244.1.0/24' }]] } }] });

function facts(o: Partial<DoctorFacts> = {}): DoctorFacts {
  return {
    ipForward: '1', brNetfilter: '1', version: '0.1.0',
    binaries: ['twill', 'twill-ipam', 'twillctl'].map((name) => ({ name, path: `/opt/cni/bin/${name}`, version: '0.1.0' })),
    runtimes: ['twill-bun-1.4.5'], files: [ours],
    networks: [{ conf: ours, bridgeAddresses: ['10.244.1.1/24'], vethMtus: [{ name: 'tw000000000001', mtu: 1450 }], overlay: { device: 'twill.1', deviceMtu: 1450, underlayMtu: 1500, underlayFamily: 4, offload: false } }],
    firewall: { backend: 'nftables', table: true, chains: 4, bridges: ['tw0'] },
    ...o,
  };
}
const failing = (f: DoctorFacts) => runChecks(f).filter((c) => !c.ok).map((c) => ({ id: c.id, fix: c.fix }));

describe('twillctl doctor checks', () => {
  test('a healthy node passes every check', () => {
    expect(failing(facts())).toEqual([]);
  });

  test('forwarding and br_netfilter', () => {
    expect(failing(facts({ ipForward: '0', brNetfilter: undefined }))).toEqual([
      { id: 'ip_forward', fix: 'sysctl -w net.ipv4.ip_forward=1 (twilld sets it while it runs)' },
      { id: 'br_netfilter', fix: 'modprobe br_netfilter && sysctl -w net.bridge.bridge-nf-call-iptables=1' },
    ]);
  });

  test('a missing binary, another version, no runtime', () => {
    const f = facts({ runtimes: [] });
    f.binaries[0].version = null;
    f.binaries[1].version = '0.0.9';
    expect(failing(f).map((c) => c.id)).toEqual(['binary twill', 'binary twill-ipam', 'runtime']);
  });

  test('MTU: VXLAN device above underlay − 50, pods above the device, pods made with another MTU', () => {
    const f = facts();
    f.networks[0].overlay!.underlayMtu = 1400;
    expect(runChecks(f).find((c) => c.id === 'mtu pods')!.detail).toBe('twill.1 MTU 1450 > underlay 1400 − VXLAN overhead = 1350');
    const g = facts();
    g.networks[0].overlay!.underlayFamily = 6;
    expect(runChecks(g).find((c) => c.id === 'mtu pods')!.detail).toContain('= 1430');
    const h = facts();
    h.networks[0].vethMtus.push({ name: 'tw000000000002', mtu: 1500 });
    expect(runChecks(h).find((c) => c.id === 'mtu pods')!.detail).toBe("pod veths tw000000000002 (1500) differ from the conflist's mtu 1450");
  });

  test('checksum offload on the VXLAN device', () => {
    const f = facts();
    f.networks[0].overlay!.offload = true;
    expect(failing(f)).toEqual([{ id: 'offload twill.1', fix: 'ethtool -K twill.1 tx-checksum-ip-generic off (twilld: checksumOffloadWorkaround: true)' }]);
  });

  test('a stale bridge address, a flushed table, a bridge missing from the set', () => {
    const f = facts();
    f.networks[0].bridgeAddresses!.push('10.9.0.1/24');
    expect(failing(f)).toEqual([{ id: 'bridge tw0', fix: 'ip addr del 10.9.0.1/24 dev tw0' }]);
    expect(failing(facts({ firewall: { backend: 'nftables', table: false, chains: 0, bridges: [] } })).map((c) => c.id)).toEqual(['rules']);
    expect(failing(facts({ firewall: { backend: 'nftables', table: true, chains: 4, bridges: [] } })).map((c) => c.id)).toEqual(['rules']);
    expect(failing(facts({ firewall: { backend: 'none' } }))).toEqual([]);
  });

  // What cni/plugin/iptables-rules.ts puts in place for network pods on bridge tw0 (IPv4 only here).
  const IPTABLES = {
    family: 4 as const,
    nat: [
      '-A PREROUTING -m addrtype --dst-type LOCAL -j TWILL-HOSTPORTS',
      '-A OUTPUT -m addrtype --dst-type LOCAL -j TWILL-HOSTPORTS',
      '-A POSTROUTING -j TWILL-POSTROUTING',
      '-A TWILL-POSTROUTING -s 127.0.0.0/8 -m conntrack --ctstate DNAT -j MASQUERADE',
      '-A TWILL-POSTROUTING -s 10.244.1.0/24 -o tw0 -m comment --comment "twill net tw0 pods" -m conntrack --ctstate DNAT -j MASQUERADE',
    ],
    filter: [
      '-A FORWARD -j TWILL-FORWARD',
      '-A TWILL-FORWARD -i tw0 ! -o tw0 -m comment --comment "twill net tw0 pods" -j TWILL-ISOLATE',
      '-A TWILL-ISOLATE -o tw0 -m comment --comment "twill net tw0 pods" -j DROP',
    ],
  };

  test('rules on the iptables backend: the jumps into TWILL-* and the network\'s own rules, per table', () => {
    expect(failing(facts({ firewall: { backend: 'iptables', families: [IPTABLES] } }))).toEqual([]);
    const flushed = { ...IPTABLES, nat: [], filter: [] }; // iptables -t nat -F; iptables -F
    const check = runChecks(facts({ firewall: { backend: 'iptables', families: [flushed] } })).find((c) => c.id === 'rules')!;
    expect(check.ok).toBe(false);
    expect(check.detail).toContain('IPv4 nat: -A POSTROUTING -j TWILL-POSTROUTING');
    expect(check.detail).toContain('IPv4 filter: rules of pods (comment "twill net tw0 pods")');
    expect(check.fix).toContain('iptables-restore without --noflush');
    const noJump = { ...IPTABLES, filter: IPTABLES.filter.slice(1) };
    expect(runChecks(facts({ firewall: { backend: 'iptables', families: [noJump] } })).find((c) => c.id === 'rules')!.detail).toBe(
      'iptables rules missing: IPv4 filter: -A FORWARD -j TWILL-FORWARD: no NAT, no published ports, no isolation',
    );
    // a dual-stack network on a node without ip6tables-save
    const dual = conf('/etc/cni/net.d/10-pods.conflist', { cniVersion: '1.0.0', cniVersions: ['1.1.0'], name: 'pods', plugins: [{ type: 'twill', bridge: 'tw0', ipam: { ranges: [[{ subnet: '10.244.1.0/24' }], [{ subnet: 'fd00:244:1::/64' }]] } }] });
    const f = facts({ files: [dual], networks: [{ conf: dual, bridgeAddresses: ['10.244.1.1/24'], vethMtus: [] }], firewall: { backend: 'iptables', families: [IPTABLES] } });
    expect(runChecks(f).find((c) => c.id === 'rules')!.detail).toContain('IPv6: ip6tables-save not available');
  });

  test('a conflist too old for STATUS/GC; a config that sorts first or repeats our network', () => {
    const old = conf('/etc/cni/net.d/10-pods.conflist', { cniVersion: '0.4.0', name: 'pods', plugins: [{ type: 'twill', ipam: {} }] });
    expect(failing(facts({ files: [old], networks: [{ conf: old, bridgeAddresses: null, vethMtus: [] }] }))).toEqual([
      { id: 'conflist pods', fix: 'add "cniVersions": ["1.0.0", "1.1.0"] (twilld writes it so)' },
    ]);
    const flannel = conf('/etc/cni/net.d/05-flannel.conflist', { cniVersion: '0.3.1', name: 'cbr0', plugins: [{ type: 'flannel' }] });
    expect(failing(facts({ files: [flannel, ours] }))).toEqual([{ id: 'shadow pods', fix: 'remove or rename /etc/cni/net.d/05-flannel.conflist (a runtime takes the lexically first config)' }]);
    const twin = conf('/etc/cni/net.d/99-pods.conf', { cniVersion: '0.3.1', name: 'pods', type: 'bridge' });
    expect(failing(facts({ files: [ours, twin] }))).toEqual([{ id: 'shadow pods', fix: 'remove /etc/cni/net.d/99-pods.conf' }]);
  });
});
