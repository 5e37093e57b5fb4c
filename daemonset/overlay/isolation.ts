import { nftApplyAsync, nftTableItems, renderSetElem, type NftTableItem } from '../../cni/host/nft-async';
import type { AsyncRunner } from '../../cni/host/run-async';
import type { Cidr } from '../../ipam/net/cidr';
import { noMasqueradeCidrs, setKey } from './nat';

/**
 * Isolation between overlay networks across nodes. The plugin's forward rule drops traffic
 * between two twill bridges of ONE node, but a pod of network A can still route to network B's
 * pods on another node: out of bridge A into twill.<vniB> (or the underlay, with direct
 * routing). With more than one network the agent keeps its own table, `inet twilld` (never the
 * plugin's `inet twill`, whose chains the plugin flushes), with one forward-hook rule per
 * network and family: from the network's cluster destinations to any other network's, drop.
 * With one network the table is absent. Level-triggered: read back, written (the whole table,
 * replaced in one transaction) only when it differs.
 */
export const ISOLATION_TABLE = 'twilld';
const T = `inet ${ISOLATION_TABLE}`;
const FAMILY = { 4: { set: 'ipv4_addr', match: 'ip' }, 6: { set: 'ipv6_addr', match: 'ip6' } } as const;

/** The sets the table holds for each network's cluster destinations: "n0_4", …, and the union "all4". */
export interface IsolationSets {
  [set: string]: string[];
}

/** Every network's destinations reduced (nested networks dropped) into per-family sets, and their union. */
export function isolationSets(networks: string[][]): IsolationSets {
  const sets: IsolationSets = {};
  const byFamily = (cidrs: Cidr[], f: 4 | 6) => cidrs.filter((c) => c.ip.family === f).map(setKey).sort();
  networks.forEach((cidrs, i) => {
    const reduced = noMasqueradeCidrs(cidrs);
    for (const f of [4, 6] as const) sets[`n${i}_${f}`] = byFamily(reduced, f);
  });
  const all = noMasqueradeCidrs(networks.flat());
  for (const f of [4, 6] as const) sets[`all${f}`] = byFamily(all, f);
  return sets;
}

function ruleLines(count: number): string[] {
  const rules: string[] = [];
  for (let i = 0; i < count; i++) {
    for (const f of [4, 6] as const) {
      const { match } = FAMILY[f];
      rules.push(`add rule ${T} forward ${match} saddr @n${i}_${f} ${match} daddr @all${f} ${match} daddr != @n${i}_${f} drop`);
    }
  }
  return rules;
}

/** The whole table, replacing any earlier one in the same transaction; with fewer than two networks only its removal. */
export function isolationScript(networks: string[][]): string {
  const lines = [`add table ${T}`, `delete table ${T}`];
  if (networks.length < 2) return `${lines.join('\n')}\n`;
  const sets = isolationSets(networks);
  lines.push(`add table ${T}`);
  for (const name of Object.keys(sets)) lines.push(`add set ${T} ${name} { type ${FAMILY[name.endsWith('6') ? 6 : 4].set}; flags interval; }`);
  lines.push(`add chain ${T} forward { type filter hook forward priority filter; policy accept; }`, ...ruleLines(networks.length));
  for (const [name, keys] of Object.entries(sets)) if (keys.length) lines.push(`add element ${T} ${name} { ${keys.join(', ')} }`);
  return `${lines.join('\n')}\n`;
}

/** What the table holds, comparably: its sets' elements and its forward chain's rule count. */
export function isolationFingerprint(items: NftTableItem[] | undefined): string | undefined {
  if (!items) return undefined;
  const sets = items.filter((i) => i.set).map((i) => `${i.set!.name}=${(i.set!.elem ?? []).map(renderSetElem).sort().join(',')}`).sort();
  const forward = items.some((i) => i.chain?.name === 'forward' && i.chain.hook === 'forward');
  const rules = items.filter((i) => i.rule?.chain === 'forward').length;
  return JSON.stringify({ sets, forward, rules });
}

/** The fingerprint the table should have for `networks`; undefined: no table. */
export function wantedFingerprint(networks: string[][]): string | undefined {
  if (networks.length < 2) return undefined;
  const sets = Object.entries(isolationSets(networks)).map(([name, keys]) => `${name}=${[...keys].sort().join(',')}`).sort();
  return JSON.stringify({ sets, forward: true, rules: 2 * networks.length });
}

/**
 * The table as last written or verified: a pass whose networks' destinations did not change
 * writes nothing and reads nothing unless told to verify (full passes do).
 */
export class IsolationTable {
  private known: string | undefined;

  constructor(private readonly runner: AsyncRunner) {}

  /** Makes the table match `networks` (each network's cluster destinations, config order); true when it wrote. */
  async sync(networks: string[][], verify: boolean): Promise<boolean> {
    // One network: whatever its destinations, the table is absent (an event's change needs no read).
    const want = networks.length < 2 ? 'absent' : JSON.stringify(networks);
    if (!verify && this.known === want) return false;
    this.known = undefined;
    const have = isolationFingerprint(await nftTableItems(this.runner, 'inet', ISOLATION_TABLE));
    const changed = have !== wantedFingerprint(networks);
    if (changed) await nftApplyAsync(this.runner, isolationScript(networks));
    this.known = want;
    return changed;
  }
}
