// What the agent reads back from the kernel (pure parsers over real `ip -j` / `bridge -j`
// output captured on these machines), the checksum offload decision, and the NAT exemption set.
import { noMasqueradeCidrs, noMasqueradeScript } from '../../daemonset/overlay/nat';
import { offloadChange } from '../../daemonset/overlay/offload';
import { onLinkDev, parseDevice, parseFdb, parseFibMatches, parseNeighbourLine, parseNeighbours, parseRoutes } from '../../daemonset/overlay/read';

const DEVICE = JSON.parse(`[{"ifindex":6,"ifname":"twill.1","flags":["BROADCAST","MULTICAST","UP","LOWER_UP"],"mtu":1450,"address":"0E:9F:15:F2:AF:53",
  "linkinfo":{"info_kind":"vxlan","info_data":{"id":1,"local":"192.168.77.1","link":"d0","port_range":{"low":0,"high":0},"port":8472,"learning":false,"ttl":0}},
  "addr_info":[{"family":"inet","local":"10.244.1.0","prefixlen":32,"scope":"global"},{"family":"inet6","local":"fd00:244:1::","prefixlen":128,"scope":"global"},
  {"family":"inet6","local":"fe80::c9f:15ff:fef2:af53","prefixlen":64,"scope":"link"}]}]`);

describe('kernel state parsers', () => {
  it('reads the device: identity, MAC, MTU, state and its global addresses (link-local ignored)', () => {
    expect(parseDevice(DEVICE)).toEqual({
      kind: 'vxlan', vni: 1, port: 8472, local: '192.168.77.1', link: 'd0', learning: false,
      mac: '0e:9f:15:f2:af:53', mtu: 1450, up: true, addresses: ['10.244.1.0/32', 'fd00:244:1::/128'],
    });
    expect(parseDevice(undefined)).toBeUndefined();
  });

  it('reads an IPv6 underlay from local6, canonical', () => {
    const v6 = [{ ...DEVICE[0], flags: ['BROADCAST'], linkinfo: { info_kind: 'vxlan', info_data: { id: 2, local6: 'fd77:0::1', port: 8472 } } }];
    expect(parseDevice(v6)).toMatchObject({ vni: 2, local: 'fd77::1', up: false });
  });

  it('keeps twill routes of the main table only, host routes with their prefix', () => {
    const routes = [
      { type: 'unicast', dst: '10.9.0.0/24', gateway: '10.9.0.0', dev: 'twill.1', table: 'main', flags: ['onlink'] },
      { dst: 'fd09::/64', gateway: 'fd09::', dev: 'twill.1', metric: 1024, flags: ['onlink'] },
      { dst: '10.8.0.7', gateway: '192.168.77.2', dev: 'd0', flags: [] },
      { dst: '10.7.0.0/24', gateway: '192.168.77.2', dev: 'd0', table: '100', flags: [] },
    ];
    expect(parseRoutes(routes)).toEqual([
      { dst: '10.9.0.0/24', via: '10.9.0.0', dev: 'twill.1', onlink: true },
      { dst: 'fd09::/64', via: 'fd09::', dev: 'twill.1', onlink: true },
      { dst: '10.8.0.7/32', via: '192.168.77.2', dev: 'd0', onlink: false },
    ]);
  });

  it('reads neighbours (permanent or not) and FDB remotes (entries without a remote ignored)', () => {
    expect(parseNeighbours([{ dst: '10.9.0.0', lladdr: '0E:11:22:33:44:55', state: ['PERMANENT'] }, { dst: 'fd09::', state: ['FAILED'] }])).toEqual([
      { ip: '10.9.0.0', mac: '0e:11:22:33:44:55', permanent: true },
      { ip: 'fd09::', mac: '', permanent: false },
    ]);
    expect(parseFdb([{ mac: '0e:11:22:33:44:55', dst: '192.168.77.2', state: 'permanent' }, { mac: '0e:11:22:33:44:66' }])).toEqual([
      { mac: '0e:11:22:33:44:55', dst: '192.168.77.2', permanent: true },
    ]);
  });

  it('calls a peer on-link when `route get` answers without a gateway, and not for a gateway, a local address or no answer', () => {
    expect(onLinkDev([{ dst: '192.168.77.2', dev: 'd0', prefsrc: '192.168.77.1', flags: [] }])).toBe('d0');
    expect(onLinkDev([{ dst: '10.1.1.1', gateway: '192.168.77.254', dev: 'd0' }])).toBeUndefined();
    expect(onLinkDev([{ type: 'local', dst: '192.168.77.1', dev: 'lo' }])).toBeUndefined();
    expect(onLinkDev(undefined)).toBeUndefined();
  });
});

describe('scoped reads', () => {
  it('keeps a `route get fibmatch` answer only when it is twill\'s route for exactly that subnet', () => {
    const ours = { type: 'unicast', dst: '10.2.19.0/24', gateway: '10.2.19.0', dev: 'twill.1', table: 'main', protocol: '116', flags: ['onlink'] };
    const covering = { type: 'unicast', dst: '10.0.0.0/8', gateway: '192.168.1.254', dev: 'eth0', table: 'main', protocol: 'static', flags: [] };
    const foreign = { ...ours, dst: '10.2.20.0/24', protocol: 'boot' };
    expect(parseFibMatches([[ours], [covering], [foreign], undefined], new Set(['10.2.19.0/24', '10.2.20.0/24', '10.2.21.0/24']))).toEqual([
      { dst: '10.2.19.0/24', via: '10.2.19.0', dev: 'twill.1', onlink: true },
    ]);
  });

  it('reads `neigh get` text lines (it ignores -j), and JSON where an iproute2 honours it', () => {
    expect(parseNeighbourLine('10.2.19.0 dev twill.1 lladdr 0E:72:06:DA:48:C3 PERMANENT ')).toEqual({ ip: '10.2.19.0', mac: '0e:72:06:da:48:c3', permanent: true });
    expect(parseNeighbourLine('fd00:244:0::1 dev twill.1 FAILED')).toEqual({ ip: 'fd00:244::1', mac: '', permanent: false });
    expect(parseNeighbourLine('[{"dst":"10.2.19.0","lladdr":"0e:72:06:da:48:c3","state":["PERMANENT"]}]')).toEqual({ ip: '10.2.19.0', mac: '0e:72:06:da:48:c3', permanent: true });
    expect(parseNeighbourLine(undefined)).toBeUndefined();
  });
});

describe('offloadChange', () => {
  const features = (on: boolean, fixed = false) => new Map([['tx-checksum-ip-generic', { on, fixed }]]);
  it.each([
    [true, true, false],
    [true, false, undefined],
    [false, false, true],
    [false, true, undefined],
  ])('checksum on=%s, workaround=%s → set %s', (on, workaround, want) => {
    expect(offloadChange(features(on), workaround)).toBe(want);
  });
  it('leaves a fixed feature, or a device without it, alone', () => {
    expect(offloadChange(features(true, true), true)).toBeUndefined();
    expect(offloadChange(undefined, true)).toBeUndefined();
  });
});

describe('the NAT exemption (nomasq sets)', () => {
  it('holds canonical networks once, without networks another one contains', () => {
    const cidrs = noMasqueradeCidrs(['10.244.3.0/24', '10.244.0.0/16', '10.244.0.0/16', 'fd00:244:0:5::7/64', 'fd00:244::/48', '10.96.0.1/32', 'bogus']);
    expect(cidrs).toHaveLength(3);
    expect(noMasqueradeScript(cidrs)).toBe(
      [
        'add table inet twill',
        'add set inet twill nomasq4 { type ipv4_addr; flags interval; }',
        'add set inet twill nomasq6 { type ipv6_addr; flags interval; }',
        'flush set inet twill nomasq4',
        'flush set inet twill nomasq6',
        'add element inet twill nomasq4 { 10.244.0.0/16, 10.96.0.1 }',
        'add element inet twill nomasq6 { fd00:244::/48 }',
        '',
      ].join('\n'),
    );
  });

  it('empties both sets when given nothing', () => {
    expect(noMasqueradeScript([])).not.toMatch(/add element/);
  });
});
