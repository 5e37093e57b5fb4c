// Which per-network firewall state has outlived its network (pure selection, both backends).
import type { NftElement } from '../../cni/host/nft';
import type { PruneScope } from '../../cni/plugin/firewall-types';
import { iptablesStaleRules, legacyRules, netCommentText } from '../../cni/plugin/iptables-prune';
import { nftStaleElements } from '../../cni/plugin/nft-prune';
import { networkTag } from '../../cni/plugin/nft-rules';

const el = (map: string, key: string, comment?: string): NftElement => (comment === undefined ? { map, key } : { map, key, comment });

/** Two networks share br0, one has br1, and br-gone no longer exists; one subnet is untagged (older twill). */
const ELEMENTS: NftElement[] = [
  el('bridges', 'br0'),
  el('same_bridge', 'br0 . br0'),
  el('pods4', '10.0.1.0/24', 'br0 net-a'),
  el('masq4', '10.0.1.0/24', 'br0 net-a'),
  el('pods4', '10.0.2.0/24', 'br0 net-b'),
  el('bridges', 'br1'),
  el('same_bridge', 'br1 . br1'),
  el('pods6', 'fd00:1::/64', 'br1 net-c'),
  el('bridges', 'br-gone'),
  el('same_bridge', 'br-gone . br-gone'),
  el('pods4', '10.0.9.0/24', 'br-gone net-old'),
  el('pods4', '10.0.8.0/24'),
  el('hostports4', 'tcp . 8080', 'tw0123456789ab net-a'),
];

const exists = (bridge: string) => bridge !== 'br-gone';
const keys = (elements: NftElement[]) => elements.map((e) => `${e.map} ${e.key}`);

describe('nftStaleElements', () => {
  it('takes every element of a bridge that is gone, nothing else, and never port mappings', () => {
    expect(keys(nftStaleElements(ELEMENTS, { bridgeExists: exists }))).toEqual(['pods4 10.0.9.0/24', 'bridges br-gone', 'same_bridge br-gone . br-gone']);
  });

  it('takes a network with no attachment left, keeping a bridge another network still uses', () => {
    const scope: PruneScope = { bridgeExists: () => true, network: { name: 'net-a', bridge: 'br0' } };
    expect(keys(nftStaleElements(ELEMENTS, scope))).toEqual(['pods4 10.0.1.0/24', 'masq4 10.0.1.0/24']);
  });

  it("takes the network's bridge too when it was the bridge's last network", () => {
    const scope: PruneScope = { bridgeExists: () => true, network: { name: 'net-c', bridge: 'br1' } };
    expect(keys(nftStaleElements(ELEMENTS, scope))).toEqual(['pods6 fd00:1::/64', 'bridges br1', 'same_bridge br1 . br1']);
  });

  it('takes everything of a bridge just created again, whichever network left it', () => {
    expect(keys(nftStaleElements(ELEMENTS, { bridgeExists: () => true, recreated: 'br0' }))).toEqual([
      'pods4 10.0.1.0/24',
      'masq4 10.0.1.0/24',
      'pods4 10.0.2.0/24',
      'bridges br0',
      'same_bridge br0 . br0',
    ]);
  });

  it('matches a network name cut to the comment limit', () => {
    const long = `net-${'x'.repeat(200)}`;
    const elements = [el('pods4', '10.0.3.0/24', networkTag('br0', long))];
    expect(networkTag('br0', long)).toHaveLength(128);
    expect(nftStaleElements(elements, { bridgeExists: () => true, network: { name: long, bridge: 'br0' } })).toEqual(elements);
  });
});

describe('iptablesStaleRules', () => {
  const rule = (chain: string, body: string, comment: string) => `-A ${chain} ${body} -m comment --comment "${comment}" -j MASQUERADE`;
  const RULES = [
    rule('TWILL-POSTROUTING', '-s 10.0.1.0/24 ! -o br0', netCommentText('br0', 'net-a')),
    rule('TWILL-POSTROUTING', '-s 10.0.2.0/24 ! -o br0', netCommentText('br0', 'net-b')),
    rule('TWILL-POSTROUTING', '-s 10.0.9.0/24 ! -o br-gone', 'twill net br-gone'),
    rule('TWILL-POSTROUTING', '-s 10.0.7.0/24 ! -o br0', 'twill net br0'),
    '-A POSTROUTING -j TWILL-POSTROUTING',
    '-A TWILL-HOSTPORTS -p tcp -m tcp --dport 8080 -m comment --comment "tw0123456789ab net-a" -j DNAT --to-destination 10.0.1.2:80',
  ];

  it('takes the rules of a gone bridge, also those from before network comments', () => {
    expect(iptablesStaleRules(RULES, { bridgeExists: exists })).toEqual([RULES[2]]);
  });

  it("takes a network's own rules only", () => {
    expect(iptablesStaleRules(RULES, { bridgeExists: () => true, network: { name: 'net-a', bridge: 'br0' } })).toEqual([RULES[0]]);
  });

  it('finds the rules an older twill made for a bridge', () => {
    expect(legacyRules(RULES, 'br0')).toEqual([RULES[3]]);
  });
});
