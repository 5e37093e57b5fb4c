import { mkdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { nftApply, nftListElements, type NftElement } from '../host/nft';
import { CniError, ErrorCode } from '../core/errors';
import { CommandError, type Runner } from '../host/run';
import { ensureSysctl } from '../host/sysctl';
import { formatCidr, type Cidr } from '../../ipam/net/cidr';
import type { PortMapping } from './config';

/**
 * twill's nftables state: one table `inet twill` shared by every twill network on the node.
 * Per network it holds set elements (its bridge, its subnets), never per-pod rules, so a DEL
 * without a namespace cannot leak a chain. Per pod it holds only port-mapping map elements,
 * each tagged with a comment naming its owner, so DEL and GC find them without other state.
 */
export const TABLE = 'twill';
const T = `inet ${TABLE}`;

const BASE = `add table ${T}
add set ${T} bridges { type ifname; }
add set ${T} same_bridge { type ifname . ifname; }
add set ${T} masq4 { type ipv4_addr; flags interval; }
add set ${T} masq6 { type ipv6_addr; flags interval; }
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
add rule ${T} postrouting ip saddr @masq4 oifname != @bridges masquerade
add rule ${T} postrouting ip6 saddr @masq6 oifname != @bridges masquerade
add rule ${T} postrouting ct status dnat ip saddr @pods4 oifname @bridges masquerade
add rule ${T} postrouting ct status dnat ip6 saddr @pods6 oifname @bridges masquerade
add rule ${T} postrouting ct status dnat ip saddr 127.0.0.0/8 masquerade
add rule ${T} forward iifname @bridges oifname @bridges iifname . oifname != @same_bridge drop
`;
// The rules above, in order: published ports (node address or localhost) are DNATed to pods;
// pods leaving for anything but a twill bridge are masqueraded (ipMasq); DNATed traffic that
// comes back into a bridge (hairpin, pod → node:port → pod) or from localhost is masqueraded so
// replies return through the node; traffic between two different twill bridges is dropped.

export interface NetworkRules {
  bridge: string;
  subnets: Cidr[];
  ipMasq: boolean;
}

function setName(base: string, c: Cidr): string {
  return `${base}${c.ip.family}`;
}

export function networkScript(net: NetworkRules): string {
  const lines = [
    `add element ${T} bridges { "${net.bridge}" }`,
    `add element ${T} same_bridge { "${net.bridge}" . "${net.bridge}" }`,
    ...net.subnets.map((s) => `add element ${T} ${setName('pods', s)} { ${formatCidr(s)} }`),
    ...(net.ipMasq ? net.subnets.map((s) => `add element ${T} ${setName('masq', s)} { ${formatCidr(s)} }`) : []),
  ];
  return `${BASE}${lines.join('\n')}\n`;
}

/** Per network namespace (the node's), since tests and nested runtimes run plugins in several. */
function markerPath(bridge: string): string {
  return `/run/twill/ns-${statSync("/proc/self/ns/net").ino}/${bridge}.rules`;
}

/**
 * Applies the network's rules unless this node already has exactly them: the marker (in /run,
 * so a reboot clears it together with the rules) holds the script applied last, and saves an
 * nft exec on almost every ADD. Compared as text: hashing 3 KB costs more than reading it.
 * A newly created bridge forces a fresh apply.
 */
export function ensureNetworkRules(runner: Runner, net: NetworkRules, opts: { force: boolean }): void {
  const script = networkScript(net);
  const marker = markerPath(net.bridge);
  if (!opts.force) {
    try {
      if (readFileSync(marker, 'utf8') === script) return;
    } catch {
      // no marker yet
    }
  }
  nftApply(runner, script);
  mkdirSync(marker.slice(0, marker.lastIndexOf('/')), { recursive: true, mode: 0o700 });
  writeFileSync(marker, script, { mode: 0o600 });
}

export function forgetNetworkRules(bridge: string): void {
  rmSync(markerPath(bridge), { force: true });
}

/** The tag on a pod's elements: its host veth (unique per attachment) and network. nft comments hold 128 bytes. */
export function ownerTag(hostVeth: string, network: string): string {
  return `${hostVeth} ${network}`.slice(0, 128);
}

export interface PodAddresses {
  ipv4?: string;
  ipv6?: string;
}

function mappingElements(m: PortMapping, pod: PodAddresses): Array<{ map: string; key: string; value: string }> {
  const out: Array<{ map: string; key: string; value: string }> = [];
  const families: Array<[4 | 6, string | undefined]> = [[4, pod.ipv4], [6, pod.ipv6]];
  for (const [family, podIp] of families) {
    if (!podIp) continue;
    const hostFamily = m.hostIP === undefined ? undefined : m.hostIP.includes(':') ? 6 : 4;
    if (hostFamily !== undefined && hostFamily !== family) continue;
    const value = `${podIp} . ${m.containerPort}`;
    if (m.hostIP === undefined) out.push({ map: `hostports${family}`, key: `${m.protocol} . ${m.hostPort}`, value });
    else out.push({ map: `hostports${family}ip`, key: `${m.hostIP} . ${m.protocol} . ${m.hostPort}`, value });
  }
  return out;
}

/** `create` (not `add`) so a host port another pod already publishes fails the ADD instead of being overwritten. */
export function portMappingScript(mappings: PortMapping[], pod: PodAddresses, tag: string): string {
  return mappings
    .flatMap((m) => mappingElements(m, pod))
    .map((e) => `create element ${T} ${e.map} { ${e.key} comment "${tag}" : ${e.value} }\n`)
    .join('');
}

export function setupPortMappings(runner: Runner, opts: { bridge: string; mappings: PortMapping[]; pod: PodAddresses; tag: string }): void {
  if (!opts.mappings.length) return;
  // Lets localhost:hostPort reach a pod: DNATed packets keep a 127.0.0.1 source until masqueraded.
  if (opts.pod.ipv4) ensureSysctl(`net/ipv4/conf/${opts.bridge}/route_localnet`, '1');
  try {
    nftApply(runner, portMappingScript(opts.mappings, opts.pod, opts.tag));
  } catch (err) {
    if (!(err instanceof CommandError) || !/File exists/.test(err.stderr)) throw err;
    const taken = opts.mappings.map((m) => `${m.hostIP ? `${m.hostIP}:` : ''}${m.hostPort}/${m.protocol}`).join(', ');
    throw new CniError(ErrorCode.portInUse, `runtimeConfig.portMappings: host port already published by another pod (one of ${taken})`, err.stderr.trim());
  }
}

/** Removes every port-mapping element whose tag passes `owned`; returns what went. */
export function removePortMappings(runner: Runner, owned: (tag: string) => boolean): NftElement[] {
  const mine = nftListElements(runner, 'inet', TABLE).filter((e) => e.map.startsWith('hostports') && e.comment !== undefined && owned(e.comment));
  if (mine.length) nftApply(runner, mine.map((e) => `delete element ${T} ${e.map} { ${e.key} }\n`).join(''));
  return mine;
}
