import { forceBatch, strictBatch, type BatchFailure } from '../../cni/host/batch-async';
import type { AsyncRunner } from '../../cni/host/run-async';
import { canonicalIp, subnetOf } from './addr';
import { deviceLines, planDevice, type DeviceAction } from './device';
import { diffOverlay } from './diff';
import { changeBatches, type ChangeBatches } from './lines';
import { readOffload, syncChecksumOffload } from './offload';
import { ownedRoutes } from './ownership';
import { planPeers, type PeerPlanInput } from './plan';
import type { KeptPlan } from './plan-keep';
import { readKernelState, type KernelState, type ReadOptions, type ReadScope } from './read';
import { resolveUnderlay } from './underlay';
import type { OverlayChanges, OverlayConfig, Peer, PeerPlan, SkippedPeer, Underlay } from './types';

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

/**
 * An event's worth of peers: only their entries are read (kernel lookups, not table dumps) and
 * fixed, so programming one node added to 5,000 costs what it costs at 5. Sweeping everything
 * else is the periodic full sync's job.
 */
export interface SyncScope {
  /** Peers added or changed, by name: their state is the one in `desired.peers`. */
  names: string[];
  /** What the agent last knew of peers that changed or were deleted: their old subnets and MAC are swept. */
  previous?: Peer[];
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
  /** True when only a scope's entries were read and fixed. */
  scoped: boolean;
  /** Where the time went: reading kernel state, computing the plan and diff, writing. */
  timings: { readMs: number; planMs: number; applyMs: number };
}

/** The subnets and MACs a scope touches: its peers' current state and what they had before. */
function readScope(d: DesiredOverlay, scope: SyncScope): ReadScope {
  const names = new Set(scope.names);
  const peers = [...d.peers.filter((p) => names.has(p.name)), ...(scope.previous ?? [])].filter((p) => p.name !== d.config.nodeName);
  const subnets = new Map(peers.flatMap((p) => p.podCIDRs.map(subnetOf)).filter((s) => s !== undefined).map((s) => [s.cidr, s]));
  const macs = new Set(peers.map((p) => p.vtepMac?.toLowerCase()).filter((m) => m !== undefined));
  return { subnets: [...subnets.values()], macs };
}

function readOptions(d: DesiredOverlay, scope?: SyncScope): ReadOptions {
  const names = scope && new Set(scope.names);
  const peers = d.peers.filter((p) => p.name !== d.config.nodeName && (!names || names.has(p.name)));
  const ips = d.config.directRouting ? peers.map((p) => canonicalIp(p.underlayIp ?? '')) : [];
  const routeGets = [...new Set(ips.filter((ip) => ip !== undefined))];
  return { device: d.config.device, underlayInterface: d.config.underlay.interface, routeGets, scope: scope && readScope(d, scope) };
}

type State = KernelState & { features: Awaited<ReturnType<typeof readOffload>> };

/**
 * Kernel state and (full passes only: an event never changes it) the device's offload features,
 * read concurrently; of twill's routes only this network's (another's are never swept here).
 */
async function readAll(runner: AsyncRunner, o: ReadOptions, config: OverlayConfig): Promise<State> {
  const [state, features] = await Promise.all([readKernelState(runner, o), o.scope ? undefined : readOffload(runner, o.device)]);
  const actual = { ...state.actual, routes: ownedRoutes(config.ownership, state.actual.routes) };
  return { ...state, actual, features };
}

/** The plan cut down to a scope's keys (the scope's kernel entries are all that was read). */
function restrictPlan(plan: PeerPlan, scope: ReadScope | undefined): PeerPlan {
  if (!scope) return plan;
  const cidrs = new Set(scope.subnets.map((s) => s.cidr));
  const networks = new Set(scope.subnets.map((s) => s.network));
  return { ...plan, routes: plan.routes.filter((r) => cidrs.has(r.dst)), neighbours: plan.neighbours.filter((n) => networks.has(n.ip)), fdb: plan.fdb.filter((e) => scope.macs.has(e.mac)) };
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

interface Outcome {
  dev: ReturnType<typeof deviceLines>;
  spec: ReturnType<typeof planDevice>;
  plan: PeerPlan;
  changes: OverlayChanges;
  applied: Awaited<ReturnType<typeof applyBatches>>;
  offloadChanged: boolean;
  scoped: boolean;
  times: [number, number, number, number];
}

function report(o: Outcome): OverlaySyncReport {
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

/**
 * The plan, patched from `kept` when a scope allows (else planned whole, and kept when every
 * peer's on-link fact is known: a scoped read route-gets only the scope's peers).
 */
function planFor(input: PeerPlanInput, read: ReadScope | undefined, scope: SyncScope | undefined, kept: KeptPlan | undefined): PeerPlan {
  const patched = read && scope && kept?.patch(input, scope.names, scope.previous ?? []);
  if (patched) return patched;
  if (kept && (!read || !input.config.directRouting)) return kept.full(input);
  kept?.drop();
  return planPeers(input);
}

/**
 * Reconciles the overlay: everything, or with `scope` only the entries of the peers an event
 * named. `kept` (the caller's, across calls) spares an event planning every peer again.
 */
export async function syncOverlay(runner: AsyncRunner, desired: DesiredOverlay, scope?: SyncScope, kept?: KeptPlan): Promise<OverlaySyncReport> {
  const t0 = performance.now();
  const { config } = desired;
  let opts = readOptions(desired, scope);
  let state = await readAll(runner, opts, config);
  const underlay = resolveUnderlay(config, state.links);
  const spec = planDevice(config, underlay);
  const dev = deviceLines(spec, state.actual.device);
  await strictBatch(runner, ['ip'], dev.lines);
  if (dev.action === 'created' || dev.action === 'recreated') {
    // A new device holds nothing yet, and a deleted one took its routes along: read everything again.
    opts = readOptions(desired);
    state = await readAll(runner, opts, config);
  }
  const t1 = performance.now();
  const plan = planFor({ config, underlay, peers: desired.peers, onLink: state.onLink }, opts.scope, scope, kept);
  const changes = diffOverlay(restrictPlan(plan, opts.scope), state.actual);
  const t2 = performance.now();
  const applied = await applyBatches(runner, changeBatches(changes, spec.name));
  const offloadChanged = await syncChecksumOffload(runner, { dev: spec.name, features: state.features, workaround: config.checksumOffloadWorkaround });
  return report({ dev, spec, plan, changes, applied, offloadChanged, scoped: opts.scope !== undefined, times: [t0, t1, t2, performance.now()] });
}
