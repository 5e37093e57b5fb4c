import { ipReadBatch, jsonLine } from '../../cni/host/batch-async';
import type { AsyncRunner } from '../../cni/host/run-async';
import { canonicalIp } from './addr';
import { diffOverlay } from './diff';
import { changeBatches } from './lines';
import { KeptPlan } from './plan-keep';
import { onLinkDev } from './read';
import { applyBatches, type BatchWriter } from './sync-apply';
import { report, type OverlaySyncReport } from './sync-report';
import type { ActualOverlay, DeviceSpec, OverlayConfig, Peer, PeerPlan } from './types';

/**
 * What the overlay keeps between passes: the plan per peer, the device as the last full pass
 * verified it, and the writer (the agent's long-lived batch sessions).
 */
export class KeptOverlay {
  /** Replaced whole when a full pass that planned aside commits (sync-full.ts). */
  plan = new KeptPlan();
  /** Set by a full pass that got the device right; a scoped pass writes against it. */
  device: DeviceSpec | undefined;
  /** While a full pass reads without the lock: the peers passes wrote meanwhile ('all': a whole pass ran). */
  private touched: Peer[] | 'all' | undefined;

  constructor(readonly write?: BatchWriter) {}

  /** A full pass starts reading (with the lock held, so no pass is halfway through its writes). */
  startRecording(): void {
    this.touched = [];
  }

  /** A pass is about to write these peers' entries (or everything); kept only while a full pass reads. */
  record(peers: Peer[] | 'all'): void {
    if (this.touched === undefined || this.touched === 'all') return;
    if (peers === 'all') this.touched = 'all';
    else this.touched.push(...peers);
  }

  /** What was written since startRecording; recording stops. */
  stopRecording(): Peer[] | 'all' {
    const touched = this.touched ?? [];
    this.touched = undefined;
    return touched;
  }
}

/** The kept entries as the kernel holds them after the pass that wrote them. */
function asActual(plan: PeerPlan): ActualOverlay {
  return {
    routes: plan.routes,
    neighbours: plan.neighbours.map((n) => ({ ...n, permanent: true })),
    fdb: plan.fdb.map((e) => ({ ...e, permanent: true })),
  };
}

/** Direct routing: which of the scope's peers are on-link (`route get` each; nothing else is read). */
async function onLinkOf(runner: AsyncRunner, config: OverlayConfig, peers: Peer[]): Promise<Map<string, string>> {
  const onLink = new Map<string, string>();
  if (!config.directRouting) return onLink;
  const ips = [...new Set(peers.map((p) => canonicalIp(p.underlayIp ?? '')).filter((ip) => ip !== undefined))];
  const lines = await ipReadBatch(runner, ips.map((ip) => `route get ${ip}`));
  ips.forEach((ip, i) => {
    const dev = onLinkDev(jsonLine(lines[i]));
    if (dev) onLink.set(ip, dev);
  });
  return onLink;
}

/**
 * An event's pass without reading the kernel: the difference between the kept plan's entries
 * under the scope's keys before and after patching it, written as is. Valid while the kernel
 * holds the kept plan: the caller scopes only after a pass without failures, and damage, the
 * timer and any failure bring a full pass that reads and heals everything. Undefined when the
 * kept state cannot answer (no full pass yet, or the patch declines): the caller reads instead.
 */
export async function syncFromKept(o: { runner: AsyncRunner; kept: KeptOverlay; config: OverlayConfig; peers: Peer[]; names: string[]; previous: Peer[] }): Promise<OverlaySyncReport | undefined> {
  const { kept, config } = o;
  const spec = kept.device;
  if (!spec || !kept.write) return undefined;
  const t0 = performance.now();
  const names = new Set(o.names);
  const onLink = await onLinkOf(o.runner, config, o.peers.filter((p) => names.has(p.name)));
  const t1 = performance.now();
  const patched = kept.plan.patchFrom({ config, underlay: spec.underlay, peers: o.peers, onLink }, o.names, o.previous);
  if (!patched) return undefined;
  const changes = diffOverlay(patched.after, asActual(patched.before));
  const t2 = performance.now();
  const applied = await applyBatches(kept.write, changeBatches(changes, spec.name));
  const dev = { action: 'unchanged' as const, lines: [] };
  return report({ dev, spec, plan: patched.after, changes, applied, offloadChanged: false, scoped: true, times: [t0, t1, t2, performance.now()] });
}
