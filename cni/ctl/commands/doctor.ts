/** `twillctl doctor`: the node's usual failure causes, each with its fix (doctor-checks.ts decides). */
import { readSysctl } from '../../host/sysctl';
import { HOST_VETH_PATTERN } from '../../plugin/names';
import type { Ctx, Report } from '../context';
import { runChecks, type DoctorFacts, type NetworkFacts } from '../doctor-checks';
import { table } from '../output';
import { readBinaries } from '../read/binaries';
import { loadConfDir, twillNetworks, type ConfFile } from '../read/conflists';
import { readPeersFile } from '../read/files';
import { addressesOf, checksumOffload, readLinks, type KernelLink } from '../read/kernel';

async function networkFacts(ctx: Ctx, conf: ConfFile, links: KernelLink[]): Promise<NetworkFacts> {
  const bridge = links.find((l) => l.ifname === conf.twill!.bridge);
  const vethMtus = links.filter((l) => l.master === conf.twill!.bridge && HOST_VETH_PATTERN.test(l.ifname)).map((l) => ({ name: l.ifname, mtu: l.mtu ?? 0 }));
  const peers = readPeersFile(ctx.paths.runDir, conf.network!);
  const facts: NetworkFacts = { conf, bridgeAddresses: bridge ? addressesOf(bridge) : null, vethMtus };
  if (peers) {
    const dev = links.find((l) => l.ifname === peers.device);
    const underlay = links.find((l) => l.ifname === peers.underlay.dev);
    const offload = dev ? await checksumOffload(ctx, peers.device) : undefined;
    facts.overlay = { device: peers.device, deviceMtu: dev?.mtu ?? null, underlayMtu: underlay?.mtu ?? peers.underlay.mtu, underlayFamily: peers.underlay.family, offload };
  }
  return facts;
}

interface NftJson {
  nftables: Array<{ chain?: unknown; set?: { name: string; elem?: unknown[] } }>;
}

async function nftFacts(ctx: Ctx): Promise<DoctorFacts['nft']> {
  try {
    await ctx.runAsync(['nft', '--version']);
  } catch {
    return undefined;
  }
  try {
    const doc = JSON.parse((await ctx.runAsync(['nft', '-j', 'list', 'table', 'inet', 'twill'])).stdout) as NftJson;
    const bridges = doc.nftables.find((i) => i.set?.name === 'bridges')?.set?.elem ?? [];
    return { table: true, chains: doc.nftables.filter((i) => i.chain).length, bridges: bridges.map(String) };
  } catch {
    return { table: false, chains: 0, bridges: [] };
  }
}

export async function cmdDoctor(ctx: Ctx): Promise<Report> {
  const files = loadConfDir(ctx.paths.confDir);
  const links = await readLinks(ctx);
  const networks = await Promise.all(twillNetworks(files).map((f) => networkFacts(ctx, f, links)));
  const { bundles, runtimes } = readBinaries(ctx.paths.binDir);
  const facts: DoctorFacts = {
    ipForward: readSysctl('net/ipv4/ip_forward'),
    brNetfilter: readSysctl('net/bridge/bridge-nf-call-iptables'),
    version: ctx.version,
    binaries: bundles,
    runtimes,
    files,
    networks,
    nft: await nftFacts(ctx),
  };
  const checks = runChecks(facts);
  const failed = checks.filter((c) => !c.ok);
  const rows = checks.map((c) => [c.ok ? 'ok' : 'FAIL', c.id, c.ok ? c.detail : `${c.detail}\nfix: ${c.fix}`]);
  const text = table(['', 'CHECK', 'DETAIL'], rows) + `${failed.length} problem${failed.length === 1 ? '' : 's'} found\n`;
  return { data: { checks, problems: failed.length }, text, problems: failed.length };
}
