// The peers file twilld writes for twillctl: its shape is twillctl's contract (cni/ctl/read/files.ts).
import { peersStateContent, peersStatePath } from '../../daemonset/agent/peers-state';
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
