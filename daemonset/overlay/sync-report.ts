import type { BatchFailure } from '../../cni/host/batch-async';
import type { DeviceAction, deviceLines } from './device';
import type { DeviceSpec, OverlayChanges, PeerPlan, SkippedPeer, Underlay } from './types';

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
  /** Write batches run (0 when the kernel already matched). */
  batches: number;
  failures: Array<BatchFailure & { batch: BatchName }>;
  durationMs: number;
  /** True when only a scope's entries were read (or, from the kept plan, none) and fixed. */
  scoped: boolean;
  /**
   * Where the time went: reading kernel state, computing the plan and diff, writing. A full pass
   * that read without the lock: applyMs also counts the wait for the lock, heldMs its commit.
   */
  timings: { readMs: number; planMs: number; applyMs: number; heldMs?: number };
}

export interface Applied {
  batches: number;
  failures: OverlaySyncReport['failures'];
}

function counts(c: OverlayChanges): Record<keyof OverlayChanges, number> {
  return Object.fromEntries(Object.entries(c).map(([k, v]) => [k, (v as unknown[]).length])) as Record<keyof OverlayChanges, number>;
}

export interface Outcome {
  dev: ReturnType<typeof deviceLines>;
  spec: DeviceSpec;
  plan: PeerPlan;
  changes: OverlayChanges;
  applied: Applied;
  offloadChanged: boolean;
  scoped: boolean;
  /** performance.now() at the start, after reading, after planning, at the end. */
  times: [number, number, number, number];
}

export function report(o: Outcome): OverlaySyncReport {
  const [t0, t1, t2, t3] = o.times;
  return {
    device: o.dev.action,
    ...(o.dev.why ? { deviceWhy: o.dev.why } : {}),
    vtepMac: o.spec.mac,
    underlay: o.spec.underlay,
    mtu: o.spec.mtu,
    peers: { programmed: o.plan.programmed, skipped: o.plan.skipped },
    changes: counts(o.changes),
    offloadChanged: o.offloadChanged,
    batches: o.applied.batches + (o.dev.lines.length ? 1 : 0) + (o.offloadChanged ? 1 : 0),
    failures: o.applied.failures,
    durationMs: t3 - t0,
    scoped: o.scoped,
    timings: { readMs: t1 - t0, planMs: t2 - t1, applyMs: t3 - t2 },
  };
}
