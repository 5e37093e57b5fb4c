// The overlay sync report's change counts in the metric's kinds: set and deleted entries of a
// kind are one counter (the count of corrections is what an operator watches), and the
// device counts one change whenever it was created, recreated or updated.
import type { OverlaySyncReport } from '../overlay';
import type { ChangeKind } from './metrics';

export function overlayChangeCounts(r: Pick<OverlaySyncReport, 'changes' | 'device' | 'offloadChanged'>): Partial<Record<ChangeKind, number>> {
  const c = r.changes;
  return {
    route: c.routesAdded + c.routesReplaced + c.routesDeleted,
    neighbour: c.neighboursSet + c.neighboursDeleted,
    fdb: c.fdbSet + c.fdbDeleted,
    device: r.device === 'unchanged' ? 0 : 1,
    offload: r.offloadChanged ? 1 : 0,
  };
}
