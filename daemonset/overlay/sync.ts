import { strictBatch } from '../../cni/host/batch-async';
import type { AsyncRunner } from '../../cni/host/run-async';
import { deviceLines, planDevice } from './device';
import { diffOverlay } from './diff';
import { changeBatches } from './lines';
import { syncChecksumOffload } from './offload';
import { planPeers, type PeerPlanInput } from './plan';
import type { KeptPlan } from './plan-keep';
import type { ReadScope } from './read';
import { applyBatches, execWriter } from './sync-apply';
import { syncFull, type FullWindow } from './sync-full';
import { syncFromKept, type KeptOverlay } from './sync-kept';
import { readAll, readOptions, restrictPlan, scopePeers, type DesiredOverlay, type SyncScope } from './sync-read';
import { report, type OverlaySyncReport } from './sync-report';
import { resolveUnderlay } from './underlay';
import type { PeerPlan } from './types';

export type { BatchName, OverlaySyncReport } from './sync-report';
export type { DesiredOverlay, SyncScope } from './sync-read';
export type { FullWindow } from './sync-full';

/*
 * The overlay's reconciler, level-triggered: the same call serves start-up, every API event
 * and the periodic timer. It reads what the kernel holds, compares it with what this node's
 * settings and peers call for, and applies only the difference in batches; when nothing
 * differs it writes nothing. Manual damage, missed events and peers deleted while the agent
 * was down all heal on the next call.
 */

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
 * once a full pass has verified the device, reading the kernel at all (sync-kept.ts). With
 * `window` a full pass reads without the caller's lock (sync-full.ts).
 */
export async function syncOverlay(runner: AsyncRunner, desired: DesiredOverlay, scope?: SyncScope, kept?: KeptOverlay, window?: FullWindow): Promise<OverlaySyncReport> {
  if (!scope) {
    kept?.record('all');
    const full = kept && window && (await syncFull(runner, desired, kept, window));
    if (full && 'report' in full) return full.report;
    return syncRead(runner, full ? full.desired : desired, undefined, kept);
  }
  kept?.record(scopePeers(desired, scope));
  const fromKept = kept && (await syncFromKept({ runner, kept, config: desired.config, peers: desired.peers, names: scope.names, previous: scope.previous ?? [] }));
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
