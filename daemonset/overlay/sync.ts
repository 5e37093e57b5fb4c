import { strictBatch } from '../../cni/host/batch-async';
import type { AsyncRunner } from '../../cni/host/run-async';
import { canonicalIp, subnetOf } from './addr';
import { deviceLines, planDevice } from './device';
import { diffOverlay } from './diff';
import { changeBatches } from './lines';
import { readOffload, syncChecksumOffload } from './offload';
import { ownedRoutes } from './ownership';
import { planPeers, type PeerPlanInput } from './plan';
import type { KeptPlan } from './plan-keep';
import { applyBatches, execWriter } from './sync-apply';
import { syncFromKept, type KeptOverlay } from './sync-kept';
import { report, type OverlaySyncReport } from './sync-report';
import { readKernelState, type KernelState, type ReadOptions, type ReadScope } from './read';
import { resolveUnderlay } from './underlay';
import type { OverlayConfig, Peer, PeerPlan } from './types';

export type { BatchName, OverlaySyncReport } from './sync-report';

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
 * named. `kept` (the caller's, across calls) spares an event planning every peer again and,
 * once a full pass has verified the device, reading the kernel at all (sync-kept.ts).
 */
export async function syncOverlay(runner: AsyncRunner, desired: DesiredOverlay, scope?: SyncScope, kept?: KeptOverlay): Promise<OverlaySyncReport> {
  const fromKept = scope && kept && (await syncFromKept({ runner, kept, config: desired.config, peers: desired.peers, names: scope.names, previous: scope.previous ?? [] }));
  if (fromKept) return fromKept;
  return syncRead(runner, desired, scope, kept);
}

/** A pass that reads the kernel first: all of twill's entries, or a scope's by lookups. */
async function syncRead(runner: AsyncRunner, desired: DesiredOverlay, scope?: SyncScope, kept?: KeptOverlay): Promise<OverlaySyncReport> {
  const t0 = performance.now();
  const { config } = desired;
  let opts = readOptions(desired, scope);
  let state = await readAll(runner, opts, config);
  const spec = planDevice(config, resolveUnderlay(config, state.links));
  const dev = deviceLines(spec, state.actual.device);
  await strictBatch(runner, ['ip'], dev.lines);
  if (dev.action === 'created' || dev.action === 'recreated') {
    // A new device holds nothing yet, and a deleted one took its routes along: read everything again.
    opts = readOptions(desired);
    state = await readAll(runner, opts, config);
  }
  const t1 = performance.now();
  const plan = planFor({ config, underlay: spec.underlay, peers: desired.peers, onLink: state.onLink }, opts.scope, scope, kept?.plan);
  const changes = diffOverlay(restrictPlan(plan, opts.scope), state.actual);
  const t2 = performance.now();
  const applied = await applyBatches(kept?.write ?? execWriter(runner), changeBatches(changes, spec.name));
  const offloadChanged = await syncChecksumOffload(runner, { dev: spec.name, features: state.features, workaround: config.checksumOffloadWorkaround });
  if (kept) kept.device = opts.scope ? kept.device : spec;
  return report({ dev, spec, plan, changes, applied, offloadChanged, scoped: opts.scope !== undefined, times: [t0, t1, t2, performance.now()] });
}
