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
import { readNat, type NatState } from '../read/nat';
import type { FirewallFacts } from '../rules-check';

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

/** The rules check's facts from the backend the node uses. */
function firewallFacts(state: NatState): FirewallFacts {
  if (state.backend === 'iptables') return { backend: 'iptables', families: state.families };
  if (state.backend === 'none') return { backend: 'none' };
  const nft = state.nft;
  return { backend: 'nftables', table: nft !== null, chains: nft?.chains.length ?? 0, bridges: (nft?.entries ?? []).filter((e) => e.set === 'bridges').map((e) => e.key) };
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
    firewall: firewallFacts(await readNat(ctx, { rules: false })),
  };
  const checks = runChecks(facts);
  const failed = checks.filter((c) => !c.ok);
  const rows = checks.map((c) => [c.ok ? 'ok' : 'FAIL', c.id, c.ok ? c.detail : `${c.detail}\nfix: ${c.fix}`]);
  const text = table(['', 'CHECK', 'DETAIL'], rows) + `${failed.length} problem${failed.length === 1 ? '' : 's'} found\n`;
  return { data: { checks, problems: failed.length }, text, problems: failed.length };
}
