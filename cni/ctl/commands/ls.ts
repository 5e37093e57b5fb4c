/**
 * `twillctl ls`: twill's networks and their pods (from the IPAM store, the links and nft).
 * Laid out as `kubectl get` users expect: the pod's namespace/name is never cut (it is what an
 * operator searches for), the default columns leave it room in 80 columns, and `--wide` adds
 * the host veth and netns (also in `inspect`) without fitting to any width, as `-o wide` does.
 */
import type { Ctx, Report } from '../context';
import { gatherNode } from '../gather';
import { table } from '../output';
import { shortId, type PodRecord } from '../pods';

interface Column {
  head: string;
  cell(p: PodRecord): string;
  /** Shown without --wide. */
  narrow: boolean;
}

const DEFAULT_IFNAME = 'eth0';

const COLUMNS: readonly Column[] = [
  { head: 'CONTAINER', cell: (p) => shortId(p.containerId), narrow: true },
  { head: 'POD', cell: (p) => p.pod || '-', narrow: true },
  { head: 'IF', cell: (p) => p.ifname, narrow: false },
  { head: 'ADDRESSES', cell: (p) => p.ips.join('\n'), narrow: true },
  { head: 'HOST VETH', cell: (p) => (p.vethPresent ? p.hostVeth : `${p.hostVeth} (gone)`), narrow: false },
  { head: 'NETNS', cell: (p) => (p.netns ? `${p.netns}${p.netnsPresent ? '' : ' (gone)'}` : '-'), narrow: false },
  { head: 'PORTS', cell: (p) => p.ports.join('\n') || '-', narrow: true },
];

/**
 * One network's pod table. Without --wide, IF shows only when an attachment is not eth0 (a
 * second network's net1), and a missing host veth becomes a note under the table.
 */
export function podTable(pods: PodRecord[], o: { wide: boolean }): string {
  const odd = pods.some((p) => p.ifname !== DEFAULT_IFNAME);
  const cols = COLUMNS.filter((c) => o.wide || c.narrow || (c.head === 'IF' && odd));
  const whole = cols.map((_, i) => i);
  const text = table(cols.map((c) => c.head), pods.map((p) => cols.map((c) => c.cell(p))), o.wide ? { whole, width: Infinity } : { whole });
  if (o.wide) return text;
  const notes = pods.filter((p) => !p.vethPresent).map((p) => `${p.pod || shortId(p.containerId)}: host veth ${p.hostVeth} gone${p.leaked ? ' (leaked: twillctl gc)' : ''}\n`);
  return text + notes.join('');
}

export async function cmdLs(ctx: Ctx, o: { network?: string; wide?: boolean }): Promise<Report> {
  const view = await gatherNode(ctx, { network: o.network });
  const networks = view.networks.map((f) => ({ network: f.network!, file: f.file, bridge: f.twill!.bridge, pods: view.pods.filter((p) => p.network === f.network).length }));
  // One table per network, headed by its bridge and conflist: a network column would take the pod name's room.
  const text = networks
    .map((n) => `network ${n.network} (bridge ${n.bridge}, ${n.pods} pod${n.pods === 1 ? '' : 's'})\nconflist ${n.file}\n` + podTable(view.pods.filter((p) => p.network === n.network), { wide: o.wide === true }))
    .join('\n');
  return { data: { networks, pods: view.pods }, text, problems: 0 };
}
