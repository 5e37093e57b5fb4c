import { MIN_LEAK_AGE_MS, podMatches, podRecords } from '../../cni/ctl/pods';
import { leakReason } from '../../cni/ctl/commands/ipam';
import { hostVethName } from '../../cni/plugin/names';
import type { Reservation } from '../../cni/ctl/read/ipam';

const NOW = Date.parse('2026-12-02T08:00:00Z');
const res = (o: Partial<Reservation>): Reservation => ({ ip: '10.0.0.2', set: 0, containerId: 'abc123456789ff', ifname: 'eth0', pod: 'shop/web', netns: '/run/netns/p1', held: true, reservedAt: NOW - 3_600_000, ...o });

describe('twillctl pod records', () => {
  const veth = hostVethName('abc123456789ff', 'eth0');
  const base = { network: 'pods', links: new Set([veth]), netnsAlive: (p: string) => p === '/run/netns/p1', ports: [
    { tag: `${veth} pods`, family: 4 as const, protocol: 'tcp', hostPort: 8080, target: '10.0.0.2:80' },
    { tag: `${veth} pods`, family: 6 as const, protocol: 'tcp', hostPort: 8080, target: '[fd00::2]:80' },
    { tag: `${veth} pods`, family: 4 as const, protocol: 'udp', hostPort: 53, hostIP: '10.1.1.1', target: '10.0.0.2:53' },
    { tag: `${veth} other`, family: 4 as const, protocol: 'tcp', hostPort: 9, target: '10.0.0.7:9' },
  ], now: NOW, minAgeMs: MIN_LEAK_AGE_MS };

  test('an attachment joins its reservations (one per family), host veth and ports', () => {
    const [p] = podRecords({ ...base, reservations: [res({}), res({ ip: 'fd00::2', set: 1 })] });
    expect(p).toEqual({ network: 'pods', containerId: 'abc123456789ff', ifname: 'eth0', pod: 'shop/web', netns: '/run/netns/p1', ips: ['10.0.0.2', 'fd00::2'], hostVeth: veth, vethPresent: true, netnsPresent: true, ports: ['10.1.1.1:53/udp', '8080/tcp'], leaked: false, settling: false, reservedAt: '2026-12-02T07:00:00.000Z' });
  });

  test('leaked: no veth and no live namespace, or a reservation no attachment holds', () => {
    const gone = podRecords({ ...base, links: new Set(), reservations: [res({ netns: '/run/netns/gone' })] })[0];
    expect(gone).toMatchObject({ leaked: true, vethPresent: false, netnsPresent: false });
    expect(leakReason(gone)).toBe('no veth, netns gone');
    const unrecorded = podRecords({ ...base, links: new Set(), reservations: [res({ netns: '', pod: '' })] })[0];
    expect(leakReason(unrecorded)).toBe('no veth, no netns recorded');
    // the veth alone keeps a pod alive (a runtime that keeps its netns elsewhere)
    expect(podRecords({ ...base, netnsAlive: () => false, reservations: [res({})] })[0].leaked).toBe(false);
    const orphan = podRecords({ ...base, reservations: [res({ held: false, ip: '10.0.0.9' })] })[0];
    expect(orphan.leaked).toBe(true);
    expect(leakReason(orphan)).toBe('held by no attachment');
  });

  // An ADD reserves its address before it creates the veth and links its entry: for that moment a
  // live pod looks exactly like a leak. Age tells them apart.
  test('a reservation younger than the minimum age is settling, not leaked', () => {
    const inFlight = (age: number, o: Partial<Reservation> = {}) =>
      podRecords({ ...base, links: new Set(), netnsAlive: () => false, reservations: [res({ reservedAt: NOW - age, ...o })] })[0];
    expect(inFlight(1_000)).toMatchObject({ leaked: false, settling: true });
    expect(inFlight(1_000, { held: false })).toMatchObject({ leaked: false, settling: true });
    expect(inFlight(59_999)).toMatchObject({ leaked: false, settling: true });
    expect(inFlight(60_000)).toMatchObject({ leaked: true, settling: false });
    expect(inFlight(1_000, { reservedAt: null })).toMatchObject({ leaked: true, settling: false }); // unknown age: not young
    const zero = podRecords({ ...base, minAgeMs: 0, links: new Set(), reservations: [res({ reservedAt: NOW, netns: '' })] })[0];
    expect(zero).toMatchObject({ leaked: true, settling: false });
    // a healthy young pod is neither
    expect(podRecords({ ...base, reservations: [res({ reservedAt: NOW })] })[0]).toMatchObject({ leaked: false, settling: false });
  });

  test('a pod is found by container ID or a 6+ prefix, namespace/name, name or address', () => {
    const [p] = podRecords({ ...base, reservations: [res({})] });
    for (const q of ['abc123456789ff', 'abc123', 'shop/web', 'web', '10.0.0.2']) expect(podMatches(p, q)).toBe(true);
    for (const q of ['abc', 'shop/db', '10.0.0.3']) expect(podMatches(p, q)).toBe(false);
  });
});

describe('twillctl ipam counts', () => {
  test('IPv4 sizes as they are, IPv6 sizes as a power of two', () => {
    const { countText } = require('../../cni/ctl/commands/ipam') as typeof import('../../cni/ctl/commands/ipam');
    expect(countText('253')).toBe('253');
    expect(countText(String(2n ** 64n - 2n))).toBe('≈2^64');
  });
});
