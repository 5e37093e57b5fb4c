/**
 * `<runDir>/peers-<network>.json`: the peers the agent last programmed, so twillctl can compare
 * the kernel's routes, neighbours and FDB entries with what the agent wants without the API
 * server. Written after each overlay pass, only when its bytes change (syncConfigFile).
 */
import { join } from 'node:path';
import { syncConfigFile } from '../cni-config/write';
import type { DesiredOverlay, OverlaySyncReport } from '../overlay';

export function peersStatePath(runDir: string, network: string): string {
  return join(runDir, `peers-${network}.json`);
}

/** The file's JSON (twillctl reads this shape: cni/ctl/read/peers-file.ts). */
export function peersStateContent(network: string, desired: DesiredOverlay, report: OverlaySyncReport): string {
  const skipped = new Map(report.peers.skipped.map((s) => [s.name, s.reason]));
  const peers = [...desired.peers]
    .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))
    .map((p) => ({ name: p.name, podCIDRs: p.podCIDRs, underlayIp: p.underlayIp ?? '', vtepMac: p.vtepMac ?? '', skipped: skipped.get(p.name) ?? '' }));
  const { config } = desired;
  const doc = { network, device: config.device, vni: config.vni, node: config.nodeName, vtepMac: report.vtepMac, underlay: report.underlay, mtu: report.mtu, directRouting: config.directRouting, peers };
  return JSON.stringify(doc) + '\n';
}

export async function writePeersState(o: { runDir: string; network: string; desired: DesiredOverlay; report: OverlaySyncReport }): Promise<void> {
  await syncConfigFile({ path: peersStatePath(o.runDir, o.network), content: peersStateContent(o.network, o.desired, o.report) });
}
