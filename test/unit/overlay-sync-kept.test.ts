// An event's pass from the kept plan: no kernel read, only the lines for the difference between
// the kept entries before and after the patch, in the order lines.ts gives (FDB → neighbour →
// route for a new peer, the reverse for a gone one); no kept device yet, or a patch that
// declines, hands the pass back to the reading path (undefined).
import type { AsyncRunner } from '../../cni/host/run-async';
import { overlayConfig, vtepMac } from '../../daemonset/overlay/config';
import { planDevice } from '../../daemonset/overlay/device';
import type { BatchWriter } from '../../daemonset/overlay/sync-apply';
import { KeptOverlay, syncFromKept } from '../../daemonset/overlay/sync-kept';
import type { Peer, Underlay } from '../../daemonset/overlay/types';

const UNDERLAY: Underlay = { dev: 'eth0', address: '192.168.1.1', family: 4, mtu: 1500 };
const config = overlayConfig({ nodeName: 'n0', podCIDRs: ['10.244.0.0/24'], underlay: { address: '192.168.1.1' } });
const peer = (i: number, o: Partial<Peer> = {}): Peer => ({ name: `n${i}`, podCIDRs: [`10.244.${i}.0/24`], underlayIp: `192.168.2.${i}`, vtepMac: vtepMac(`n${i}`, 1), ...o });
const noRunner: AsyncRunner = () => Promise.reject(new Error('a scoped pass from the kept plan reads nothing'));

function recorder(): { write: BatchWriter; groups: Array<[string, string[]]> } {
  const groups: Array<[string, string[]]> = [];
  return { groups, write: (program, lines) => (groups.push([program, lines]), Promise.resolve([])) };
}

function keptAfterFull(peers: Peer[]) {
  const r = recorder();
  const kept = new KeptOverlay(r.write);
  kept.plan.full({ config, underlay: UNDERLAY, peers, onLink: new Map() });
  kept.device = planDevice(config, UNDERLAY);
  return { kept, groups: r.groups };
}

describe('syncFromKept', () => {
  const dev = config.device;

  it('writes an added peer FDB first, then neighbour and route, reading nothing', async () => {
    const { kept, groups } = keptAfterFull([peer(1), peer(2)]);
    const r = await syncFromKept({ runner: noRunner, kept, config, peers: [peer(1), peer(2), peer(3)], names: ['n3'], previous: [] });
    const mac = vtepMac('n3', 1);
    expect(groups).toEqual([
      ['bridge', [`fdb replace ${mac} dev ${dev} dst 192.168.2.3 self permanent`]],
      ['ip', [`neigh replace 10.244.3.0 lladdr ${mac} dev ${dev} nud permanent`, `route add 10.244.3.0/24 via 10.244.3.0 dev ${dev} onlink proto 116`]],
    ]);
    expect(r).toMatchObject({ scoped: true, device: 'unchanged', batches: 2, failures: [], peers: { programmed: 3 } });
  });

  it('takes a removed peer apart route first, FDB last', async () => {
    const { kept, groups } = keptAfterFull([peer(1), peer(2)]);
    await syncFromKept({ runner: noRunner, kept, config, peers: [peer(1)], names: [], previous: [peer(2)] });
    expect(groups).toEqual([
      ['ip', ['route del 10.244.2.0/24 proto 116', `neigh del 10.244.2.0 dev ${dev}`]],
      ['bridge', [`fdb del ${vtepMac('n2', 1)} dev ${dev} dst 192.168.2.2 self`]],
    ]);
  });

  it('moves a changed peer\'s FDB entry to its new address in one replace', async () => {
    const { kept, groups } = keptAfterFull([peer(1), peer(2)]);
    await syncFromKept({ runner: noRunner, kept, config, peers: [peer(1), peer(2, { underlayIp: '192.168.2.22' })], names: ['n2'], previous: [peer(2)] });
    expect(groups).toEqual([['bridge', [`fdb replace ${vtepMac('n2', 1)} dev ${dev} dst 192.168.2.22 self permanent`]]]);
  });

  it('declines without a full pass\'s device, or when the patch would contest a subnet', async () => {
    const fresh = new KeptOverlay(recorder().write);
    expect(await syncFromKept({ runner: noRunner, kept: fresh, config, peers: [peer(1)], names: ['n1'], previous: [] })).toBeUndefined();
    const { kept, groups } = keptAfterFull([peer(1), peer(2)]);
    const clash = peer(3, { podCIDRs: ['10.244.1.0/24'] });
    expect(await syncFromKept({ runner: noRunner, kept, config, peers: [peer(1), peer(2), clash], names: ['n3'], previous: [] })).toBeUndefined();
    expect(groups).toEqual([]);
  });
});
