/**
 * doctor's "rules" check (pure), for the backend the node uses (read/nat.ts): twill's rules gone
 * while its networks have bridges means someone flushed them (nft flush ruleset, firewalld
 * reload, iptables-restore without --noflush). nftables: the table, its chains and the bridges
 * set. iptables: per network and family, the jumps into TWILL-* and the network's own rules.
 */
import { netCommentText } from '../plugin/iptables-prune';
import { parseCidr } from '../../ipam/net/cidr';
import type { Check, DoctorFacts, NetworkFacts } from './doctor-checks';
import type { IptablesFamily } from './read/nat';

export type FirewallFacts =
  | { backend: 'none' }
  | { backend: 'nftables'; table: boolean; chains: number; bridges: string[] }
  | { backend: 'iptables'; families: IptablesFamily[] };

const FIX = 'rules come back with the next ADD on the network (the plugin trusts its marker for a minute); find what flushes them (nft flush ruleset, firewalld reload, iptables-restore without --noflush)';
const pass = (detail: string): Check => ({ id: 'rules', ok: true, detail, fix: '' });
const fail = (detail: string): Check => ({ id: 'rules', ok: false, detail, fix: FIX });

/** The rules ensureNetworkIptables (cni/plugin/iptables-rules.ts) puts in place for every network. */
const JUMPS = {
  nat: ['-A PREROUTING -m addrtype --dst-type LOCAL -j TWILL-HOSTPORTS', '-A OUTPUT -m addrtype --dst-type LOCAL -j TWILL-HOSTPORTS', '-A POSTROUTING -j TWILL-POSTROUTING'],
  filter: ['-A FORWARD -j TWILL-FORWARD'],
} as const;

/** What of one network's iptables rules is missing, e.g. "IPv4 nat: -A POSTROUTING -j TWILL-POSTROUTING". */
export function missingIptables(families: IptablesFamily[], n: NetworkFacts, subnets: string[]): string[] {
  const bridge = n.conf.twill!.bridge;
  const comment = `"${netCommentText(bridge, n.conf.network!)}"`;
  const wanted = [...new Set(subnets.map((s) => parseCidr(s)?.ip.family).filter((f) => f !== undefined))];
  return wanted.flatMap((family) => {
    const have = families.find((f) => f.family === family);
    if (!have) return [`IPv${family}: ${family === 4 ? 'iptables' : 'ip6tables'}-save not available`];
    return (['nat', 'filter'] as const).flatMap((table) => {
      const rules = have[table];
      const gone: string[] = JUMPS[table].filter((j) => !rules.includes(j));
      if (!rules.some((r) => r.includes(comment))) gone.push(`rules of ${n.conf.network} (comment ${comment})`);
      return gone.map((g) => `IPv${family} ${table}: ${g}`);
    });
  });
}

export function checkRules(f: DoctorFacts, subnetsOf: (n: NetworkFacts) => string[]): Check[] {
  const live = f.networks.filter((n) => n.bridgeAddresses !== null);
  if (f.firewall.backend === 'none') return [pass('neither nft nor iptables here: no rules to check')];
  if (!live.length) return [pass('no twill bridge yet')];
  const bridges = live.map((n) => n.conf.twill!.bridge);
  if (f.firewall.backend === 'nftables') {
    const nft = f.firewall;
    if (!nft.table || nft.chains < 4) return [fail(`table inet twill is ${nft.table ? 'missing chains' : 'gone'}: no NAT, no published ports, no isolation`)];
    const missing = bridges.filter((b) => !nft.bridges.includes(b));
    if (missing.length) return [fail(`bridges ${missing.join(', ')} missing from set inet twill bridges`)];
    return [pass(`table inet twill in place for ${bridges.join(', ')}`)];
  }
  const families = f.firewall.families;
  const missing = live.flatMap((n) => missingIptables(families, n, subnetsOf(n)));
  if (missing.length) return [fail(`iptables rules missing: ${missing.join('; ')}: no NAT, no published ports, no isolation`)];
  return [pass(`iptables TWILL-* rules in place for ${bridges.join(', ')}`)];
}
