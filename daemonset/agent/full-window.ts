// A full pass's window (overlay/sync-full.ts): its read runs without the pass lock, and once the
// lock is held again it programs the peers as the informer has them then, not as they were when
// it began (events' passes may have programmed some meanwhile).
import type { FullWindow, Peer } from '../overlay';
import type { Lease } from './pass-lock';
import { diffPeers } from './peers';

export function fullPassWindow(o: {
  lease: Lease;
  /** The peers the pass began with. */
  started: ReadonlyMap<string, Peer>;
  /** The peers now. */
  current: () => Map<string, Peer>;
  /** Told the peers the pass programs (the controller keeps them as synced). */
  programmed: (now: Map<string, Peer>) => void;
}): FullWindow {
  return {
    unlocked: (read) => o.lease.outside(read),
    peersNow: () => {
      const now = o.current();
      o.programmed(now);
      const d = diffPeers(o.started, now);
      return { peers: [...now.values()], changes: { names: d.names, previous: d.previous } };
    },
  };
}
