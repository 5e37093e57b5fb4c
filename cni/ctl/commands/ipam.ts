/** `twillctl ipam`: per range set size, use and hint; reservations nothing on the node uses any more. */
import type { Ctx, Report } from '../context';
import { gatherNode, type GatherOptions } from '../gather';
import { table } from '../output';
import { shortId, type PodRecord } from '../pods';

/** A count for a table: IPv6 range sizes as a power of two ("≈2^64"), JSON keeps the exact figure. */
export function countText(decimal: string): string {
  return decimal.length > 9 ? `≈2^${BigInt(decimal).toString(2).length}` : decimal;
}

/** Why a reservation counts as leaked (pods.ts decides that it is). */
export function leakReason(p: PodRecord): string {
  if (!p.containerId) return 'unreadable reservation';
  if (p.ips.length && !p.vethPresent && !p.netnsPresent) return p.netns ? 'no veth, netns gone' : 'no veth, no netns recorded';
  return 'held by no attachment';
}

/** Reservations that look leaked but are younger than --min-age: most likely an ADD in flight. */
export function settlingNote(n: number): string {
  return n ? `not counted: ${n} younger than --min-age (an ADD in flight, most likely)\n` : '';
}

export async function cmdIpam(ctx: Ctx, o: GatherOptions): Promise<Report> {
  const view = await gatherNode(ctx, o);
  const leaked = view.pods.filter((p) => p.leaked);
  const settling = view.pods.filter((p) => p.settling).length;
  const rangeRows = view.ipam.flatMap((n) =>
    n.error ? [[n.network, '-', n.error, '', '', '', '']] : n.ranges.map((r) => [n.network, String(r.set), r.subnets.join('\n'), countText(r.size), String(r.used), countText(r.free), r.lastReserved ?? '-']),
  );
  const leakRows = leaked.map((p) => [p.network, p.ips.join('\n'), shortId(p.containerId), p.ifname, p.pod || '-', leakReason(p)]);
  const text =
    table(['NETWORK', 'SET', 'SUBNET', 'SIZE', 'USED', 'FREE', 'LAST'], rangeRows) +
    `\nleaked reservations: ${leaked.length}${leaked.length ? ' (twillctl gc --yes releases them)' : ''}\n` +
    settlingNote(settling) +
    (leaked.length ? table(['NETWORK', 'ADDRESSES', 'CONTAINER', 'IF', 'POD', 'WHY'], leakRows) : '');
  const networks = view.ipam.map((n) => ({ network: n.network, dataDir: n.dataDir, ranges: n.ranges, error: n.error ?? null }));
  const leaks = leaked.map((p) => ({ network: p.network, ips: p.ips, containerId: p.containerId, ifname: p.ifname, pod: p.pod, why: leakReason(p) }));
  return { data: { networks, leaked: leaks, settling }, text, problems: leaked.length + view.ipam.filter((n) => n.error).length };
}
