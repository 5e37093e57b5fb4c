// The peers file twilld writes for twillctl: its shape is twillctl's contract (cni/ctl/read/files.ts).
import { PeersStateWriter, peersStateContent, peersStatePath } from '../../daemonset/agent/peers-state';
import { overlayConfig, type OverlaySyncReport } from '../../daemonset/overlay';
import type { PeersFile } from '../../cni/ctl/read/files';

describe('twilld peers file', () => {
  test('peers sorted by name, skipped ones marked, with the device, VNI and underlay twillctl compares against', () => {
    const config = overlayConfig({ nodeName: 'n1', podCIDRs: ['10.244.1.0/24'], underlay: { address: '192.168.1.1' } });
    const peers = [
      { name: 'n3', podCIDRs: ['10.244.3.0/24'], underlayIp: '192.168.1.3' },
      { name: 'n2', podCIDRs: ['10.244.2.0/24'], underlayIp: '192.168.1.2', vtepMac: '0e:00:00:00:00:02' },
    ];
    const report = { vtepMac: '0e:00:00:00:00:01', underlay: { dev: 'ul', address: '192.168.1.1', family: 4, mtu: 1500 }, mtu: 1450, peers: { programmed: 1, skipped: [{ name: 'n3', reason: 'no-vtep-mac' }] } } as unknown as OverlaySyncReport;
    const doc = JSON.parse(peersStateContent('pods', { config, peers }, report)) as PeersFile;
    expect(doc).toEqual({
      network: 'pods', device: 'twill.1', vni: 1, node: 'n1', vtepMac: '0e:00:00:00:00:01', underlay: { dev: 'ul', address: '192.168.1.1', family: 4, mtu: 1500 }, mtu: 1450, directRouting: false,
      peers: [
        { name: 'n2', podCIDRs: ['10.244.2.0/24'], underlayIp: '192.168.1.2', vtepMac: '0e:00:00:00:00:02', skipped: '' },
        { name: 'n3', podCIDRs: ['10.244.3.0/24'], underlayIp: '192.168.1.3', vtepMac: '', skipped: 'no-vtep-mac' },
      ],
    });
    expect(peersStatePath('/run/twill', 'pods')).toBe('/run/twill/peers-pods.json');
  });
});

describe('PeersStateWriter', () => {
  const state = (n: number) => ({ desired: { peers: [] }, report: { mtu: n } }) as unknown as Parameters<PeersStateWriter['update']>[0];

  function writer() {
    let clock = 0;
    const written: number[] = [];
    let fail = false;
    const w = new PeersStateWriter({
      runDir: '/unused', network: 'pods', intervalMs: 1000, now: () => clock,
      write: async (s) => {
        if (fail) throw new Error('disk full');
        written.push(s.report.mtu);
      },
    });
    return { w, written, tick: (ms: number) => { clock += ms; jest.advanceTimersByTime(ms); }, failNext: (f: boolean) => { fail = f; } };
  }

  beforeEach(() => jest.useFakeTimers());
  afterEach(() => jest.useRealTimers());

  it('writes the first state at once, then at most once a second with the newest state', async () => {
    const { w, written, tick } = writer();
    await w.update(state(1));
    expect(written).toEqual([1]);
    for (const n of [2, 3, 4]) { tick(100); await w.update(state(n)); }
    expect(written).toEqual([1]);
    tick(700);
    await Promise.resolve();
    expect(written).toEqual([1, 4]);
    tick(1000);
    await w.update(state(5));
    expect(written).toEqual([1, 4, 5]);
  });

  it('a queued write that fails makes the next update write at once and fail that pass', async () => {
    const { w, written, tick, failNext } = writer();
    await w.update(state(1));
    tick(10);
    await w.update(state(2));
    failNext(true);
    tick(990);
    await Promise.resolve();
    await expect(w.update(state(3))).rejects.toThrow('disk full');
    failNext(false);
    tick(1000);
    await w.update(state(4));
    expect(written).toEqual([1, 4]);
  });
});
