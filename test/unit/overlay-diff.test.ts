// Desired against actual, and the batch lines that fix the difference (pure): a table of peer
// changes applied to a kernel that holds exactly the previous plan, plus manual damage.
import { overlayConfig, vtepMac } from '../../daemonset/overlay/config';
import { changeCount, diffOverlay } from '../../daemonset/overlay/diff';
import { changeBatches } from '../../daemonset/overlay/lines';
import { planPeers } from '../../daemonset/overlay/plan';
import type { ActualOverlay, Peer, PeerPlan, Underlay } from '../../daemonset/overlay/types';

const UNDERLAY: Underlay = { dev: 'eth0', address: '192.168.1.1', family: 4, mtu: 1500 };
const config = overlayConfig({ nodeName: 'n1', podCIDRs: ['10.244.1.0/24'], underlay: { address: '192.168.1.1' } });
const M2 = vtepMac('n2', 1);
const M3 = vtepMac('n3', 1);
const n2: Peer = { name: 'n2', podCIDRs: ['10.244.2.0/24'], underlayIp: '192.168.1.2', vtepMac: M2 };
const n3: Peer = { name: 'n3', podCIDRs: ['10.244.3.0/24', 'fd00:3::/64'], underlayIp: '192.168.1.3', vtepMac: M3 };

function plan(peers: Peer[], directRouting = false): PeerPlan {
  const onLink = new Map([['192.168.1.2', 'eth0']]);
  return planPeers({ config: { ...config, directRouting }, underlay: UNDERLAY, peers, onLink });
}

/** The kernel as it is after a plan was applied. */
function kernelWith(p: PeerPlan): ActualOverlay {
  return {
    routes: p.routes,
    neighbours: p.neighbours.map((n) => ({ ...n, permanent: true })),
    fdb: p.fdb.map((e) => ({ ...e, permanent: true })),
  };
}

function batches(before: PeerPlan, after: PeerPlan) {
  return changeBatches(diffOverlay(after, kernelWith(before)), 'twill.1');
}

const EMPTY = plan([]);

describe('diffOverlay + changeBatches', () => {
  it('a new peer: FDB entry first, then neighbour, then route (add, never replace, so a foreign route is not overwritten)', () => {
    expect(batches(EMPTY, plan([n2]))).toEqual({
      fdbSet: [`fdb replace ${M2} dev twill.1 dst 192.168.1.2 self permanent`],
      ip: [`neigh replace 10.244.2.0 lladdr ${M2} dev twill.1 nud permanent`, 'route add 10.244.2.0/24 via 10.244.2.0 dev twill.1 onlink proto 116'],
      fdbDelete: [],
    });
  });

  it('a dual-stack peer: one FDB entry, a neighbour and a route per family', () => {
    expect(batches(EMPTY, plan([n3]))).toEqual({
      fdbSet: [`fdb replace ${M3} dev twill.1 dst 192.168.1.3 self permanent`],
      ip: [
        `neigh replace 10.244.3.0 lladdr ${M3} dev twill.1 nud permanent`,
        `neigh replace fd00:3:: lladdr ${M3} dev twill.1 nud permanent`,
        'route add 10.244.3.0/24 via 10.244.3.0 dev twill.1 onlink proto 116',
        'route add fd00:3::/64 via fd00:3:: dev twill.1 onlink proto 116',
      ],
      fdbDelete: [],
    });
  });

  it('nothing to do: no line at all', () => {
    const p = plan([n2, n3]);
    const changes = diffOverlay(p, kernelWith(p));
    expect(changeCount(changes)).toBe(0);
    expect(changeBatches(changes, 'twill.1')).toEqual({ fdbSet: [], ip: [], fdbDelete: [] });
  });

  it('a peer that changed its VTEP MAC (recreated node): new FDB entry, neighbour moved, old FDB entry swept; the route stays', () => {
    const M2b = vtepMac('n2-new', 1);
    expect(batches(plan([n2]), plan([{ ...n2, vtepMac: M2b }]))).toEqual({
      fdbSet: [`fdb replace ${M2b} dev twill.1 dst 192.168.1.2 self permanent`],
      ip: [`neigh replace 10.244.2.0 lladdr ${M2b} dev twill.1 nud permanent`],
      fdbDelete: [`fdb del ${M2} dev twill.1 dst 192.168.1.2 self`],
    });
  });

  it('a peer that changed its underlay address: the FDB entry is replaced in place, nothing else', () => {
    expect(batches(plan([n2]), plan([{ ...n2, underlayIp: '192.168.1.22' }]))).toEqual({
      fdbSet: [`fdb replace ${M2} dev twill.1 dst 192.168.1.22 self permanent`],
      ip: [],
      fdbDelete: [],
    });
  });

  it('a removed peer: route first, then neighbour, then FDB entry', () => {
    expect(batches(plan([n2, n3]), plan([n3]))).toEqual({
      fdbSet: [],
      ip: ['route del 10.244.2.0/24 proto 116', 'neigh del 10.244.2.0 dev twill.1'],
      fdbDelete: [`fdb del ${M2} dev twill.1 dst 192.168.1.2 self`],
    });
  });

  it('direct routing switched on: the route is replaced by one via the peer, its neighbour and FDB entry swept', () => {
    expect(batches(plan([n2]), plan([n2], true))).toEqual({
      fdbSet: [],
      ip: ['route replace 10.244.2.0/24 via 192.168.1.2 dev eth0 proto 116', 'neigh del 10.244.2.0 dev twill.1'],
      fdbDelete: [`fdb del ${M2} dev twill.1 dst 192.168.1.2 self`],
    });
  });

  it('manual damage: a deleted FDB entry and route come back, exactly those', () => {
    const p = plan([n2, n3]);
    const kernel = kernelWith(p);
    kernel.fdb = kernel.fdb.filter((e) => e.mac !== M3);
    kernel.routes = kernel.routes.filter((r) => r.dst !== '10.244.2.0/24');
    expect(changeBatches(diffOverlay(p, kernel), 'twill.1')).toEqual({
      fdbSet: [`fdb replace ${M3} dev twill.1 dst 192.168.1.3 self permanent`],
      ip: ['route add 10.244.2.0/24 via 10.244.2.0 dev twill.1 onlink proto 116'],
      fdbDelete: [],
    });
  });

  it('a neighbour the kernel resolved (not permanent) is made permanent; non-permanent strangers are not twill\'s', () => {
    const p = plan([n2]);
    const kernel = kernelWith(p);
    kernel.neighbours = [{ ip: '10.244.2.0', mac: '', permanent: false }, { ip: 'fe80::1', mac: '0e:00:00:00:00:01', permanent: false }];
    expect(changeBatches(diffOverlay(p, kernel), 'twill.1').ip).toEqual([`neigh replace 10.244.2.0 lladdr ${M2} dev twill.1 nud permanent`]);
  });

  it('a MAC with extra remotes: the wanted one stays, the others go; a wrong first remote is replaced in place', () => {
    const p = plan([n2]);
    const extra = { ...kernelWith(p), fdb: [{ mac: M2, dst: '192.168.1.2', permanent: true }, { mac: M2, dst: '192.168.1.9', permanent: true }] };
    expect(changeBatches(diffOverlay(p, extra), 'twill.1').fdbDelete).toEqual([`fdb del ${M2} dev twill.1 dst 192.168.1.9 self`]);
    const wrong = { ...kernelWith(p), fdb: [{ mac: M2, dst: '192.168.1.8', permanent: true }, { mac: M2, dst: '192.168.1.9', permanent: true }] };
    expect(changeBatches(diffOverlay(p, wrong), 'twill.1')).toMatchObject({
      fdbSet: [`fdb replace ${M2} dev twill.1 dst 192.168.1.2 self permanent`],
      fdbDelete: [`fdb del ${M2} dev twill.1 dst 192.168.1.9 self`],
    });
  });
});
