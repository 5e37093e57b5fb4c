/**
 * `twillctl status`: installed binaries and their versions, twill's conflists and whether
 * runtimes send them STATUS/GC, the plugin's own STATUS, bridge and VXLAN devices, and the
 * agent's readiness (subnets, MTU) per network.
 */
import type { Ctx, Report } from '../context';
import { section, table } from '../output';
import { runChain } from '../exec/chain';
import { readBinaries } from '../read/binaries';
import { getsStatusAndGc, loadConfDir, twillNetworks, type ConfFile } from '../read/conflists';
import { readReadiness } from '../read/files';
import { addressesOf, linkKind, readLinks, type KernelLink } from '../read/kernel';

async function pluginStatus(ctx: Ctx, f: ConfFile): Promise<string> {
  const conf = { ...f, doc: { ...f.doc!, cniVersion: getsStatusAndGc(f.highest) ? f.highest! : '1.1.0' } };
  const out = await runChain(ctx, { command: 'STATUS', conf, runtimeConfig: {} });
  if (out.ok) return 'ok';
  const e = out.failed!.error;
  return typeof e === 'string' ? e : `code ${e.code}: ${e.msg}`;
}

function networkEntry(f: ConfFile, links: KernelLink[], runDir: string) {
  const bridge = links.find((l) => l.ifname === f.twill!.bridge);
  const ready = readReadiness(runDir, f.network!, f.twill!.readiness);
  return {
    network: f.network!,
    file: f.file,
    cniVersion: f.cniVersion ?? '',
    highest: f.highest ?? '',
    statusAndGc: getsStatusAndGc(f.highest),
    bridge: { name: f.twill!.bridge, present: bridge !== undefined, state: bridge?.operstate ?? null, mtu: bridge?.mtu ?? null, addresses: bridge ? addressesOf(bridge) : [] },
    readiness: f.twill!.readiness ? (ready ? { subnets: ready.subnets, mtu: ready.mtu } : null) : null,
    gated: f.twill!.readiness !== undefined,
  };
}

export async function cmdStatus(ctx: Ctx): Promise<Report> {
  const { bundles, runtimes } = readBinaries(ctx.paths.binDir);
  const links = await readLinks(ctx);
  const networks = [];
  for (const f of twillNetworks(loadConfDir(ctx.paths.confDir))) networks.push({ ...networkEntry(f, links, ctx.paths.runDir), status: await pluginStatus(ctx, f) });
  const vxlan = links.filter((l) => linkKind(l) === 'vxlan' && l.ifname.startsWith('twill.')).map((l) => ({ name: l.ifname, vni: (l.linkinfo?.info_data?.id as number) ?? null, mtu: l.mtu ?? null, state: l.operstate ?? null, mac: l.address ?? '' }));
  const problems = bundles.filter((b) => b.version === null).length + networks.filter((n) => n.status !== 'ok').length;
  const text = [
    section(`binaries in ${ctx.paths.binDir} (twillctl ${ctx.version})`, table(['BINARY', 'VERSION'], [...bundles.map((b) => [b.name, b.version ?? 'MISSING']), ...runtimes.map((r) => [r, 'runtime'])])),
    section('networks', table(['NETWORK', 'CNI VERSION', 'STATUS/GC', 'BRIDGE', 'AGENT READY', 'STATUS'], networks.map(networkRow))),
    section('overlay devices', table(['DEVICE', 'VNI', 'MTU', 'STATE', 'MAC'], vxlan.map((v) => [v.name, String(v.vni ?? '-'), String(v.mtu ?? '-'), v.state ?? '-', v.mac]))),
  ].join('\n');
  return { data: { version: ctx.version, binDir: ctx.paths.binDir, binaries: bundles, runtimes, networks, vxlan }, text, problems };
}

function networkRow(n: ReturnType<typeof networkEntry> & { status: string }): string[] {
  const bridge = n.bridge.present ? `${n.bridge.name} ${n.bridge.state}\n${n.bridge.addresses.join('\n')}` : `${n.bridge.name} (absent)`;
  const ready = !n.gated ? 'not gated' : n.readiness ? `${n.readiness.subnets.join('\n')}\nmtu ${n.readiness.mtu}` : 'NOT READY';
  return [n.network, `${n.cniVersion} (max ${n.highest})`, n.statusAndGc ? 'yes' : 'NO', bridge, ready, n.status];
}

