// KeptPlan: an event patches the last full plan instead of planning every peer. Its answer must
// equal a full plan's entries under the keys the event touches, and it must decline (the caller
// then plans everything) whenever name order decides who holds a contested subnet or MAC.
import { subnetOf } from '../../daemonset/overlay/addr';
import { overlayConfig, vtepMac } from '../../daemonset/overlay/config';
import { planPeers, type PeerPlanInput } from '../../daemonset/overlay/plan';
import { KeptPlan } from '../../daemonset/overlay/plan-keep';
import type { Peer, PeerPlan, Underlay } from '../../daemonset/overlay/types';

const UNDERLAY: Underlay = { dev: 'eth0', address: '192.168.1.1', family: 4, mtu: 1500 };
const config = overlayConfig({ nodeName: 'n0', podCIDRs: ['10.244.0.0/24'], underlay: { address: '192.168.1.1' } });
const input = (peers: Peer[]): PeerPlanInput => ({ config, underlay: UNDERLAY, peers, onLink: new Map() });
const peer = (i: number, o: Partial<Peer> = {}): Peer => ({ name: `n${i}`, podCIDRs: [`10.244.${i}.0/24`], underlayIp: `192.168.2.${i}`, vtepMac: vtepMac(`n${i}`, 1), ...o });

/** A full plan cut down to the keys the touched peers' subnets and MACs name. */
function restricted(plan: PeerPlan, touched: Peer[]) {
  const subnets = touched.flatMap((p) => p.podCIDRs.map(subnetOf)).filter((s) => s !== undefined);
  const cidrs = new Set(subnets.map((s) => s.cidr));
  const nets = new Set(subnets.map((s) => s.network));
  const macs = new Set(touched.map((p) => p.vtepMac?.toLowerCase()));
  const sort = <T>(xs: T[]) => xs.map((x) => JSON.stringify(x)).sort();
  return {
    routes: sort(plan.routes.filter((r) => cidrs.has(r.dst))),
    neighbours: sort(plan.neighbours.filter((n) => nets.has(n.ip))),
    fdb: sort(plan.fdb.filter((e) => macs.has(e.mac))),
    programmed: plan.programmed,
    skipped: sort(plan.skipped),
  };
}

describe('KeptPlan', () => {
  it('plans everything exactly as planPeers', () => {
    const peers = [peer(3), peer(1), peer(2, { vtepMac: undefined }), peer(4, { podCIDRs: ['10.244.1.0/24'] })];
    expect(new KeptPlan().full(input(peers))).toEqual(planPeers(input(peers)));
  });

  it('patches an added, a changed and a removed peer to what a full plan has under their keys', () => {
    const kept = new KeptPlan();
    let peers = [peer(1), peer(2), peer(3)];
    kept.full(input(peers));
    const steps: Array<{ next: Peer[]; names: string[]; previous: Peer[] }> = [
      { next: [...peers, peer(4)], names: ['n4'], previous: [] },
      { next: [peer(1), peer(2, { underlayIp: '192.168.2.22' }), peer(3), peer(4)], names: ['n2'], previous: [peer(2)] },
      { next: [peer(1), peer(2, { underlayIp: '192.168.2.22' }), peer(4)], names: [], previous: [peer(3)] },
      { next: [peer(1), peer(2, { underlayIp: '192.168.2.22' }), peer(4), peer(5, { vtepMac: undefined })], names: ['n5'], previous: [] },
    ];
    for (const s of steps) {
      const patched = kept.patch(input(s.next), s.names, s.previous);
      expect(patched).toBeDefined();
      const touched = [...s.next.filter((p) => s.names.includes(p.name)), ...s.previous];
      expect(restricted(patched!, touched)).toEqual(restricted(planPeers(input(s.next)), touched));
      peers = s.next;
    }
    expect(peers).toHaveLength(4);
  });

  it('declines when a changed peer would contest a subnet or MAC, or the kept plan holds a duplicate', () => {
    const kept = new KeptPlan();
    const peers = [peer(1), peer(2), peer(3)];
    kept.full(input(peers));
    // n10 sorts before n2: a full plan gives it n2's subnet, a patch cannot know that.
    expect(kept.patch(input([...peers, peer(10, { podCIDRs: ['10.244.2.0/24'] })]), ['n10'], [])).toBeUndefined();
    expect(kept.patch(input([...peers, peer(9, { vtepMac: peers[0].vtepMac })]), ['n9'], [])).toBeUndefined();
    expect(kept.patch(input([...peers, peer(8, { podCIDRs: ['10.244.0.0/24'] })]), ['n8'], [])).toBeUndefined(); // this node's own
    const dup = [...peers, peer(4, { podCIDRs: ['10.244.3.0/24'] })];
    kept.full(input(dup));
    expect(kept.patch(input(dup.filter((p) => p.name !== 'n3')), [], [peer(3)])).toBeUndefined(); // n4 would win the subnet now
  });

  it('declines after the settings changed', () => {
    const kept = new KeptPlan();
    kept.full(input([peer(1)]));
    const other = { ...input([peer(1), peer(2)]), config: { ...config, podCIDRs: ['10.244.100.0/24'] } };
    expect(kept.patch(other, ['n2'], [])).toBeUndefined();
  });
});

describe('KeptPlan in slices (a full pass plans aside while events run)', () => {
  it('plans as full does, contests included, pausing between slices, and is then patched alike', async () => {
    const peers = [...Array.from({ length: 9 }, (_, i) => peer(i + 1)), peer(10, { podCIDRs: ['10.244.3.0/24'] }), peer(11, { vtepMac: vtepMac('n2', 1) })];
    let pauses = 0;
    const sliced = new KeptPlan();
    const plan = await sliced.fullInSlices(input(peers), async () => void (pauses += 1), 4);
    expect(pauses).toBe(2);
    expect(plan).toEqual(planPeers(input(peers)));
    expect(sliced.current()).toEqual(plan);
    const plain = new KeptPlan();
    plain.full(input(peers.slice(0, 9)));
    const aside = new KeptPlan();
    await aside.fullInSlices(input(peers.slice(0, 9)), async () => undefined, 2);
    const next = [...peers.slice(0, 8), peer(12)];
    expect(aside.patch(input(next), ['n12'], [peer(9)])).toEqual(plain.patch(input(next), ['n12'], [peer(9)]));
    expect(aside.current()).toEqual(plain.current());
  });
});
