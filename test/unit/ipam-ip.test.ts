import { cidrContains, formatCidr, lastAddress, networkAddress, parseCidr, canonicalNetwork, offsetIp } from '../../ipam/net/cidr';
import { formatIp, parseIp, sameIp, type Ip } from '../../ipam/net/ip';

const v4 = (s: string): Ip => ({ family: 4, value: BigInt(s) });
const v6 = (hex: string): Ip => ({ family: 6, value: BigInt(`0x${hex}`) });

describe('parseIp / formatIp: IPv4', () => {
  test.each([
    ['0.0.0.0', 0n],
    ['1.2.3.4', 0x01020304n],
    ['10.22.0.5', 0x0a160005n],
    ['192.168.255.1', 0xc0a8ff01n],
    ['255.255.255.255', 0xffffffffn],
  ])('%s ↔ %s', (text, value) => {
    expect(parseIp(text)).toEqual({ family: 4, value });
    expect(formatIp({ family: 4, value })).toBe(text);
  });
});

describe('parseIp: IPv6 input forms', () => {
  test.each([
    ['::', '0'],
    ['::1', '1'],
    ['1::', '10000000000000000000000000000'],
    ['2001:db8::1', '20010db8000000000000000000000001'],
    ['2001:DB8::1', '20010db8000000000000000000000001'],
    ['2001:0db8:0000:0000:0000:0000:0000:0001', '20010db8000000000000000000000001'],
    ['fd00:22::5', 'fd000022000000000000000000000005'],
    ['1:2:3:4:5:6:7:8', '00010002000300040005000600070008'],
    ['1:2:3:4:5:6:7::', '00010002000300040005000600070000'],
    ['::2:3:4:5:6:7:8', '00000002000300040005000600070008'],
    ['fe80::1:2', 'fe800000000000000000000000010002'],
  ])('%s', (text, hex) => {
    expect(parseIp(text)).toEqual(v6(hex));
  });

  test.each([
    ['::ffff:1.2.3.4', '::ffff:102:304', 'ffff01020304'],
    ['::ffff:255.255.255.255', '::ffff:ffff:ffff', 'ffffffffffff'],
    ['::1.2.3.4', '::102:304', '01020304'],
    ['64:ff9b::192.0.2.33', '64:ff9b::c000:221', '0064ff9b0000000000000000c0000221'],
    ['1:2:3:4:5:6:1.2.3.4', '1:2:3:4:5:6:102:304', '00010002000300040005000601020304'],
  ])('embedded IPv4 %s equals %s', (embedded, hexForm, hex) => {
    expect(parseIp(embedded)).toEqual(v6(hex));
    expect(parseIp(embedded)).toEqual(parseIp(hexForm));
  });

  test('an IPv4-mapped address is still family 6, not the IPv4 address', () => {
    expect(parseIp('::ffff:10.0.0.1')!.family).toBe(6);
    expect(sameIp(parseIp('::ffff:10.0.0.1')!, parseIp('10.0.0.1')!)).toBe(false);
  });
});

describe('formatIp: IPv6 per RFC 5952', () => {
  test.each([
    ['0', '::'],
    ['1', '::1'],
    ['10000000000000000000000000000', '1::'],
    ['20010db8000000000000000000000001', '2001:db8::1'], // leading zeros dropped, lower case
    ['20010db8000000000000000000000abc', '2001:db8::abc'],
    ['20010db8000000010000000000000001', '2001:db8:0:1::1'], // longest run wins
    ['20010db8000000000001000000000001', '2001:db8::1:0:0:1'], // tie: first run
    ['00010000000000010000000000000001', '1:0:0:1::1'], // longer run later
    ['20010db8000100010001000100010000', '2001:db8:1:1:1:1:1:0'], // one zero group is not compressed
    ['20010db8000000010001000100010001', '2001:db8:0:1:1:1:1:1'],
    ['00010002000300040005000600070008', '1:2:3:4:5:6:7:8'],
    ['00000002000300040005000600070008', '0:2:3:4:5:6:7:8'],
    ['ffffffffffffffffffffffffffffffff', 'ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff'],
    ['fe800000000000000000000000000000', 'fe80::'],
    ['000000000000000000000000ffff0000', '::ffff:0'],
  ])('%s → %s', (hex, text) => {
    expect(formatIp(v6(hex))).toBe(text);
    expect(parseIp(text)).toEqual(v6(hex)); // and back
  });

  test.each(['2001:0db8:0:0:0:0:0:1', '2001:DB8:0:0:1:0:0:1', 'FD00::0:1', '0:0:0:0:0:0:0:0', '::0:1'])('%s formats canonically and round-trips', (text) => {
    const canonical = formatIp(parseIp(text)!);
    expect(canonical).toBe(canonical.toLowerCase());
    expect(canonical).not.toMatch(/(^|:)0[0-9a-f]/);
    expect(formatIp(parseIp(canonical)!)).toBe(canonical);
    expect(parseIp(canonical)).toEqual(parseIp(text));
  });
});

describe('parseIp: invalid input', () => {
  test.each([
    '',
    ' ',
    '1.2.3',
    '1.2.3.4.5',
    '256.1.1.1',
    '1.2.3.-1',
    '01.2.3.4',
    '1.2.3.4 ',
    ' 1.2.3.4',
    '1.2.3.4/24',
    '10.0.0.x',
    ':::',
    '1::2::3',
    '1:2:3:4:5:6:7:8:9',
    '1:2:3:4:5:6:7',
    '12345::1',
    'g::1',
    '::ffff:1.2.3',
    '::ffff:1.2.3.256',
    'fe80::1%eth0',
    'fe80::1/64',
    '[::1]',
    'localhost',
  ])('%j', (text) => {
    expect(parseIp(text)).toBeUndefined();
  });
});

describe('sameIp', () => {
  test('compares family and value', () => {
    expect(sameIp(parseIp('10.0.0.1')!, parseIp('10.0.0.1')!)).toBe(true);
    expect(sameIp(parseIp('::1')!, parseIp('0::0:1')!)).toBe(true);
    expect(sameIp(parseIp('0.0.0.1')!, parseIp('::1')!)).toBe(false);
  });
});

describe('parseCidr', () => {
  test.each([
    ['10.22.0.0/24', '10.22.0.0', 24],
    ['10.22.0.5/24', '10.22.0.5', 24], // host part kept
    ['0.0.0.0/0', '0.0.0.0', 0],
    ['10.0.0.1/32', '10.0.0.1', 32],
    ['fd00::/64', 'fd00::', 64],
    ['::/0', '::', 0],
    ['::1/128', '::1', 128],
    ['2001:DB8::5/48', '2001:db8::5', 48],
  ])('%s', (text, ip, prefix) => {
    const c = parseCidr(text)!;
    expect(c).toEqual({ ip: parseIp(ip), prefix });
    expect(formatCidr(c)).toBe(`${ip}/${prefix}`);
  });

  test.each([
    '',
    '10.0.0.0',
    '10.0.0.0/',
    '10.0.0.0/33',
    '10.0.0.0/-1',
    '10.0.0.0/+8',
    '10.0.0.0/ 8',
    '10.0.0.0/8 ',
    '10.0.0.0/1234',
    '10.0.0.0/8/8',
    '10.0.0.0/x',
    '/24',
    'fd00::/129',
    'fd00::/',
    '10.0.0/24',
    'fe80::1%eth0/64',
  ])('rejects %j', (text) => {
    expect(parseCidr(text)).toBeUndefined();
  });
});

describe('networkAddress / lastAddress / canonicalNetwork', () => {
  test.each([
    ['10.22.0.5/24', '10.22.0.0', '10.22.0.255'],
    ['10.22.0.0/24', '10.22.0.0', '10.22.0.255'],
    ['10.22.7.200/21', '10.22.0.0', '10.22.7.255'],
    ['192.168.1.130/25', '192.168.1.128', '192.168.1.255'],
    ['10.0.0.5/30', '10.0.0.4', '10.0.0.7'],
    ['10.0.0.5/31', '10.0.0.4', '10.0.0.5'],
    ['10.0.0.5/32', '10.0.0.5', '10.0.0.5'],
    ['1.2.3.4/0', '0.0.0.0', '255.255.255.255'],
    ['255.255.255.255/8', '255.0.0.0', '255.255.255.255'],
    ['fd00:22::5/64', 'fd00:22::', 'fd00:22::ffff:ffff:ffff:ffff'],
    ['fd00:22:1:2:3:4:5:6/48', 'fd00:22:1::', 'fd00:22:1:ffff:ffff:ffff:ffff:ffff'],
    ['fd00::5/126', 'fd00::4', 'fd00::7'],
    ['fd00::5/128', 'fd00::5', 'fd00::5'],
    ['::1/0', '::', 'ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff'],
  ])('%s: network %s, last %s', (text, net, last) => {
    const c = parseCidr(text)!;
    expect(formatIp(networkAddress(c))).toBe(net);
    expect(formatIp(lastAddress(c))).toBe(last);
    expect(networkAddress(c).family).toBe(c.ip.family);
    expect(lastAddress(c).family).toBe(c.ip.family);
    expect(formatCidr(canonicalNetwork(c))).toBe(`${net}/${c.prefix}`);
  });

  test('the input is not modified', () => {
    const c = parseCidr('10.22.0.5/24')!;
    networkAddress(c);
    lastAddress(c);
    expect(formatCidr(c)).toBe('10.22.0.5/24');
  });
});

describe('cidrContains', () => {
  test.each([
    ['10.22.0.0/24', '10.22.0.0', true],
    ['10.22.0.0/24', '10.22.0.255', true],
    ['10.22.0.0/24', '10.22.0.77', true],
    ['10.22.0.5/24', '10.22.0.77', true], // host bits in the CIDR do not matter
    ['10.22.0.0/24', '10.22.1.0', false],
    ['10.22.0.0/24', '10.21.255.255', false],
    ['0.0.0.0/0', '203.0.113.9', true],
    ['10.0.0.1/32', '10.0.0.1', true],
    ['10.0.0.1/32', '10.0.0.2', false],
    ['fd00:22::/64', 'fd00:22::1', true],
    ['fd00:22::/64', 'fd00:22:0:1::1', false],
    ['::/0', '2001:db8::1', true],
    ['::/0', '10.0.0.1', false], // families never mix
    ['0.0.0.0/0', '::1', false],
    ['::/96', '0.0.0.5', false],
    ['0.0.0.0/8', '::5', false],
  ])('%s contains %s: %s', (cidr, ip, expected) => {
    expect(cidrContains(parseCidr(cidr)!, parseIp(ip)!)).toBe(expected);
  });
});

describe('offsetIp', () => {
  test('adds within the family', () => {
    expect(formatIp(offsetIp(parseIp('10.0.0.255')!, 1n))).toBe('10.0.1.0');
    expect(formatIp(offsetIp(parseIp('10.0.1.0')!, -1n))).toBe('10.0.0.255');
    expect(formatIp(offsetIp(parseIp('fd00::ffff')!, 1n))).toBe('fd00::1:0');
    expect(offsetIp(v4('7'), 3n)).toEqual(v4('10'));
  });
});

describe('parseIp: text forms checked without node:net', () => {
  it.each(['::', '1::', '::1', '1:2:3:4:5:6:7::', '::ffff:1.2.3.4', '64:ff9b::192.0.2.33', 'FE80::ABCD'])('accepts %s', (s) => {
    expect(parseIp(s)).toBeDefined();
  });
  it.each([':::', '1:2:3:4:5:6:7:8::', ':1::', '1::2::3', '::1.2.3.4:5', '1:2:3:4:5:6:7', '12345::', 'fe80::1%eth0', '::256.1.1.1', '01.2.3.4', '1.2.3', ' 1.2.3.4'])(
    'rejects %s',
    (s) => {
      expect(parseIp(s)).toBeUndefined();
    },
  );
});
