import { forceBatch, strictBatch, type BatchFailure } from '../../cni/host/batch-async';
import type { AsyncRunner } from '../../cni/host/run-async';
import { formatIp, parseIp } from '../../ipam/net/ip';
import { deviceLines, planDevice, type DeviceAction } from './device';
import { diffOverlay } from './diff';
import { changeBatches, type ChangeBatches } from './lines';
import { readOffload, syncChecksumOffload } from './offload';
import { planPeers } from './plan';
import { readKernelState, type KernelState, type ReadOptions } from './read';
import { resolveUnderlay } from './underlay';
import type { OverlayChanges, OverlayConfig, Peer, SkippedPeer, Underlay } from './types';

/**
 * The overlay's reconciler, level-triggered: the same call serves start-up, every API event
 * and the periodic timer. It reads what the kernel holds, compares it with what this node's
 * settings and peers call for, and applies only the difference in batches; when nothing
 * differs it writes nothing. Manual damage, missed events and peers deleted while the agent
 * was down all heal on the next call.
 */
export interface DesiredOverlay {
  config: OverlayConfig;
  peers: Peer[];
}

export type BatchName = 'device' | 'fdb-set' | 'ip' | 'fdb-delete';

export interface OverlaySyncReport {
  device: DeviceAction;
  /** Why the device was recreated. */
  deviceWhy?: string;
  /** What this node publishes on its Node (annotations) for its peers. */
  vtepMac: string;
  underlay: Underlay;
  mtu: number;
  peers: { programmed: number; skipped: SkippedPeer[] };
  /** Entries set or deleted, by kind (attempted; failed lines are in `failures`). */
  changes: Record<keyof OverlayChanges, number>;
  /** True when the checksum offload setting was changed. */
  offloadChanged: boolean;
  /** Write execs run (0 when the kernel already matched). */
  batches: number;
  failures: Array<BatchFailure & { batch: BatchName }>;
  durationMs: number;
  /** Where the time went: reading kernel state, computing the plan and diff, writing. */
  timings: { readMs: number; planMs: number; applyMs: number };
}

function readOptions(d: DesiredOverlay): ReadOptions {
  const ips = d.config.directRouting ? d.peers.filter((p) => p.name !== d.config.nodeName).map((p) => parseIp(p.underlayIp ?? '')) : [];
  const routeGets = [...new Set(ips.filter((ip) => ip !== undefined).map(formatIp))];
  return { device: d.config.device, underlayInterface: d.config.underlay.interface, routeGets };
}

/** Kernel state and the device's offload features, read concurrently (two or three execs at once). */
async function readAll(runner: AsyncRunner, d: DesiredOverlay): Promise<KernelState & { features: Awaited<ReturnType<typeof readOffload>> }> {
  const [state, features] = await Promise.all([readKernelState(runner, readOptions(d)), readOffload(runner, d.config.device)]);
  return { ...state, features };
}

async function applyBatches(runner: AsyncRunner, b: ChangeBatches): Promise<{ batches: number; failures: OverlaySyncReport['failures'] }> {
  const steps: Array<[BatchName, string, string[]]> = [['fdb-set', 'bridge', b.fdbSet], ['ip', 'ip', b.ip], ['fdb-delete', 'bridge', b.fdbDelete]];
  const failures: OverlaySyncReport['failures'] = [];
  let batches = 0;
  for (const [batch, program, lines] of steps) {
    if (!lines.length) continue;
    batches += 1;
    const run = await forceBatch(runner, [program], lines);
    failures.push(...run.failures.map((f) => ({ ...f, batch })));
  }
  return { batches, failures };
}

function counts(c: OverlayChanges): Record<keyof OverlayChanges, number> {
  return Object.fromEntries(Object.entries(c).map(([k, v]) => [k, (v as unknown[]).length])) as Record<keyof OverlayChanges, number>;
}

export async function syncOverlay(runner: AsyncRunner, desired: DesiredOverlay): Promise<OverlaySyncReport> {
  const t0 = performance.now();
  const { config } = desired;
  let state = await readAll(runner, desired);
  const underlay = resolveUnderlay(config, state.links);
  const spec = planDevice(config, underlay);
  const dev = deviceLines(spec, state.actual.device);
  await strictBatch(runner, ['ip'], dev.lines);
  // A new device holds nothing yet, and a deleted one took its routes along: read again.
  if (dev.action === 'created' || dev.action === 'recreated') state = await readAll(runner, desired);
  const t1 = performance.now();
  const plan = planPeers({ config, underlay, peers: desired.peers, onLink: state.onLink });
  const changes = diffOverlay(plan, state.actual);
  const t2 = performance.now();
  const applied = await applyBatches(runner, changeBatches(changes, spec.name));
  const offloadChanged = await syncChecksumOffload(runner, { dev: spec.name, features: state.features, workaround: config.checksumOffloadWorkaround });
  const t3 = performance.now();
  return {
    device: dev.action,
    ...(dev.why ? { deviceWhy: dev.why } : {}),
    vtepMac: spec.mac,
    underlay,
    mtu: spec.mtu,
    peers: { programmed: plan.programmed, skipped: plan.skipped },
    changes: counts(changes),
    offloadChanged,
    batches: applied.batches + (dev.lines.length ? 1 : 0) + (offloadChanged ? 1 : 0),
    failures: applied.failures,
    durationMs: t3 - t0,
    timings: { readMs: t1 - t0, planMs: t2 - t1, applyMs: t3 - t2 },
  };
}
