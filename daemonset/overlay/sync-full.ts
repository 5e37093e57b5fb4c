import type { AsyncRunner } from '../../cni/host/run-async';
import { deviceLines, planDevice } from './device';
import { diffFdb, diffNeighbours, diffOverlay, diffRoutes, noChanges } from './diff';
import { changeBatches } from './lines';
import { syncChecksumOffload } from './offload';
import { KeptPlan } from './plan-keep';
import type { ReadScope } from './read';
import { applyBatches, execWriter } from './sync-apply';
import type { KeptOverlay } from './sync-kept';
import { readAll, readOptions, restrictPlan, type DesiredOverlay, type State, type SyncScope } from './sync-read';
import { report, type OverlaySyncReport } from './sync-report';
import { resolveUnderlay } from './underlay';
import type { DeviceSpec, OverlayChanges, Peer, PeerPlan } from './types';

/**
 * A full pass that does not make events wait behind it. Reading and parsing 5,000 peers' routes,
 * neighbours and FDB entries, planning them and diffing take most of a second; all of that runs
 * without the caller's lock (FullWindow.unlocked), against a plan of its own (the kept one stays
 * the events'). Events meanwhile write from the kept plan as usual, and the kept overlay records
 * which peers they wrote. Then, with the lock held again, the snapshot is stale exactly where
 * someone wrote since it began (those peers) and where the peers changed since it was planned:
 * those keys are read again by lookups and diffed against the plan patched to the peers as they
 * are now; everywhere else the snapshot's difference is applied as is. The aside plan becomes the
 * kept one. So nothing written meanwhile is undone (a peer removed during the read is not
 * re-added, one added is not deleted), and damage anywhere else heals as before.
 */
export interface FullWindow {
  /** Runs `read` without the caller's lock; resolves once the lock is held again. */
  unlocked<T>(read: () => Promise<T>): Promise<T>;
  /** The peers now (asked with the lock held again) and how they differ from those the pass began with. */
  peersNow(): { peers: Peer[]; changes: SyncScope };
}

interface Read {
  state: State;
  spec: DeviceSpec;
  dev: ReturnType<typeof deviceLines>;
  /** performance.now() at the start and after reading. */
  times: [number, number];
}

interface Snapshot extends Read {
  /** The plan of the peers the pass began with, kept aside until the commit. */
  aside: KeptPlan;
  plan: PeerPlan;
  changes: OverlayChanges;
  plannedAt: number;
}

/** Lets whatever waits (an event's pass) run between the long synchronous steps. */
const yieldTurn = () => new Promise<void>((r) => setImmediate(r));

/** The whole kernel state; the device only checked (any write to it waits for the lock). */
async function readWhole(runner: AsyncRunner, desired: DesiredOverlay): Promise<Read> {
  const t0 = performance.now();
  const { config } = desired;
  const state = await readAll(runner, readOptions(desired), config);
  const spec = planDevice(config, resolveUnderlay(config, state.links));
  return { state, spec, dev: deviceLines(spec, state.actual.device), times: [t0, performance.now()] };
}

/** The plan aside and its difference from what was read, in slices (events' passes run between them). */
async function planAside(read: Read, desired: DesiredOverlay): Promise<Snapshot> {
  const aside = new KeptPlan();
  const plan = await aside.fullInSlices({ config: desired.config, underlay: read.spec.underlay, peers: desired.peers, onLink: read.state.onLink }, yieldTurn);
  const { actual } = read.state;
  const changes = noChanges();
  await yieldTurn();
  diffRoutes(plan.routes, actual.routes, changes);
  await yieldTurn();
  diffNeighbours(plan.neighbours, actual.neighbours, changes);
  await yieldTurn();
  diffFdb(plan.fdb, actual.fdb, changes);
  return { ...read, aside, plan, changes, plannedAt: performance.now() };
}

/** Reads and plans unlocked, then commits; `desired` back (the peers now) when only a pass under the lock will do. */
export async function syncFull(runner: AsyncRunner, desired: DesiredOverlay, kept: KeptOverlay, window: FullWindow): Promise<{ report: OverlaySyncReport } | { desired: DesiredOverlay }> {
  kept.startRecording();
  let snap: Read | Snapshot;
  let touched: Peer[] | 'all';
  try {
    snap = await window.unlocked(async () => {
      const read = await readWhole(runner, desired);
      return read.dev.lines.length ? read : planAside(read, desired);
    });
  } finally {
    touched = kept.stopRecording();
  }
  const now = window.peersNow();
  const current = { config: desired.config, peers: now.peers };
  // The device needs writing (created, recreated, changed), or a whole pass ran meanwhile.
  if (!('aside' in snap) || touched === 'all') return { desired: current };
  return { report: await commit({ runner, kept, snap, current, changes: now.changes, touched }) };
}

/** The changes outside a scope's keys. */
function without(c: OverlayChanges, scope: ReadScope): OverlayChanges {
  const cidrs = new Set(scope.subnets.map((s) => s.cidr));
  const networks = new Set(scope.subnets.map((s) => s.network));
  const route = (r: { dst: string }) => !cidrs.has(r.dst);
  const neigh = (n: { ip: string }) => !networks.has(n.ip);
  const fdb = (e: { mac: string }) => !scope.macs.has(e.mac);
  return {
    fdbSet: c.fdbSet.filter(fdb),
    routesDeleted: c.routesDeleted.filter(route),
    neighboursSet: c.neighboursSet.filter(neigh),
    routesAdded: c.routesAdded.filter(route),
    routesReplaced: c.routesReplaced.filter(route),
    neighboursDeleted: c.neighboursDeleted.filter(neigh),
    fdbDeleted: c.fdbDeleted.filter(fdb),
  };
}

function merged(a: OverlayChanges, b: OverlayChanges): OverlayChanges {
  return Object.fromEntries(Object.entries(a).map(([k, v]) => [k, [...v, ...b[k as keyof OverlayChanges]]])) as unknown as OverlayChanges;
}

interface Commit {
  runner: AsyncRunner;
  kept: KeptOverlay;
  snap: Snapshot;
  /** The peers as they are now. */
  current: DesiredOverlay;
  /** How they differ from those the snapshot planned. */
  changes: SyncScope;
  /** Peers written since the snapshot began. */
  touched: Peer[];
}

/** The plan of the peers now and the changes to write: the snapshot's, but what is stale in it read again. */
async function freshen(o: Commit): Promise<{ plan: PeerPlan; changes: OverlayChanges }> {
  const { snap, current } = o;
  const previous = o.changes.previous ?? [];
  const opts = readOptions(current, { names: o.changes.names, previous: [...previous, ...o.touched] });
  const stale = opts.scope!;
  if (!stale.subnets.length && !stale.macs.size) return snap;
  const fresh = await readAll(o.runner, opts, current.config);
  const onLink = new Map([...snap.state.onLink, ...fresh.onLink]);
  const input = { config: current.config, underlay: snap.spec.underlay, peers: current.peers, onLink };
  const moved = o.changes.names.length > 0 || previous.length > 0;
  const plan = !moved ? snap.plan : (snap.aside.patch(input, o.changes.names, previous) && snap.aside.current()) || snap.aside.full(input);
  return { plan, changes: merged(without(snap.changes, stale), diffOverlay(restrictPlan(plan, stale), fresh.actual)) };
}

/** With the lock held again: writes the difference and makes the aside plan the kept one. */
async function commit(o: Commit): Promise<OverlaySyncReport> {
  const { snap, kept } = o;
  const t2 = performance.now();
  const { plan, changes } = await freshen(o);
  const spec = snap.spec;
  const applied = await applyBatches(kept.write ?? execWriter(o.runner), changeBatches(changes, spec.name));
  const offloadChanged = await syncChecksumOffload(o.runner, { dev: spec.name, features: snap.state.features, workaround: o.current.config.checksumOffloadWorkaround });
  kept.plan = snap.aside;
  kept.device = spec;
  const t3 = performance.now();
  const r = report({ dev: snap.dev, spec, plan, changes, applied, offloadChanged, scoped: false, times: [snap.times[0], snap.times[1], snap.plannedAt, t3] });
  return { ...r, timings: { ...r.timings, heldMs: t3 - t2 } };
}
