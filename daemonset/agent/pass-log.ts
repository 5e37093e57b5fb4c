// The agent's one log line per pass that changed the kernel (which peers, how many entries,
// where the time went); quiet passes log at debug.
import type { Logger } from '../kube/log';
import type { OverlaySyncReport } from '../overlay';
import type { PeerChanges } from './peers';

/** One line per pass that changed the kernel (peers joined or left, damage repaired); quiet passes log at debug. */
export function logPass(logger: Logger, o: { network: string; kind: 'full' | 'scoped'; seconds: number; report: OverlaySyncReport; changes?: PeerChanges }): void {
  const { report } = o;
  const changed = Object.values(report.changes).reduce((a, b) => a + b, 0) + (report.device === 'unchanged' ? 0 : 1);
  const fields = {
    network: o.network,
    kind: o.kind,
    peersChanged: o.changes?.names.join(',') || undefined,
    peersRemoved: o.changes?.removed.join(',') || undefined,
    programmed: report.peers.programmed,
    skipped: report.peers.skipped.length,
    device: report.device,
    kernelChanges: changed,
    ms: Math.round(o.seconds * 1000),
    readMs: Math.round(report.timings.readMs),
    planMs: Math.round(report.timings.planMs),
    applyMs: Math.round(report.timings.applyMs),
    // A full pass that read without the lock: how long its commit held it.
    heldMs: report.timings.heldMs === undefined ? undefined : Math.round(report.timings.heldMs),
  };
  if (changed) logger.info('overlay synced', fields);
  else logger.debug('overlay synced', fields);
}
