/**
 * `twillctl inspect <containerID | pod name | IP>`: the pod's interfaces, addresses and routes
 * from inside its namespace, its host veth and bridge port, its published ports and NAT
 * elements, its IPAM reservation.
 */
import type { Ctx, Report } from '../context';
import { gatherNode } from '../gather';
import { fields, table } from '../output';
import { podMatches, type PodRecord } from '../pods';
import { ownerTag } from '../../plugin/names';
import { addressesOf, readPodView, type KernelLink } from '../read/kernel';
import { UsageError } from '../exec/options';
import { mappingText, podNatLines, portMappings, type NatLine } from '../nat';
import type { NatState } from '../read/nat';

function hostPort(p: PodRecord, links: KernelLink[]) {
  const l = links.find((x) => x.ifname === p.hostVeth);
  const port = l?.linkinfo?.info_slave_data ?? {};
  return {
    name: p.hostVeth,
    present: l !== undefined,
    bridge: l?.master ?? null,
    state: l?.operstate ?? null,
    mtu: l?.mtu ?? null,
    alias: l?.ifalias ?? null,
    hairpin: (port.hairpin as boolean | undefined) ?? null,
    isolated: (port.isolated as boolean | undefined) ?? null,
  };
}

function interfacesText(ifaces: Array<{ name: string; mac: string; mtu: number; addresses: string[] }>): string {
  return table(['INTERFACE', 'MAC', 'MTU', 'ADDRESSES'], ifaces.map((i) => [i.name, i.mac, String(i.mtu), i.addresses.join('\n')]));
}

/** The pod's published ports (DNAT targets) and the NAT elements and rules that concern it. */
function natOf(state: NatState, p: PodRecord, bridge: string) {
  const tag = ownerTag(p.hostVeth, p.network);
  return { mappings: portMappings(state).filter((m) => m.tag === tag), lines: podNatLines(state, { tag, network: p.network, bridge }) };
}

const NAT_TITLE = { nftables: 'NAT (nftables, table inet twill)', iptables: 'NAT (iptables, nat table)', none: 'NAT: neither nft nor iptables on this node' } as const;

function natText(backend: NatState['backend'], lines: NatLine[]): string {
  if (backend === 'none') return `\n${NAT_TITLE.none}\n`;
  return `\n${NAT_TITLE[backend]}:\n` + (lines.length ? table(['WHERE', 'ELEMENT OR RULE'], lines.map((l) => [l.where, l.text])) : '(nothing for this pod or its network: flushed? twillctl doctor)\n');
}

export async function cmdInspect(ctx: Ctx, query: string, o: { network?: string }): Promise<Report> {
  const view = await gatherNode(ctx, { network: o.network, natRules: true });
  const found = view.pods.filter((p) => podMatches(p, query));
  if (!found.length) throw new UsageError(`no pod on this node matches "${query}" (container ID, pod name or address)`);
  if (found.length > 1) throw new UsageError(`"${query}" matches ${found.length} attachments: ${found.map((p) => `${p.containerId}/${p.ifname}`).join(', ')}`);
  const p = found[0];
  const inside = p.netnsPresent ? await readPodView(ctx, p.netns) : { links: [], routes: [], error: 'namespace gone' };
  const interfaces = inside.links.map((l) => ({ name: l.ifname, mac: l.address ?? '', mtu: l.mtu ?? 0, addresses: addressesOf(l, 'any') }));
  const routes = inside.routes.map((r) => `${r.dst}${r.gateway ? ` via ${r.gateway}` : ''}${r.dev ? ` dev ${r.dev}` : ''}`);
  const veth = hostPort(p, view.links);
  const nat = natOf(view.nat, p, view.networks.find((f) => f.network === p.network)!.twill!.bridge);
  const data = { pod: p, interfaces, routes, hostVeth: veth, portMappings: nat.mappings, nat: { backend: view.nat.backend, rules: nat.lines }, namespaceError: inside.error ?? null };
  const text =
    fields([
      ['container', p.containerId],
      ['pod', p.pod || '-'],
      ['network', p.network],
      ['netns', `${p.netns || '-'}${p.netnsPresent ? '' : ' (gone)'}`],
      ['reservation', `${p.ips.join(', ')}${p.leaked ? ' (LEAKED)' : p.settling ? ' (no veth yet: an ADD in flight?)' : ''}${p.reservedAt ? `, made ${p.reservedAt}` : ''}`],
      ['host veth', veth.present ? `${veth.name} on ${veth.bridge ?? '-'}, ${veth.state}, mtu ${veth.mtu}, hairpin ${veth.hairpin ? 'on' : 'off'}` : `${veth.name} (gone)`],
      ['ports', nat.mappings.map(mappingText).join('\n' + ' '.repeat(13)) || '-'],
    ]) +
    '\n' +
    (inside.error ? `inside: ${inside.error}\n` : interfacesText(interfaces) + '\nroutes:\n' + routes.map((r) => `  ${r}\n`).join('')) +
    natText(view.nat.backend, nat.lines);
  return { data, text, problems: p.leaked ? 1 : 0 };
}
