import { nftApplyAsync, nftTableItems, renderSetElem, type NftTableItem } from '../../cni/host/nft-async';
import type { AsyncRunner } from '../../cni/host/run-async';
import { netSetKey, reducedNetworks, type ParsedNet } from './nat';

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

/**
 * Every network's destinations reduced (nested networks dropped) into per-family sets, and their
 * union. `parsed` carries parses across calls (an event changes one node subnet of thousands).
 */
export function isolationSets(networks: string[][], parsed: Map<string, ParsedNet | null> = new Map()): IsolationSets {
  const sets: IsolationSets = {};
  const byFamily = (nets: ParsedNet[], f: 4 | 6) => nets.filter((p) => p.family === f).map(netSetKey).sort();
  networks.forEach((cidrs, i) => {
    const reduced = reducedNetworks(cidrs, parsed);
    for (const f of [4, 6] as const) sets[`n${i}_${f}`] = byFamily(reduced, f);
  });
  const all = reducedNetworks(networks.flat(), parsed);
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
export function isolationScript(networks: string[][], sets = networks.length < 2 ? {} : isolationSets(networks)): string {
  const lines = [`add table ${T}`, `delete table ${T}`];
  if (networks.length < 2) return `${lines.join('\n')}\n`;
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

/** The fingerprint the table should have for `networks` (their sets given when known); undefined: no table. */
export function wantedFingerprint(networks: string[][], sets = networks.length < 2 ? {} : isolationSets(networks)): string | undefined {
  if (networks.length < 2) return undefined;
  const list = Object.entries(sets).map(([name, keys]) => `${name}=${[...keys].sort().join(',')}`).sort();
  return JSON.stringify({ sets: list, forward: true, rules: 2 * networks.length });
}

/** One transaction taking the sets from `known` to `want` (same networks), deletes first; undefined when equal. */
export function isolationDelta(known: IsolationSets, want: IsolationSets): string | undefined {
  const lines: string[] = [];
  for (const [verb, from, to] of [['delete', want, known], ['add', known, want]] as const) {
    for (const [name, keys] of Object.entries(to)) {
      const other = new Set(from[name] ?? []);
      const diff = keys.filter((k) => !other.has(k));
      if (diff.length) lines.push(`${verb} element ${T} ${name} { ${diff.join(', ')} }`);
    }
  }
  return lines.length ? `${lines.join('\n')}\n` : undefined;
}

/**
 * The table as last written or verified. Between full passes (`verify`) a change of one
 * network's destinations (a node joining a cluster-allocated pod network) is an element delta,
 * not a listing and a rewrite of thousands; a full pass reads the table back and rewrites it
 * when it differs, as does a delta nft refuses.
 */
export class IsolationTable {
  /** The sets as last written or verified, per network count; 'absent': no table. */
  private known: { count: number; sets: IsolationSets } | 'absent' | undefined;
  private readonly parsed = new Map<string, ParsedNet | null>();

  constructor(private readonly runner: AsyncRunner) {}

  /** Makes the table match `networks` (each network's cluster destinations, config order); true when it wrote. */
  async sync(networks: string[][], verify: boolean): Promise<boolean> {
    const known = this.known;
    this.known = undefined; // unknown until this call succeeds
    if (this.parsed.size > 4 * networks.flat().length + 64) this.parsed.clear();
    const sets = networks.length < 2 ? undefined : isolationSets(networks, this.parsed);
    const want = sets ? { count: networks.length, sets } : 'absent';
    const delta = verify || !known ? undefined : await this.applyDelta(known, want);
    const changed = delta ?? (await this.rewriteIfDifferent(networks, sets));
    this.known = want;
    return changed;
  }

  /** Whether the delta changed anything; undefined when it cannot tell (shape changed, or nft refused it). */
  private async applyDelta(known: Exclude<IsolationTable['known'], undefined>, want: Exclude<IsolationTable['known'], undefined>): Promise<boolean | undefined> {
    if (known === 'absent' || want === 'absent') return known === want ? false : undefined;
    if (known.count !== want.count) return undefined;
    const script = isolationDelta(known.sets, want.sets);
    if (!script) return false;
    return nftApplyAsync(this.runner, script).then(() => true, () => undefined);
  }

  private async rewriteIfDifferent(networks: string[][], sets: IsolationSets | undefined): Promise<boolean> {
    const have = isolationFingerprint(await nftTableItems(this.runner, 'inet', ISOLATION_TABLE));
    if (have === wantedFingerprint(networks, sets ?? {})) return false;
    await nftApplyAsync(this.runner, isolationScript(networks, sets ?? {}));
    return true;
  }
}
