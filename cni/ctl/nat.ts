/**
 * Published ports and NAT rules as twillctl shows them (pure), from either backend's state
 * (read/nat.ts). A pod's ports are found by its owner tag ("<host veth> <network>", the comment
 * the plugin puts on each DNAT map element or rule); its network's NAT by the network's tag.
 */
import { netCommentText } from '../plugin/iptables-prune';
import { networkTag } from '../plugin/nft-rules';
import type { IptablesFamily, NatState, NftTwill } from './read/nat';

export interface PortMapping {
  /** The owner tag: "<host veth> <network>". */
  tag: string;
  family: 4 | 6;
  protocol: string;
  hostPort: number;
  hostIP?: string;
  /** Where DNAT sends it: "10.244.1.2:80", "[fd00::2]:80". */
  target: string;
}

/** One NAT rule or element that concerns a pod: where it lives and what it says. */
export interface NatLine {
  where: string;
  text: string;
}

const hostPart = (ip: string) => (ip.includes(':') ? `[${ip}]` : ip);

/** "8080/tcp", "127.0.0.1:8080/tcp": the host side, as ls prints it. */
export function hostText(m: Pick<PortMapping, 'protocol' | 'hostPort' | 'hostIP'>): string {
  return `${m.hostIP ? `${hostPart(m.hostIP)}:` : ''}${m.hostPort}/${m.protocol}`;
}

export function mappingText(m: PortMapping): string {
  return `${hostText(m)} → ${m.target}`;
}

function nftMappings(nft: NftTwill): PortMapping[] {
  return nft.entries.flatMap((e) => {
    const m = /^hostports([46])(ip)?$/.exec(e.set);
    if (!m || e.comment === undefined || e.value === undefined) return [];
    const key = e.key.split(' . ');
    const [addr, port] = e.value.split(' . ');
    const hostIP = m[2] ? key[0] : undefined;
    return [{ tag: e.comment, family: Number(m[1]) as 4 | 6, protocol: key[key.length - 2], hostPort: Number(key[key.length - 1]), ...(hostIP ? { hostIP } : {}), target: `${hostPart(addr)}:${port}` }];
  });
}

const DNAT_RULE = /^-A TWILL-HOSTPORTS .*--comment "?([^"]+?)"? -j DNAT --to-destination (\S+)$/;

function iptablesMappings(families: IptablesFamily[]): PortMapping[] {
  return families.flatMap(({ family, nat }) =>
    nat.flatMap((r) => {
      const m = DNAT_RULE.exec(r);
      if (!m) return [];
      const hostIP = / -d (\S+?)\/\d+ /.exec(r)?.[1];
      return [{ tag: m[1], family, protocol: / -p (\w+) /.exec(r)?.[1] ?? '', hostPort: Number(/--dport (\d+)/.exec(r)?.[1]), ...(hostIP ? { hostIP } : {}), target: m[2] }];
    }),
  );
}

/** Every published port on the node, either backend. */
export function portMappings(state: NatState): PortMapping[] {
  if (state.backend === 'nftables') return state.nft ? nftMappings(state.nft) : [];
  return state.backend === 'iptables' ? iptablesMappings(state.families) : [];
}

export interface PodNatScope {
  /** The pod's owner tag ("<host veth> <network>"). */
  tag: string;
  network: string;
  bridge: string;
}

/** nftables: the elements tagged for the pod or its network, and the NAT rules that use their sets. */
function nftLines(nft: NftTwill, s: PodNatScope): NatLine[] {
  const mine = nft.entries.filter((e) => e.comment === s.tag || e.comment === networkTag(s.bridge, s.network));
  const sets = new Set(mine.map((e) => e.set));
  const elements = mine.map((e) => ({ where: e.set, text: e.value === undefined ? e.key : `${e.key} : ${e.value}` }));
  const rules = nft.rules.filter((r) => r.type === 'nat' && [...sets].some((set) => new RegExp(`@${set}(\\s|$)`).test(r.text)));
  return [...elements, ...rules.map((r) => ({ where: r.chain, text: r.text }))];
}

/** iptables: the pod's DNAT rules, its network's rules and the jumps into twill's chains (nat table). */
function iptablesLines(families: IptablesFamily[], s: PodNatScope): NatLine[] {
  const net = `"${netCommentText(s.bridge, s.network)}"`;
  return families.flatMap(({ family, nat }) =>
    nat
      .filter((r) => r.includes(`"${s.tag}"`) || r.includes(net) || / -j TWILL-\S+$/.test(r))
      .map((r) => ({ where: family === 4 ? 'iptables' : 'ip6tables', text: r })),
  );
}

export function podNatLines(state: NatState, s: PodNatScope): NatLine[] {
  if (state.backend === 'nftables') return state.nft ? nftLines(state.nft, s) : [];
  return state.backend === 'iptables' ? iptablesLines(state.families, s) : [];
}
