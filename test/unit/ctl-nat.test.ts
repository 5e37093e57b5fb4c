// Published ports with their DNAT targets, and the NAT lines that concern one pod, from either
// backend. The nft texts are what nft 1.0.6 printed for a table shaped like the plugin's.
import { hostText, mappingText, podNatLines, portMappings } from '../../cni/ctl/nat';
import { parseNftJson, parseNftRules, type NatState } from '../../cni/ctl/read/nat';

const NFT_JSON = JSON.stringify({
  nftables: [
    { metainfo: { version: '1.0.6' } },
    { table: { family: 'inet', name: 'twill', handle: 1 } },
    { map: { name: 'hostports4', table: 'twill', map: 'ipv4_addr . inet_service', elem: [
      [{ elem: { val: { concat: ['tcp', 8080] }, comment: 'tw0123456789ab pods' } }, { concat: ['10.244.1.2', 80] }],
      [{ elem: { val: { concat: ['udp', 53] }, comment: 'twffffffffffff pods' } }, { concat: ['10.244.1.9', 53] }],
    ] } },
    { map: { name: 'hostports6ip', table: 'twill', elem: [[{ elem: { val: { concat: ['::1', 'tcp', 8080] }, comment: 'tw0123456789ab pods' } }, { concat: ['fd00::2', 80] }]] } },
    { set: { name: 'pods4', table: 'twill', elem: [{ elem: { val: { prefix: { addr: '10.244.1.0', len: 24 } }, comment: 'tw0 pods' } }, { elem: { val: { prefix: { addr: '10.9.0.0', len: 24 } }, comment: 'tw9 other' } }] } },
    { set: { name: 'bridges', table: 'twill', elem: ['tw0', 'tw9'] } },
    { chain: { name: 'prerouting', type: 'nat', hook: 'prerouting' } },
  ],
});

const NFT_TEXT = `table inet twill {
\tmap hostports4 {
\t\ttype inet_proto . inet_service : ipv4_addr . inet_service
\t\telements = { tcp . 8080 comment "tw0123456789ab pods" : 10.244.1.2 . 80 }
\t}

\tchain prerouting {
\t\ttype nat hook prerouting priority dstnat; policy accept;
\t\tfib daddr type local dnat ip to meta l4proto . th dport map @hostports4
\t\tfib daddr type local dnat ip to ip daddr . meta l4proto . th dport map @hostports4ip
\t}

\tchain postrouting {
\t\ttype nat hook postrouting priority srcnat; policy accept;
\t\tct status dnat ip saddr @pods4 oifname @bridges masquerade
\t\tip saddr @masq4 ip daddr != @nomasq4 oifname != @bridges masquerade
\t}

\tchain forward {
\t\ttype filter hook forward priority filter; policy accept;
\t\tiifname @bridges oifname @bridges iifname . oifname != @same_bridge drop
\t}
}
`;

const scope = { tag: 'tw0123456789ab pods', network: 'pods', bridge: 'tw0' };

describe('twillctl NAT view', () => {
  const nft: NatState = { backend: 'nftables', nft: { ...parseNftJson(NFT_JSON), rules: parseNftRules(NFT_TEXT) } };

  test('nft: map elements give each published port its DNAT target', () => {
    const mine = portMappings(nft).filter((m) => m.tag === scope.tag);
    expect(mine).toEqual([
      { tag: scope.tag, family: 4, protocol: 'tcp', hostPort: 8080, target: '10.244.1.2:80' },
      { tag: scope.tag, family: 6, protocol: 'tcp', hostPort: 8080, hostIP: '::1', target: '[fd00::2]:80' },
    ]);
    expect(mine.map(mappingText)).toEqual(['8080/tcp → 10.244.1.2:80', '[::1]:8080/tcp → [fd00::2]:80']);
    expect(hostText({ protocol: 'udp', hostPort: 53, hostIP: '10.1.1.1' })).toBe('10.1.1.1:53/udp');
  });

  test('nft: the pod\'s and its network\'s elements, and only the NAT rules that use their sets', () => {
    expect(parseNftRules(NFT_TEXT).map((r) => `${r.chain}/${r.type}`)).toEqual(['prerouting/nat', 'prerouting/nat', 'postrouting/nat', 'postrouting/nat', 'forward/filter']);
    expect(podNatLines(nft, scope)).toEqual([
      { where: 'hostports4', text: 'tcp . 8080 : 10.244.1.2 . 80' },
      { where: 'hostports6ip', text: '::1 . tcp . 8080 : fd00::2 . 80' },
      { where: 'pods4', text: '10.244.1.0/24' },
      { where: 'prerouting', text: 'fib daddr type local dnat ip to meta l4proto . th dport map @hostports4' },
      { where: 'postrouting', text: 'ct status dnat ip saddr @pods4 oifname @bridges masquerade' },
    ]);
    expect(podNatLines({ backend: 'nftables', nft: null }, scope)).toEqual([]);
  });

  test('iptables: DNAT rules give the ports; the pod\'s, its network\'s and the jump rules are its NAT lines', () => {
    const state: NatState = {
      backend: 'iptables',
      families: [{
        family: 4,
        nat: [
          '-A PREROUTING -m addrtype --dst-type LOCAL -j TWILL-HOSTPORTS',
          '-A POSTROUTING -j TWILL-POSTROUTING',
          '-A TWILL-HOSTPORTS -p tcp -m tcp --dport 8080 -m comment --comment "tw0123456789ab pods" -j DNAT --to-destination 10.244.1.2:80',
          '-A TWILL-HOSTPORTS -d 127.0.0.1/32 -p udp -m udp --dport 53 -m comment --comment "tw0123456789ab pods" -j DNAT --to-destination 10.244.1.2:5353',
          '-A TWILL-HOSTPORTS -p tcp -m tcp --dport 9 -m comment --comment "twffffffffffff pods" -j DNAT --to-destination 10.244.1.9:9',
          '-A TWILL-POSTROUTING -s 10.244.1.0/24 ! -o tw0 -m comment --comment "twill net tw0 pods" -j MASQUERADE',
          '-A TWILL-POSTROUTING -s 10.9.0.0/24 ! -o tw9 -m comment --comment "twill net tw9 other" -j MASQUERADE',
        ],
        filter: [],
      }],
    };
    expect(portMappings(state).filter((m) => m.tag === scope.tag).map(mappingText)).toEqual(['8080/tcp → 10.244.1.2:80', '127.0.0.1:53/udp → 10.244.1.2:5353']);
    expect(podNatLines(state, scope).map((l) => l.text)).toEqual([
      '-A PREROUTING -m addrtype --dst-type LOCAL -j TWILL-HOSTPORTS',
      '-A POSTROUTING -j TWILL-POSTROUTING',
      '-A TWILL-HOSTPORTS -p tcp -m tcp --dport 8080 -m comment --comment "tw0123456789ab pods" -j DNAT --to-destination 10.244.1.2:80',
      '-A TWILL-HOSTPORTS -d 127.0.0.1/32 -p udp -m udp --dport 53 -m comment --comment "tw0123456789ab pods" -j DNAT --to-destination 10.244.1.2:5353',
      '-A TWILL-POSTROUTING -s 10.244.1.0/24 ! -o tw0 -m comment --comment "twill net tw0 pods" -j MASQUERADE',
    ]);
    expect(podNatLines(state, scope).every((l) => l.where === 'iptables')).toBe(true);
  });
});
