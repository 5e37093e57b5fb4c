// A full pass that reads the kernel without the agent's lock, with events' passes writing
// meanwhile (real kernel, one node namespace; the peers are entries only). The window's read is
// held while an event's pass runs, so the snapshot the full pass diffs is stale exactly where
// that pass wrote: the commit must not undo those writes, must heal damage elsewhere, and must
// leave a kept plan the next event's pass can write from.
import { KeptOverlay, syncOverlay, vtepMac, type FullWindow, type Peer, type SyncScope } from '../../daemonset/overlay';
import { execWriter } from '../../daemonset/overlay/sync-apply';
import { describeRoot } from '../helpers/netns';
import { requireTools } from '../helpers/os-packages';
import { TestCluster, type ClusterNode } from './overlay-support';

jest.setTimeout(60_000);

const peer = (i: number): Peer => ({ name: `p${i}`, podCIDRs: [`10.244.${i}.0/24`], underlayIp: `192.168.200.${i}`, vtepMac: vtepMac(`p${i}`, 1) });
const routeOf = (i: number) => `10.244.${i}.0/24 via 10.244.${i}.0 dev twill.1`;

describeRoot('twilld overlay: a full pass beside events', () => {
  let c: TestCluster;
  let cn: ClusterNode;
  let kept: KeptOverlay;

  beforeAll(() => {
    requireTools(['ip', 'bridge', 'ethtool']);
    c = new TestCluster();
    cn = c.addNode(1);
  });
  afterAll(() => c?.cleanup());

  const desired = (ids: number[]) => ({ config: c.config(cn), peers: ids.map(peer) });
  const sync = (ids: number[], scope?: SyncScope, window?: FullWindow) => syncOverlay(cn.runner, desired(ids), scope, kept, window);
  const state = () => ({ routes: c.routes(cn), fdb: c.fdb(cn).length, neighbours: c.neighbours(cn).length });

  /** A window whose read is followed by `meanwhile` (events' passes), then reports the peers `now` and their change. */
  function window(meanwhile: () => Promise<unknown>, now: number[], changes: SyncScope): FullWindow {
    return {
      unlocked: async (read) => {
        const snapshot = await read();
        await meanwhile();
        return snapshot;
      },
      peersNow: () => ({ peers: desired(now).peers, changes }),
    };
  }

  test('keeps a removal and an addition written during its read, heals damage elsewhere, and keeps the peers as they are', async () => {
    kept = new KeptOverlay(execWriter(cn.runner));
    expect((await sync([2, 3, 4])).failures).toEqual([]);
    cn.node.ipIn(cn.node.name, ['route', 'del', '10.244.3.0/24', 'proto', '116']); // damage only a full pass heals
    const moved = { names: ['p5'], previous: [peer(4)] };
    const r = await sync([2, 3, 4], undefined, window(() => sync([2, 3, 5], moved), [2, 3, 5], moved));
    expect(r.failures).toEqual([]);
    expect(r.changes).toMatchObject({ routesAdded: 1, routesDeleted: 0, fdbDeleted: 0, neighboursDeleted: 0 });
    expect(state()).toEqual({ routes: [routeOf(2), routeOf(3), routeOf(5)], fdb: 3, neighbours: 3 });
    // The kept plan is the peers as they are now: the next event writes from it.
    const next = await sync([2, 3], { names: [], previous: [peer(5)] });
    expect([next.scoped, next.failures]).toEqual([true, []]);
    expect(state()).toEqual({ routes: [routeOf(2), routeOf(3)], fdb: 2, neighbours: 2 });
  });

  test('reads again what events wrote and undid during its read, though the peers end as they began', async () => {
    kept = new KeptOverlay(execWriter(cn.runner));
    await sync([2, 3]);
    // Removed before the snapshot, added back after it: the snapshot lacks p3, the kernel has it.
    await sync([2], { names: [], previous: [peer(3)] });
    const r = await sync([2, 3], undefined, window(() => sync([2, 3], { names: ['p3'] }), [2, 3], { names: [] }));
    expect(r.failures).toEqual([]);
    expect(Object.values(r.changes).every((n) => n === 0)).toBe(true);
    expect(state()).toEqual({ routes: [routeOf(2), routeOf(3)], fdb: 2, neighbours: 2 });
  });
});
