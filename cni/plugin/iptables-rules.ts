import { iptablesRestore, iptablesSave, parseSave, type IpFamily, type SavedTable } from '../host/iptables';
import { CommandError, type Runner } from '../host/run';
import { literal, quoted } from '../host/script-words';
import { formatCidr } from '../../ipam/net/cidr';
import { mappingAppliesTo, type PortMapping } from './config';
import type { FirewallState, NetworkRules, PodAddresses, PruneScope, PublishedPort, RemovedMapping } from './firewall-types';
import { deleteLine, iptablesStaleRules, legacyRules, netCommentText } from './iptables-prune';
import { overlaps, publicationsOf } from './publish';

/**
 * The iptables fallback, for nodes without nft: the same behaviour as the nftables rules,
 * in twill's own chains. Network rules carry the comment "twill net BRIDGE NETWORK"; a pod's DNAT
 * rules carry its owner tag, so DEL and GC find them by listing, as with nft.
 */
const HOSTPORTS = 'TWILL-HOSTPORTS';
const POSTROUTING = 'TWILL-POSTROUTING';
const FORWARD = 'TWILL-FORWARD';
const ISOLATE = 'TWILL-ISOLATE';

interface TableRules {
  table: 'nat' | 'filter';
  chains: string[];
  rules: string[];
}

function netComment(net: NetworkRules): string {
  return `-m comment --comment ${quoted(netCommentText(net.bridge, net.network))}`;
}

/** What one network needs in each table (iptables-save's own spelling, so presence is a string match). */
function networkRules(net: NetworkRules, family: IpFamily): TableRules[] {
  const subnets = net.subnets.filter((s) => s.ip.family === family).map(formatCidr);
  const loop = family === 4 ? '127.0.0.0/8' : '::1/128';
  const c = netComment(net);
  const bridge = literal(net.bridge);
  const nat: string[] = [
    `-A PREROUTING -m addrtype --dst-type LOCAL -j ${HOSTPORTS}`,
    `-A OUTPUT -m addrtype --dst-type LOCAL -j ${HOSTPORTS}`,
    `-A POSTROUTING -j ${POSTROUTING}`,
    `-A ${POSTROUTING} -s ${loop} -m conntrack --ctstate DNAT -j MASQUERADE`,
    ...subnets.map((s) => `-A ${POSTROUTING} -s ${s} -o ${bridge} ${c} -m conntrack --ctstate DNAT -j MASQUERADE`),
    ...(net.ipMasq ? subnets.map((s) => `-A ${POSTROUTING} -s ${s} ! -o ${bridge} ${c} -j MASQUERADE`) : []),
  ];
  const filter = [
    `-A FORWARD -j ${FORWARD}`,
    `-A ${FORWARD} -i ${bridge} ! -o ${bridge} ${c} -j ${ISOLATE}`,
    `-A ${ISOLATE} -o ${bridge} ${c} -j DROP`,
  ];
  return [
    { table: 'nat', chains: [HOSTPORTS, POSTROUTING], rules: nat },
    { table: 'filter', chains: [FORWARD, ISOLATE], rules: filter },
  ];
}

/**
 * Lines that add what is missing (new chains declared: declaring an existing one would flush
 * it; missing rules appended), after deleting `stale` rules that are not wanted.
 */
function restoreLines(saved: SavedTable, want: TableRules, stale: string[]): string[] {
  return [
    ...want.chains.filter((ch) => !saved.chains.has(ch)).map((ch) => `:${ch} - [0:0]`),
    ...stale.filter((r) => !want.rules.includes(r)).map(deleteLine),
    ...want.rules.filter((r) => !saved.rules.includes(r)),
  ];
}

/**
 * Adds the network's missing rules and, in the same atomic restore, deletes those that outlived
 * their network (and this bridge's rules from a twill before network comments). When that fails
 * (a concurrent prune deleted a rule first), only the missing rules: pruning waits for next time.
 */
export function ensureNetworkIptables(runner: Runner, net: NetworkRules, scope: PruneScope): void {
  const families = [...new Set(net.subnets.map((s) => s.ip.family))];
  for (const family of families) {
    for (const want of networkRules(net, family)) {
      const saved = parseSave(iptablesSave(runner, family, want.table));
      const stale = [...new Set([...iptablesStaleRules(saved.rules, scope), ...legacyRules(saved.rules, net.bridge)])];
      try {
        iptablesRestore(runner, family, want.table, restoreLines(saved, want, stale));
      } catch (err) {
        if (!stale.length || !(err instanceof CommandError)) throw err;
        iptablesRestore(runner, family, want.table, restoreLines(saved, want, []));
      }
    }
  }
}

function dnatRule(m: PortMapping, podIp: string, tag: string): string {
  const dest = podIp.includes(':') ? `[${literal(podIp)}]:${m.containerPort}` : `${literal(podIp)}:${m.containerPort}`;
  const hostIp = m.hostIP ? `-d ${literal(m.hostIP)}/${m.hostIP.includes(':') ? 128 : 32} ` : '';
  return `-A ${HOSTPORTS} ${hostIp}-p ${m.protocol} -m ${m.protocol} --dport ${m.hostPort} -m comment --comment ${quoted(tag)} -j DNAT --to-destination ${dest}`;
}

/** The DNAT rules in a saved nat table, as publications. */
function publishedIn(saved: SavedTable, family: IpFamily): PublishedPort[] {
  return saved.rules.flatMap((r) => {
    const tag = dnatTag(r);
    if (tag === undefined) return [];
    const hostIP = / -d (\S+?)\/\d+ /.exec(r)?.[1];
    return [{ ...mappingOf(r), tag, family, ...(hostIP ? { hostIP } : {}) }];
  });
}

/**
 * Adds a pod's DNAT rules unless one of them overlaps a rule already there (its own leftovers
 * included): then it adds nothing and says false. iptables has no atomic "create", so this is
 * a check before; the check after (cni/plugin/publish.ts) covers concurrent ADDs.
 */
export function tryPublishIptables(runner: Runner, opts: { mappings: PortMapping[]; pod: PodAddresses; tag: string }): boolean {
  const mine = publicationsOf(opts.mappings, opts.pod, opts.tag);
  const perFamily: Array<[IpFamily, string | undefined]> = [[4, opts.pod.ipv4], [6, opts.pod.ipv6]];
  const plans = perFamily
    .filter(([, ip]) => ip)
    .map(([family, ip]) => ({ family, ip: ip!, mappings: opts.mappings.filter((m) => mappingAppliesTo(m, family)), saved: parseSave(iptablesSave(runner, family, 'nat')) }));
  const existing = plans.flatMap((p) => publishedIn(p.saved, p.family));
  if (mine.some((m) => existing.some((e) => overlaps(m, e)))) return false;
  for (const p of plans) iptablesRestore(runner, p.family, 'nat', p.mappings.map((m) => dnatRule(m, p.ip, opts.tag)));
  return true;
}

function mappingOf(rule: string): RemovedMapping {
  return { protocol: / -p (\w+) /.exec(rule)?.[1] ?? '', hostPort: Number(/--dport (\d+)/.exec(rule)?.[1]) };
}

/** The nat table of each family this node has (ip6tables may be missing). */
function natTables(runner: Runner): Array<{ family: IpFamily; saved: SavedTable }> {
  return ([4, 6] as const).flatMap((family) => {
    try {
      return [{ family, saved: parseSave(iptablesSave(runner, family, 'nat')) }];
    } catch {
      return [];
    }
  });
}

/** The owner tag of one of our DNAT rules, undefined for any other rule. */
function dnatTag(rule: string): string | undefined {
  return rule.startsWith(`-A ${HOSTPORTS} `) ? /--comment "?([^"]+?)"? -j DNAT/.exec(rule)?.[1] : undefined;
}

/** Deletes every DNAT rule whose tag passes `owned`, in both families. */
export function removePortMappingsIptables(runner: Runner, owned: (tag: string) => boolean): RemovedMapping[] {
  const removed: RemovedMapping[] = [];
  for (const { family, saved } of natTables(runner)) {
    const mine = saved.rules.filter((r) => {
      const tag = dnatTag(r);
      return tag !== undefined && owned(tag);
    });
    iptablesRestore(runner, family, 'nat', mine.map((r) => `-D${r.slice(2)}`));
    removed.push(...mine.map(mappingOf));
  }
  return removed;
}

const MASQUERADE_RULE = new RegExp(`^-A ${POSTROUTING} -s (\\S+) ! -o \\S+ .*-j MASQUERADE$`);

/** What is in place, for CHECK: masqueraded subnets and DNAT rules, both families. */
export function iptablesState(runner: Runner): FirewallState {
  const state: FirewallState = { masqueraded: new Set(), published: [] };
  for (const { family, saved } of natTables(runner)) {
    for (const r of saved.rules) {
      const masq = MASQUERADE_RULE.exec(r);
      if (masq) state.masqueraded.add(masq[1]);
    }
    state.published.push(...publishedIn(saved, family));
  }
  return state;
}
