import { iptablesRestore, iptablesSave, parseSave, type IpFamily } from '../host/iptables';
import type { Runner } from '../host/run';
import type { PruneScope } from './firewall-types';

/**
 * A network's iptables rules carry the comment "twill net BRIDGE NETWORK" (iptables keeps 255
 * bytes of it), so pruning finds what a network or a bridge left behind. Each network has its
 * own copy of its bridge's isolation rules: duplicates cost nothing and go with their network.
 * Rules of a twill before this ("twill net BRIDGE") are attributed to their bridge only.
 */
export function netCommentText(bridge: string, network: string): string {
  return `twill net ${bridge} ${network}`.slice(0, 255);
}

const NET_COMMENT = / -m comment --comment "twill net (\S+)( [^"]*)?"/;

/** The bridge a rule belongs to, and its whole comment; undefined for rules without a network comment. */
function ownerOf(rule: string): { bridge: string; comment: string } | undefined {
  const m = NET_COMMENT.exec(rule);
  return m ? { bridge: m[1], comment: `twill net ${m[1]}${m[2] ?? ''}` } : undefined;
}

/** The stale ones: every rule of a bridge that is gone (or just created again), and those of a network with no attachment left. */
export function iptablesStaleRules(rules: string[], scope: PruneScope): string[] {
  const own = scope.network && netCommentText(scope.network.bridge, scope.network.name);
  return rules.filter((r) => {
    const owner = ownerOf(r);
    if (!owner) return false;
    return owner.bridge === scope.recreated || !scope.bridgeExists(owner.bridge) || owner.comment === own;
  });
}

/** Rules a twill before network comments made for this bridge: replaced by the network's own. */
export function legacyRules(rules: string[], bridge: string): string[] {
  return rules.filter((r) => ownerOf(r)?.comment === `twill net ${bridge}`);
}

/** "-A CHAIN …" → the line that deletes it. */
export function deleteLine(rule: string): string {
  return `-D${rule.slice(2)}`;
}

/** GC's prune, both families and tables (a family without its tool is skipped); returns the bridges whose rules went. */
export function pruneNetworksIptables(runner: Runner, scope: PruneScope): string[] {
  const bridges = new Set<string>();
  for (const family of [4, 6] as IpFamily[]) {
    for (const table of ['nat', 'filter']) {
      let rules: string[];
      try {
        rules = parseSave(iptablesSave(runner, family, table)).rules;
      } catch {
        continue;
      }
      const stale = iptablesStaleRules(rules, scope);
      iptablesRestore(runner, family, table, stale.map(deleteLine));
      stale.forEach((r) => bridges.add(ownerOf(r)!.bridge));
    }
  }
  return [...bridges];
}
