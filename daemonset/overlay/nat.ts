import { nftApplyAsync, nftSetElements } from '../../cni/host/nft-async';
import type { AsyncRunner } from '../../cni/host/run-async';
import { NOMASQ_SETS, TABLE } from '../../cni/plugin/nft-rules';
import { canonicalNetwork, formatCidr, lastAddress, parseCidr, type Cidr } from '../../ipam/net/cidr';

/**
 * Outbound NAT only for traffic leaving the cluster: the plugin's ipMasq rule masquerades a
 * pod's traffic unless its destination is in `nomasq4`/`nomasq6`, and the agent keeps those
 * sets equal to the cluster's pod CIDRs (the configured cluster CIDRs, or every node's pod
 * subnets when the cluster allocates them). Traffic to another node's pods leaves through the
 * VXLAN device (or the underlay, with direct routing), neither of them a twill bridge, so
 * without this it would be masqueraded and the peer pod would see the node's address.
 *
 * Level-triggered like the overlay: one `nft -j list set` per family, a transaction only
 * when the sets differ (the sets are the agent's alone: it flushes and refills them).
 */
const T = `inet ${TABLE}`;

/** A CIDR as the sweep needs it, flat (kept per input across calls: a few objects each was ~1.5 MB at 5,000 nodes). */
export interface ParsedNet {
  /** Its canonical network's text, "10.244.3.0/24". */
  key: string;
  family: 4 | 6;
  prefix: number;
  /** Its network address and its last address. */
  start: bigint;
  end: bigint;
}

/** Start address, then the wider prefix first: a network sorts before every network inside it. */
function byStart(a: ParsedNet, b: ParsedNet): number {
  if (a.family !== b.family) return a.family - b.family;
  if (a.start !== b.start) return a.start < b.start ? -1 : 1;
  return a.prefix - b.prefix;
}

/** `text` parsed (null when it does not parse), from `parsed` when seen before. */
function parsedNetwork(text: string, parsed: Map<string, ParsedNet | null>): ParsedNet | null {
  let p = parsed.get(text);
  if (p === undefined) {
    const c = parseCidr(text);
    const net = c && canonicalNetwork(c);
    p = net ? { key: formatCidr(net), family: net.ip.family, prefix: net.prefix, start: net.ip.value, end: lastAddress(net).value } : null;
    parsed.set(text, p);
  }
  return p;
}

/**
 * Canonical networks, without any that another one contains (an interval set refuses overlaps),
 * in key order. Networks either nest or are disjoint, so after sorting by start one sweep drops
 * every network that starts inside the last one kept: O(n log n), where comparing all pairs cost
 * ~1 s at 5,000. `parsed` carries parses across calls (an event changes one CIDR of thousands).
 */
export function reducedNetworks(cidrs: string[], parsed: Map<string, ParsedNet | null> = new Map()): ParsedNet[] {
  const unique = new Map<string, ParsedNet>();
  for (const text of cidrs) {
    const p = parsedNetwork(text, parsed);
    if (p) unique.set(p.key, p);
  }
  const kept: ParsedNet[] = [];
  let last: ParsedNet | undefined;
  for (const p of [...unique.values()].sort(byStart)) {
    if (last && last.family === p.family && p.start <= last.end) continue;
    kept.push(p);
    last = p;
  }
  return kept.sort((a, b) => (a.key < b.key ? -1 : 1));
}

/** reducedNetworks as CIDRs. */
export function noMasqueradeCidrs(cidrs: string[], parsed: Map<string, ParsedNet | null> = new Map()): Cidr[] {
  return reducedNetworks(cidrs, parsed).map((p) => ({ ip: { family: p.family, value: p.start }, prefix: p.prefix }));
}

/** nft prints a host prefix (/32, /128) as a bare address. */
export function setKey(c: Cidr): string {
  const text = formatCidr(c);
  return c.prefix === (c.ip.family === 4 ? 32 : 128) ? text.slice(0, text.indexOf('/')) : text;
}

/** setKey of a parsed network: its own key (no new string) unless it is a host prefix. */
export function netSetKey(p: ParsedNet): string {
  return p.prefix === (p.family === 4 ? 32 : 128) ? p.key.slice(0, p.key.indexOf('/')) : p.key;
}

export function noMasqueradeScript(cidrs: Cidr[]): string {
  return scriptForKeys((family) => cidrs.filter((c) => c.ip.family === family).map(setKey));
}

function scriptForKeys(keysOf: (family: 4 | 6) => string[]): string {
  const lines = [`add table ${T}`, NOMASQ_SETS, `flush set ${T} nomasq4`, `flush set ${T} nomasq6`];
  for (const family of [4, 6] as const) {
    const keys = keysOf(family);
    if (keys.length) lines.push(`add element ${T} nomasq${family} { ${keys.join(', ')} }`);
  }
  return `${lines.join('\n')}\n`;
}

/** Makes the sets hold exactly `want`; returns true when it changed them. */
async function rewriteIfDifferent(runner: AsyncRunner, want: ParsedNet[]): Promise<boolean> {
  const [v4, v6] = await Promise.all([4, 6].map((f) => nftSetElements(runner, 'inet', TABLE, `nomasq${f}`)));
  const have = v4 && v6 ? [...v4, ...v6].sort() : undefined;
  const wanted = want.map(netSetKey).sort();
  if (have && have.length === wanted.length && have.every((k, i) => k === wanted[i])) return false;
  await nftApplyAsync(runner, scriptForKeys((family) => want.filter((p) => p.family === family).map(netSetKey)));
  return true;
}

/** Makes the sets hold exactly `cidrs` (reduced by noMasqueradeCidrs); returns true when it changed them. */
export async function syncNoMasquerade(runner: AsyncRunner, cidrs: string[]): Promise<boolean> {
  return rewriteIfDifferent(runner, reducedNetworks(cidrs));
}

/** One transaction taking `del` out of the sets and putting `add` in (deletes first: a wider network may replace narrower ones). */
export function noMasqueradeDelta(del: string[], add: string[]): string {
  const lines = [`add table ${T}`, NOMASQ_SETS];
  for (const [verb, keys] of [['delete', del], ['add', add]] as const) {
    for (const family of [4, 6] as const) {
      const mine = keys.filter((k) => k.includes(':') === (family === 6));
      if (mine.length) lines.push(`${verb} element ${T} nomasq${family} { ${mine.join(', ')} }`);
    }
  }
  return `${lines.join('\n')}\n`;
}

/**
 * The sets as the agent last wrote or verified them, so that one node joining or leaving 5,000
 * is one element added or deleted, not a listing of 5,000 and a refill. A full pass (`verify`)
 * reads the sets back and rewrites them when they differ; a delta that fails (someone else
 * changed the sets meanwhile) falls back to that.
 */
export class NoMasqueradeSets {
  private known: Set<string> | undefined;
  private readonly parsed = new Map<string, ParsedNet | null>();

  constructor(private readonly runner: AsyncRunner) {}

  /** Returns true when it changed the sets. */
  async sync(cidrs: string[], verify: boolean): Promise<boolean> {
    // Past inputs' parses: an event changes one CIDR of 5,000, parsing them all again cost ~50 ms.
    if (this.parsed.size > 2 * cidrs.length + 64) this.parsed.clear();
    const want = reducedNetworks(cidrs, this.parsed);
    const keys = new Set(want.map(netSetKey));
    const known = this.known;
    this.known = undefined; // unknown until this call succeeds
    const delta = !verify && known ? await this.applyDelta(known, keys) : undefined;
    const changed = delta ?? (await rewriteIfDifferent(this.runner, want));
    this.known = keys;
    return changed;
  }

  /** Whether the delta changed anything; undefined when nft refused it. */
  private async applyDelta(known: ReadonlySet<string>, keys: ReadonlySet<string>): Promise<boolean | undefined> {
    const del = [...known].filter((k) => !keys.has(k));
    const add = [...keys].filter((k) => !known.has(k));
    if (!del.length && !add.length) return false;
    return nftApplyAsync(this.runner, noMasqueradeDelta(del, add)).then(() => true, () => undefined);
  }
}
