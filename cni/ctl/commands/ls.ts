/** `twillctl ls`: twill's networks and their pods (from the IPAM store, the links and nft). */
import type { Ctx, Report } from '../context';
import { gatherNode } from '../gather';
import { table } from '../output';
import { shortId, type PodRecord } from '../pods';

function podRow(p: PodRecord): string[] {
  const veth = p.vethPresent ? p.hostVeth : `${p.hostVeth} (gone)`;
  return [shortId(p.containerId), p.pod || '-', p.ifname, p.ips.join('\n'), veth, p.ports.join('\n') || '-'];
}

export async function cmdLs(ctx: Ctx, o: { network?: string }): Promise<Report> {
  const view = await gatherNode(ctx, o.network);
  const networks = view.networks.map((f) => ({ network: f.network!, file: f.file, bridge: f.twill!.bridge, pods: view.pods.filter((p) => p.network === f.network).length }));
  // One table per network, headed by its bridge and conflist: a network column would not leave 80 columns.
  const text = networks
    .map((n) => `network ${n.network} (bridge ${n.bridge}, ${n.pods} pod${n.pods === 1 ? '' : 's'})\nconflist ${n.file}\n` + table(['CONTAINER', 'POD', 'IF', 'ADDRESSES', 'HOST VETH', 'PORTS'], view.pods.filter((p) => p.network === n.network).map(podRow)))
    .join('\n');
  return { data: { networks, pods: view.pods }, text, problems: 0 };
}
