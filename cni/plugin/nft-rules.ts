import { nftApply, nftListElements, type NftElement } from '../host/nft';
import type { Runner } from '../host/run';
import { literal, quoted } from '../host/script-words';
import { formatCidr, type Cidr } from '../../ipam/net/cidr';
import { mappingAppliesTo, type PortMapping } from './config';
import type { FirewallState, NetworkRules, PodAddresses, RemovedMapping } from './firewall-types';

/**
 * twill's nftables state: one table `inet twill` shared by every twill network on the node.
 * Per network it holds set elements (its bridge, its subnets), never per-pod rules, so a DEL
 * without a namespace cannot leak a chain. Per pod it holds only port-mapping map elements,
 * each tagged with a comment naming its owner, so DEL and GC find them without other state.
 */
export const TABLE = 'twill';
const T = `inet ${TABLE}`;

/**
 * Destinations ipMasq leaves alone: the cluster's pod CIDRs, owned by the agent (twilld), which
 * declares the sets as well, so whichever of the two runs first creates them.
 */
export const NOMASQ_SETS = `add set ${T} nomasq4 { type ipv4_addr; flags interval; }
add set ${T} nomasq6 { type ipv6_addr; flags interval; }`;

const BASE = `add table ${T}
add set ${T} bridges { type ifname; }
add set ${T} same_bridge { type ifname . ifname; }
add set ${T} masq4 { type ipv4_addr; flags interval; }
add set ${T} masq6 { type ipv6_addr; flags interval; }
${NOMASQ_SETS}
add set ${T} pods4 { type ipv4_addr; flags interval; }
add set ${T} pods6 { type ipv6_addr; flags interval; }
add map ${T} hostports4 { type inet_proto . inet_service : ipv4_addr . inet_service; }
add map ${T} hostports4ip { type ipv4_addr . inet_proto . inet_service : ipv4_addr . inet_service; }
add map ${T} hostports6 { type inet_proto . inet_service : ipv6_addr . inet_service; }
add map ${T} hostports6ip { type ipv6_addr . inet_proto . inet_service : ipv6_addr . inet_service; }
add chain ${T} prerouting { type nat hook prerouting priority dstnat; policy accept; }
add chain ${T} output { type nat hook output priority -100; policy accept; }
add chain ${T} postrouting { type nat hook postrouting priority srcnat; policy accept; }
add chain ${T} forward { type filter hook forward priority filter; policy accept; }
flush chain ${T} prerouting
flush chain ${T} output
flush chain ${T} postrouting
flush chain ${T} forward
${['prerouting', 'output']
  .map((c) => [
    `add rule ${T} ${c} fib daddr type local dnat ip to ip daddr . meta l4proto . th dport map @hostports4ip`,
    `add rule ${T} ${c} fib daddr type local dnat ip to meta l4proto . th dport map @hostports4`,
    `add rule ${T} ${c} fib daddr type local dnat ip6 to ip6 daddr . meta l4proto . th dport map @hostports6ip`,
    `add rule ${T} ${c} fib daddr type local dnat ip6 to meta l4proto . th dport map @hostports6`,
  ].join('\n'))
  .join('\n')}
add rule ${T} postrouting ip saddr @masq4 ip daddr != @nomasq4 oifname != @bridges masquerade
add rule ${T} postrouting ip6 saddr @masq6 ip6 daddr != @nomasq6 oifname != @bridges masquerade
add rule ${T} postrouting ct status dnat ip saddr @pods4 oifname @bridges masquerade
add rule ${T} postrouting ct status dnat ip6 saddr @pods6 oifname @bridges masquerade
add rule ${T} postrouting ct status dnat ip saddr 127.0.0.0/8 masquerade
add rule ${T} forward iifname @bridges oifname @bridges iifname . oifname != @same_bridge drop
`;
// The rules above, in order: published ports (node address or localhost) are DNATed to pods;
// pods leaving for anything but a twill bridge are masqueraded (ipMasq), unless bound for the
// cluster (nomasq: filled by the agent, twilld, with the cluster's pod CIDRs, so pod-to-pod
// traffic across nodes keeps its source; empty without an agent); DNATed traffic that
// comes back into a bridge (hairpin, pod → node:port → pod) or from localhost is masqueraded so
// replies return through the node; traffic between two different twill bridges is dropped.

function setName(base: string, c: Cidr): string {
  return `${base}${c.ip.family}`;
}

/**
 * The comment on a network's subnet elements: its bridge, then its name (cut to nft's 128-byte
 * comment limit), so pruning finds what a network or a bridge left behind.
 */
export function networkTag(bridge: string, network: string): string {
  return `${bridge} ${network}`.slice(0, 128);
}

/** An element as an nft script writes it: interface names quoted. */
export function elementText(e: NftElement): string {
  if (e.map === 'bridges' || e.map === 'same_bridge') return e.key.split(' . ').map((k) => quoted(k)).join(' . ');
  return e.key.split(' . ').map(literal).join(' . ');
}

/**
 * Delete lines for stale elements. One whose name no script can carry (left by a twill that did
 * not yet refuse such names) is skipped: failing on it would fail every later ADD of the node.
 */
export function deleteElementLines(stale: NftElement[]): string[] {
  return stale.flatMap((e) => {
    try {
      return [`delete element ${T} ${e.map} { ${elementText(e)} }`];
    } catch {
      return [];
    }
  });
}

/**
 * The whole script for one network: the shared table (idempotent), then `stale` elements deleted
 * and the network's own added, all in one transaction.
 */
export function nftNetworkScript(net: NetworkRules, stale: NftElement[] = []): string {
  const tag = `comment ${quoted(networkTag(net.bridge, net.network))}`;
  const bridge = quoted(net.bridge);
  const lines = [
    ...deleteElementLines(stale),
    `add element ${T} bridges { ${bridge} }`,
    `add element ${T} same_bridge { ${bridge} . ${bridge} }`,
    ...net.subnets.map((s) => `add element ${T} ${setName('pods', s)} { ${formatCidr(s)} ${tag} }`),
    ...(net.ipMasq ? net.subnets.map((s) => `add element ${T} ${setName('masq', s)} { ${formatCidr(s)} ${tag} }`) : []),
  ];
  return `${BASE}${lines.join('\n')}\n`;
}

function mappingElements(m: PortMapping, pod: PodAddresses): Array<{ map: string; key: string; value: string }> {
  const out: Array<{ map: string; key: string; value: string }> = [];
  const families: Array<[4 | 6, string | undefined]> = [[4, pod.ipv4], [6, pod.ipv6]];
  for (const [family, podIp] of families) {
    if (!podIp || !mappingAppliesTo(m, family)) continue;
    const value = `${literal(podIp)} . ${m.containerPort}`;
    if (m.hostIP === undefined) out.push({ map: `hostports${family}`, key: `${m.protocol} . ${m.hostPort}`, value });
    else out.push({ map: `hostports${family}ip`, key: `${literal(m.hostIP)} . ${m.protocol} . ${m.hostPort}`, value });
  }
  return out;
}

/** `create` (not `add`) so a host port another pod already publishes fails the ADD instead of being overwritten. */
export function nftPortMappingScript(mappings: PortMapping[], pod: PodAddresses, tag: string): string {
  return mappings
    .flatMap((m) => mappingElements(m, pod))
    .map((e) => `create element ${T} ${e.map} { ${e.key} comment ${quoted(tag)} : ${e.value} }\n`)
    .join('');
}

/** "udp . 5353" or "10.0.0.1 . udp . 5353" → the mapping's protocol and host port. */
function mappingOfKey(e: NftElement): RemovedMapping {
  const parts = e.key.split(' . ');
  return { protocol: parts[parts.length - 2], hostPort: Number(parts[parts.length - 1]) };
}

/** Removes every port-mapping element whose tag passes `owned`; returns what went. */
export function nftRemovePortMappings(runner: Runner, owned: (tag: string) => boolean): RemovedMapping[] {
  const mine = nftListElements(runner, 'inet', TABLE).filter((e) => e.map.startsWith('hostports') && e.comment !== undefined && owned(e.comment));
  if (mine.length) nftApply(runner, mine.map((e) => `delete element ${T} ${e.map} { ${e.key} }\n`).join(''));
  return mine.map(mappingOfKey);
}

/** What is in place, for CHECK. */
export function nftState(runner: Runner): FirewallState {
  const elements = nftListElements(runner, 'inet', TABLE);
  return {
    masqueraded: new Set(elements.filter((e) => /^masq[46]$/.test(e.map)).map((e) => e.key)),
    published: elements
      .filter((e) => e.map.startsWith('hostports') && e.comment !== undefined)
      .map((e) => ({ ...mappingOfKey(e), tag: e.comment!, family: e.map.startsWith('hostports6') ? 6 : 4, hostIP: e.map.endsWith('ip') ? e.key.split(' . ')[0] : undefined })),
  };
}
