/**
 * `<runDir>/peers-<network>.json`: the peers the agent last programmed, so twillctl can compare
 * the kernel's routes, neighbours and FDB entries with what the agent wants without the API
 * server. Written after overlay passes, at most once a second (PeersStateWriter), only when its
 * bytes change (syncConfigFile).
 */
import { join } from 'node:path';
import { syncConfigFile } from '../cni-config/write';
import type { PeersFile } from '../../cni/ctl/read/files';
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
  const doc: PeersFile = { network, device: config.device, vni: config.vni, node: config.nodeName, vtepMac: report.vtepMac, underlay: report.underlay, mtu: report.mtu, directRouting: config.directRouting, peers };
  return JSON.stringify(doc) + '\n';
}

export async function writePeersState(o: { runDir: string; network: string; desired: DesiredOverlay; report: OverlaySyncReport }): Promise<void> {
  await syncConfigFile({ path: peersStatePath(o.runDir, o.network), content: peersStateContent(o.network, o.desired, o.report) });
}

type PeersState = { desired: DesiredOverlay; report: OverlaySyncReport };

/**
 * Writes the peers file at most once per interval: at once when the last write is older (the
 * first pass, a lone event), else once when the interval ends, with the newest state. Under churn
 * a write per event was a copy, sort and ~600 KB of JSON of 5,000 peers (about 9 ms and several
 * MB of garbage each); twillctl reading a file up to a second behind is fine.
 */
export class PeersStateWriter {
  private last = -Infinity;
  private pending: PeersState | undefined;
  private timer: ReturnType<typeof setTimeout> | undefined;

  constructor(private readonly o: { runDir: string; network: string; intervalMs?: number; now?: () => number; write?: (s: PeersState) => Promise<void> }) {}

  /** Resolves when written (an immediate write) or queued; a queued write that fails makes the next one immediate, and its error that pass's. */
  async update(state: PeersState): Promise<void> {
    const now = this.now();
    if (!this.timer && now - this.last >= this.interval) {
      this.last = now;
      return this.write(state).catch((err: unknown) => {
        this.last = -Infinity; // the retry pass writes at once again
        throw err;
      });
    }
    this.pending = state;
    this.timer ??= setTimeout(() => void this.flush(), Math.max(0, this.last + this.interval - now));
    this.timer.unref?.();
  }

  private async flush(): Promise<void> {
    this.timer = undefined;
    const state = this.pending;
    this.pending = undefined;
    if (!state) return;
    this.last = this.now();
    await this.write(state).catch(() => {
      this.last = -Infinity;
    });
  }

  private get interval(): number {
    return this.o.intervalMs ?? 1000;
  }

  private now(): number {
    return (this.o.now ?? performance.now.bind(performance))();
  }

  private write(s: PeersState): Promise<void> {
    return this.o.write ? this.o.write(s) : writePeersState({ runDir: this.o.runDir, network: this.o.network, ...s });
  }
}
