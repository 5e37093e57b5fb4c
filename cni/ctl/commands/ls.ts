/** `twillctl ls`: twill's networks and their pods (from the IPAM store, the links and nft). */
import type { Ctx, Report } from '../context';
import { gatherNode } from '../gather';
import { table } from '../output';
import { shortId, type PodRecord } from '../pods';

function podRow(p: PodRecord): string[] {
  const veth = p.vethPresent ? p.hostVeth : `${p.hostVeth} (gone)`;
  return [p.network, shortId(p.containerId), p.pod || '-', p.ifname, p.ips.join('\n'), veth, p.ports.join('\n') || '-'];
}

export async function cmdLs(ctx: Ctx, o: { network?: string }): Promise<Report> {
  const view = await gatherNode(ctx, o.network);
  const networks = view.networks.map((f) => ({ network: f.network!, file: f.file, bridge: f.twill!.bridge, pods: view.pods.filter((p) => p.network === f.network).length }));
  const text =
    table(['NETWORK', 'BRIDGE', 'PODS', 'CONFLIST'], networks.map((n) => [n.network, n.bridge, String(n.pods), n.file])) +
    '\n' +
    table(['NETWORK', 'CONTAINER', 'POD', 'IF', 'ADDRESSES', 'HOST VETH', 'PORTS'], view.pods.map(podRow));
  return { data: { networks, pods: view.pods }, text, problems: 0 };
}
