import { podTable } from '../../cni/ctl/commands/ls';
import type { PodRecord } from '../../cni/ctl/pods';

const widest = (text: string) => Math.max(...text.split('\n').map((l) => l.length));

const pod = (o: Partial<PodRecord>): PodRecord => ({
  network: 'pods', containerId: '3f9a1c07d2e84b6c9e1d55aa', ifname: 'eth0', pod: 'shop/web', netns: '/run/netns/cni-5f1e0c2a',
  ips: ['10.244.1.2', 'fd00:244:1::2'], hostVeth: 'tw42049c1ba547', vethPresent: true, netnsPresent: true, ports: ['8080/tcp'], leaked: false, settling: false, reservedAt: null, ...o,
});

describe('twillctl ls table', () => {
  // What an operator met: `default/web-56bddd748c-s…`. A pod name is searched for: never cut.
  test('a 40-character namespace/name stays whole in 80 columns, beside a dual-stack pod with a published port', () => {
    const name = 'default/web-frontend-canary-56bddd748c-s';
    expect(name).toHaveLength(40);
    const text = podTable([pod({ pod: name }), pod({ pod: 'shop/dns', ips: ['10.244.1.13', 'fd00:244:1::d'], ports: ['53/tcp', '53/udp'] })], { wide: false });
    expect(text).toContain(name);
    expect(text.split('\n')[0].split(/\s+/)).toEqual(['CONTAINER', 'POD', 'ADDRESSES', 'PORTS']);
    expect(text).toMatch(/^3f9a1c07d2e8 {2}default\/web-frontend-canary-56bddd748c-s {2}10\.244\.1\.2 {5}8080\/tcp$/m);
    expect(widest(text)).toBeLessThanOrEqual(80);
  });

  test('a name longer than the room is still whole: the line grows, as kubectl get does', () => {
    const name = `kube-system/${'x'.repeat(70)}`;
    const text = podTable([pod({ pod: name })], { wide: false });
    expect(text).toContain(name);
    expect(text).toContain('fd00:244:1::2');
  });

  test('--wide adds interface, host veth and netns; the default view notes a vanished veth instead', () => {
    const gone = pod({ pod: 'batch/job-7', vethPresent: false, netnsPresent: false, leaked: true, hostVeth: 'twc66ea07228fc' });
    const wide = podTable([pod({}), gone], { wide: true });
    expect(wide.split('\n')[0].split(/\s{2,}/)).toEqual(['CONTAINER', 'POD', 'IF', 'ADDRESSES', 'HOST VETH', 'NETNS', 'PORTS']);
    expect(wide).toMatch(/batch\/job-7\s+eth0\s+10\.244\.1\.2\s+twc66ea07228fc \(gone\)\s+\/run\/netns\/cni-5f1e0c2a \(gone\)/);
    const narrow = podTable([pod({}), gone], { wide: false });
    expect(narrow).not.toContain('tw42049c1ba547');
    expect(narrow).toContain('batch/job-7: host veth twc66ea07228fc gone (leaked: twillctl gc)\n');
  });

  test('IF shows without --wide once an attachment is not eth0', () => {
    expect(podTable([pod({})], { wide: false })).not.toMatch(/\bIF\b/);
    expect(podTable([pod({}), pod({ ifname: 'net1' })], { wide: false })).toMatch(/^CONTAINER\s+POD\s+IF\s+ADDRESSES\s+PORTS$/m);
  });
});
