// The overlay's desired state (pure): per peer one route, one permanent neighbour and one FDB
// entry through the VXLAN device, or a plain route with direct routing; the device itself.
import { overlayConfig, vtepMac } from '../../daemonset/overlay/config';
import { deviceLines, planDevice } from '../../daemonset/overlay/device';
import { planPeers, type PeerPlanInput } from '../../daemonset/overlay/plan';
import { OverlaySetupError, overlayMtu, resolveUnderlay, type AddrLink } from '../../daemonset/overlay/underlay';
import type { ActualDevice, Peer, Underlay } from '../../daemonset/overlay/types';

const UNDERLAY: Underlay = { dev: 'eth0', address: '192.168.1.1', family: 4, mtu: 1500 };
const config = overlayConfig({ nodeName: 'n1', podCIDRs: ['10.244.1.0/24', 'fd00:244:1::/64'], underlay: { address: '192.168.1.1' } });
const MAC2 = vtepMac('n2', 1);
const MAC3 = vtepMac('n3', 1);
const n2: Peer = { name: 'n2', podCIDRs: ['10.244.2.0/24'], underlayIp: '192.168.1.2', vtepMac: MAC2 };
const n3: Peer = { name: 'n3', podCIDRs: ['10.244.3.0/24', 'fd00:244:3::/64'], underlayIp: '192.168.1.3', vtepMac: MAC3 };

function plan(peers: Peer[], o: Partial<PeerPlanInput> = {}) {
  return planPeers({ config, underlay: UNDERLAY, peers, onLink: new Map(), ...o });
}

describe('vtepMac', () => {
  it('is derived from node name and VNI: stable, locally administered unicast, distinct per node and VNI', () => {
    expect(vtepMac('n1', 1)).toBe(vtepMac('n1', 1));
    expect(vtepMac('n1', 1)).toMatch(/^0e(:[0-9a-f]{2}){5}$/);
    expect(new Set([vtepMac('n1', 1), vtepMac('n2', 1), vtepMac('n1', 2)]).size).toBe(3);
  });
});

describe('planPeers', () => {
  it('gives each peer subnet one onlink route via its network address, one permanent neighbour and one FDB entry per peer', () => {
    const p = plan([n2, n3, { name: 'n1', podCIDRs: ['10.244.1.0/24'], underlayIp: '192.168.1.1', vtepMac: vtepMac('n1', 1) }]);
    expect(p.routes).toEqual([
      { dst: '10.244.2.0/24', via: '10.244.2.0', dev: 'twill.1', onlink: true },
      { dst: '10.244.3.0/24', via: '10.244.3.0', dev: 'twill.1', onlink: true },
      { dst: 'fd00:244:3::/64', via: 'fd00:244:3::', dev: 'twill.1', onlink: true },
    ]);
    expect(p.neighbours).toEqual([
      { ip: '10.244.2.0', mac: MAC2 },
      { ip: '10.244.3.0', mac: MAC3 },
      { ip: 'fd00:244:3::', mac: MAC3 },
    ]);
    expect(p.fdb).toEqual([{ mac: MAC2, dst: '192.168.1.2' }, { mac: MAC3, dst: '192.168.1.3' }]);
    expect(p).toMatchObject({ programmed: 2, skipped: [] });
  });

  it('canonicalises what the API gives (host bits, upper-case MAC, long IPv6 forms)', () => {
    const p = plan([{ name: 'n4', podCIDRs: ['10.244.4.7/24', 'FD00:244:4:0::/64'], underlayIp: '192.168.1.4', vtepMac: MAC2.toUpperCase() }]);
    expect(p.routes.map((r) => r.dst)).toEqual(['10.244.4.0/24', 'fd00:244:4::/64']);
    expect(p.fdb).toEqual([{ mac: MAC2, dst: '192.168.1.4' }]);
  });

  it('direct routing: an on-link peer gets a plain route via its underlay address for its underlay family, VXLAN for the other', () => {
    const onLink = new Map([['192.168.1.3', 'eth0']]);
    const p = plan([n2, n3], { onLink, config: { ...config, directRouting: true } });
    expect(p.routes).toEqual([
      { dst: '10.244.2.0/24', via: '10.244.2.0', dev: 'twill.1', onlink: true },
      { dst: '10.244.3.0/24', via: '192.168.1.3', dev: 'eth0', onlink: false },
      { dst: 'fd00:244:3::/64', via: 'fd00:244:3::', dev: 'twill.1', onlink: true },
    ]);
    expect(p.neighbours).toEqual([{ ip: '10.244.2.0', mac: MAC2 }, { ip: 'fd00:244:3::', mac: MAC3 }]);
    expect(p.fdb).toHaveLength(2);
    // The switch off: on-link or not, everything is encapsulated.
    expect(plan([n3], { onLink }).routes.every((r) => r.dev === 'twill.1')).toBe(true);
  });

  it('a direct-only peer needs no VTEP MAC and gets neither neighbour nor FDB entry', () => {
    const p = plan([{ ...n2, vtepMac: undefined }], { onLink: new Map([['192.168.1.2', 'eth0']]), config: { ...config, directRouting: true } });
    expect(p).toMatchObject({ routes: [{ dst: '10.244.2.0/24', via: '192.168.1.2', dev: 'eth0', onlink: false }], neighbours: [], fdb: [], programmed: 1 });
  });

  it.each([
    [{ ...n2, podCIDRs: [] }, 'no-subnet'],
    [{ ...n2, underlayIp: undefined }, 'no-underlay-ip'],
    [{ ...n2, vtepMac: undefined }, 'no-vtep-mac'],
    [{ ...n2, vtepMac: '01:00:5e:00:00:01' }, 'bad-address'],
    [{ ...n2, podCIDRs: ['10.244.2.0/33'] }, 'bad-address'],
    [{ ...n2, underlayIp: 'fd00::2' }, 'family-mismatch'],
    [{ ...n2, underlayIp: '192.168.1.1' }, 'bad-address'],
    [{ ...n2, podCIDRs: ['10.244.1.0/24'] }, 'duplicate-subnet'],
  ] as Array<[Peer, string]>)('skips a peer it cannot program: %j → %s', (peer, reason) => {
    const p = plan([peer]);
    expect(p).toMatchObject({ routes: [], neighbours: [], fdb: [], programmed: 0 });
    expect(p.skipped).toEqual([expect.objectContaining({ name: 'n2', reason })]);
  });

  it('of two peers claiming one subnet or one MAC, the first by name wins', () => {
    const n0 = { ...n3, name: 'n0', underlayIp: '192.168.1.10', vtepMac: MAC2, podCIDRs: ['10.244.9.0/24'] };
    const p = plan([{ ...n3, podCIDRs: ['10.244.9.0/25'] }, n2, n0]);
    expect(p.fdb).toEqual([{ mac: MAC2, dst: '192.168.1.10' }]);
    // n3's 10.244.9.0/25 is another destination, but its neighbour address is n0's 10.244.9.0.
    expect(p.skipped.map((s) => [s.name, s.reason, s.detail])).toEqual([['n2', 'duplicate-mac', MAC2], ['n3', 'duplicate-subnet', '10.244.9.0']]);
  });
});

describe('resolveUnderlay and the MTU', () => {
  const links: AddrLink[] = [
    { ifname: 'lo', mtu: 65536, addr_info: [{ family: 'inet', local: '127.0.0.1', prefixlen: 8, scope: 'host' }] },
    { ifname: 'eth0', mtu: 9000, addr_info: [{ family: 'inet6', local: 'fd00::1', prefixlen: 64, scope: 'global' }, { family: 'inet', local: '192.168.1.1', prefixlen: 24, scope: 'global' }] },
    { ifname: 'eth1', mtu: 1500, addr_info: [{ family: 'inet6', local: 'fe80::1', prefixlen: 64, scope: 'link' }] },
  ];

  it('finds the link holding the configured address, or an interface\'s first IPv4 address', () => {
    expect(resolveUnderlay({ underlay: { address: 'fd00:0::1' } }, links)).toEqual({ dev: 'eth0', address: 'fd00::1', family: 6, mtu: 9000 });
    expect(resolveUnderlay({ underlay: { interface: 'eth0' } }, links)).toEqual({ dev: 'eth0', address: '192.168.1.1', family: 4, mtu: 9000 });
  });

  it.each([
    [{ address: '192.168.1.9' }, 'underlay.address: 192.168.1.9 is on no interface of this node'],
    [{ address: '192.168.1.1', interface: 'eth1' }, 'underlay.interface: 192.168.1.1 is on eth0, not on eth1'],
    [{ interface: 'eth1' }, 'underlay.interface: eth1 has no global address'],
    [{ interface: 'eth9' }, 'underlay.interface: no interface eth9 on this node'],
    [{}, "underlay: needs an address (the node's InternalIP) or an interface"],
  ])('names the setting that cannot work: %j', (underlay, message) => {
    expect(() => resolveUnderlay({ underlay }, links)).toThrow(OverlaySetupError);
    expect(() => resolveUnderlay({ underlay }, links)).toThrow(message);
  });

  it('is the underlay MTU less 50 (IPv4) or 70 (IPv6), unless overridden', () => {
    expect(overlayMtu({}, UNDERLAY)).toBe(1450);
    expect(overlayMtu({}, { ...UNDERLAY, family: 6, address: 'fd00::1' })).toBe(1430);
    expect(overlayMtu({ mtu: 1400 }, UNDERLAY)).toBe(1400);
  });
});

describe('the device', () => {
  const spec = planDevice(config, UNDERLAY);
  const right: ActualDevice = { kind: 'vxlan', vni: 1, port: 8472, local: '192.168.1.1', link: 'eth0', learning: false, mac: spec.mac, mtu: 1450, up: true, addresses: ['10.244.1.0/32', 'fd00:244:1::/128'] };

  it('is created with learning off, its derived MAC, the MTU and the own subnets\' network addresses', () => {
    expect(deviceLines(spec, undefined)).toEqual({
      action: 'created',
      lines: [
        `link add twill.1 address ${vtepMac('n1', 1)} mtu 1450 type vxlan id 1 local 192.168.1.1 dev eth0 dstport 8472 nolearning`,
        'addr add 10.244.1.0/32 dev twill.1',
        'addr add fd00:244:1::/128 dev twill.1',
        'link set dev twill.1 up',
      ],
    });
  });

  it('is left alone when it matches', () => {
    expect(deviceLines(spec, right)).toEqual({ action: 'unchanged', lines: [] });
  });

  it('is fixed in place for MAC, MTU, state and addresses', () => {
    const drifted = { ...right, mac: '0e:00:00:00:00:01', mtu: 1400, up: false, addresses: ['10.244.1.0/32', '10.9.9.0/32'] };
    expect(deviceLines(spec, drifted)).toEqual({
      action: 'updated',
      lines: [
        `link set dev twill.1 address ${spec.mac}`,
        'link set dev twill.1 mtu 1450',
        'addr del 10.9.9.0/32 dev twill.1',
        'addr add fd00:244:1::/128 dev twill.1',
        'link set dev twill.1 up',
      ],
    });
  });

  it.each([
    [{ kind: 'bridge' }, 'kind bridge, want vxlan'],
    [{ vni: 2 }, 'VNI 2, want 1'],
    [{ port: 4789 }, 'port 4789, want 8472'],
    [{ local: '192.168.1.7' }, 'local 192.168.1.7, want 192.168.1.1'],
    [{ link: 'eth1' }, 'underlay link eth1, want eth0'],
    [{ learning: true }, 'learning on, want off'],
  ])('is recreated when its identity differs: %j', (diff, why) => {
    const r = deviceLines(spec, { ...right, ...diff });
    expect(r).toMatchObject({ action: 'recreated', why });
    expect(r.lines[0]).toBe('link del dev twill.1');
    expect(r.lines[1]).toMatch(/^link add twill.1 /);
  });
});
