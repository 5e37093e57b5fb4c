import { nftApplyAsync, nftSetElements } from '../../cni/host/nft-async';
import type { AsyncRunner } from '../../cni/host/run-async';
import { NOMASQ_SETS, TABLE } from '../../cni/plugin/nft-rules';
import { cidrContains, canonicalNetwork, formatCidr, parseCidr, type Cidr } from '../../ipam/net/cidr';

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

/** Canonical networks, without any that another one contains (an interval set refuses overlaps). */
export function noMasqueradeCidrs(cidrs: string[]): Cidr[] {
  const nets = cidrs.map(parseCidr).filter((c): c is Cidr => c !== undefined).map(canonicalNetwork);
  const unique = [...new Map(nets.map((c) => [formatCidr(c), c])).values()];
  const covered = (c: Cidr) => unique.some((o) => o !== c && o.prefix < c.prefix && cidrContains(o, c.ip));
  return unique.filter((c) => !covered(c)).sort((a, b) => (formatCidr(a) < formatCidr(b) ? -1 : 1));
}

/** nft prints a host prefix (/32, /128) as a bare address. */
function setKey(c: Cidr): string {
  const text = formatCidr(c);
  return c.prefix === (c.ip.family === 4 ? 32 : 128) ? text.slice(0, text.indexOf('/')) : text;
}

export function noMasqueradeScript(cidrs: Cidr[]): string {
  const lines = [`add table ${T}`, NOMASQ_SETS, `flush set ${T} nomasq4`, `flush set ${T} nomasq6`];
  for (const family of [4, 6] as const) {
    const keys = cidrs.filter((c) => c.ip.family === family).map(setKey);
    if (keys.length) lines.push(`add element ${T} nomasq${family} { ${keys.join(', ')} }`);
  }
  return `${lines.join('\n')}\n`;
}

/** Makes the sets hold exactly `cidrs`; returns true when it changed them. */
export async function syncNoMasquerade(runner: AsyncRunner, cidrs: string[]): Promise<boolean> {
  const want = noMasqueradeCidrs(cidrs);
  const [v4, v6] = await Promise.all([4, 6].map((f) => nftSetElements(runner, 'inet', TABLE, `nomasq${f}`)));
  const have = v4 && v6 ? [...v4, ...v6].sort() : undefined;
  const wanted = want.map(setKey).sort();
  if (have && have.length === wanted.length && have.every((k, i) => k === wanted[i])) return false;
  await nftApplyAsync(runner, noMasqueradeScript(want));
  return true;
}
