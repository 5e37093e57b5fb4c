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
    nft: { table: true, chains: 4, bridges: ['tw0'] },
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
    expect(failing(facts({ nft: { table: false, chains: 0, bridges: [] } })).map((c) => c.id)).toEqual(['rules']);
    expect(failing(facts({ nft: { table: true, chains: 4, bridges: [] } })).map((c) => c.id)).toEqual(['rules']);
    expect(failing(facts({ nft: undefined }))).toEqual([]);
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
