import { fnv64, hostVethName, HOST_VETH_PATTERN, isUnicastMac, macFromIpv4, stableMac } from '../../cni/plugin/names';

/** The textbook FNV-1a 64 on BigInt, to pin the fast two-halves version to it. */
function fnv64Reference(text: string): string {
  let h = 0xcbf29ce484222325n;
  for (let i = 0; i < text.length; i++) {
    h ^= BigInt(text.charCodeAt(i));
    h = (h * 0x100000001b3n) & 0xffffffffffffffffn;
  }
  return h.toString(16).padStart(16, '0');
}

describe('fnv64', () => {
  it.each(['', 'a', 'foobar', 'abc123\0eth0', 'x'.repeat(3000), 'ünïcödé ✓'])('matches FNV-1a 64 for %j', (text) => {
    expect(fnv64(text)).toBe(fnv64Reference(text));
  });

  it('gives the published test vectors', () => {
    expect(fnv64('')).toBe('cbf29ce484222325');
    expect(fnv64('a')).toBe('af63dc4c8601ec8c');
    expect(fnv64('foobar')).toBe('85944171f73967e8');
  });
});

describe('names and MACs', () => {
  it('derives a host veth name that fits IFNAMSIZ and depends on container and ifname', () => {
    const a = hostVethName('abc', 'eth0');
    expect(a).toMatch(HOST_VETH_PATTERN);
    expect(a.length).toBeLessThanOrEqual(15);
    expect(hostVethName('abc', 'eth0')).toBe(a);
    expect(hostVethName('abc', 'eth1')).not.toBe(a);
    expect(hostVethName('abd', 'eth0')).not.toBe(a);
  });

  it('makes stable, locally administered unicast MACs', () => {
    const mac = stableMac('bridge:twill0');
    expect(mac).toBe(stableMac('bridge:twill0'));
    expect(isUnicastMac(mac)).toBe(true);
    expect(parseInt(mac.slice(0, 2), 16) & 2).toBe(2);
  });

  it('maps an IPv4 address into 0a:58:…', () => {
    expect(macFromIpv4('10.22.0.5')).toBe('0a:58:0a:16:00:05');
  });

  it('rejects multicast and malformed MACs', () => {
    expect(isUnicastMac('01:00:5e:00:00:01')).toBe(false);
    expect(isUnicastMac('0a:58:0a:16:00')).toBe(false);
    expect(isUnicastMac('0a:58:0a:16:00:05')).toBe(true);
  });
});
