import { ErrorCode } from '../../cni/core/errors';
import { formatCidr } from '../../ipam/net/cidr';
import { formatIp, parseIp } from '../../ipam/net/ip';
import { candidates, capacity, parseRange, parseRangeSets, rangeOf, setFamily, type Range, type RangeSet, type RangeSpec } from '../../ipam/ranges';
import { failure } from '../helpers/failure';

function show(r: Range): Record<string, string | undefined> {
  return { subnet: formatCidr(r.subnet), start: formatIp(r.start), end: formatIp(r.end), gateway: r.gateway && formatIp(r.gateway) };
}

const ip = (s: string) => parseIp(s)!;

function all(set: RangeSet, after?: string): string[] {
  return [...candidates(set, after === undefined ? undefined : ip(after))].map(formatIp);
}

describe('parseRange: defaults', () => {
  test.each([
    [{ subnet: '10.22.0.0/24' }, { subnet: '10.22.0.0/24', start: '10.22.0.1', end: '10.22.0.254', gateway: '10.22.0.1' }],
    [{ subnet: '10.22.0.0/16' }, { subnet: '10.22.0.0/16', start: '10.22.0.1', end: '10.22.255.254', gateway: '10.22.0.1' }],
    [{ subnet: '192.168.1.128/25' }, { subnet: '192.168.1.128/25', start: '192.168.1.129', end: '192.168.1.254', gateway: '192.168.1.129' }],
    [{ subnet: '10.0.0.4/30' }, { subnet: '10.0.0.4/30', start: '10.0.0.5', end: '10.0.0.6', gateway: '10.0.0.5' }],
    [{ subnet: 'fd00:22::/64' }, { subnet: 'fd00:22::/64', start: 'fd00:22::1', end: 'fd00:22::ffff:ffff:ffff:ffff', gateway: 'fd00:22::1' }],
    [{ subnet: 'fd00::/126' }, { subnet: 'fd00::/126', start: 'fd00::1', end: 'fd00::3', gateway: 'fd00::1' }],
    [{ subnet: '2001:DB8::/120' }, { subnet: '2001:db8::/120', start: '2001:db8::1', end: '2001:db8::ff', gateway: '2001:db8::1' }],
  ])('%j', (spec, expected) => {
    expect(show(parseRange(spec, 'r'))).toEqual(expected);
  });

  test('explicit start, end and gateway are kept', () => {
    const r = parseRange({ subnet: '10.22.0.0/24', rangeStart: '10.22.0.100', rangeEnd: '10.22.0.200', gateway: '10.22.0.254' }, 'r');
    expect(show(r)).toEqual({ subnet: '10.22.0.0/24', start: '10.22.0.100', end: '10.22.0.200', gateway: '10.22.0.254' });
  });

  test('start == end is one address', () => {
    const r = parseRange({ subnet: '10.22.0.0/24', rangeStart: '10.22.0.9', rangeEnd: '10.22.0.9' }, 'r');
    expect(capacity([r])).toBe(1n);
  });

  test('the last IPv6 address is usable (no broadcast)', () => {
    expect(show(parseRange({ subnet: 'fd00::/120', rangeStart: 'fd00::ff' }, 'r')).start).toBe('fd00::ff');
  });
});

describe('parseRange: rejected specs (code 7, field named)', () => {
  test.each([
    [{ subnet: '10.22.0.5/24' }, 'r.subnet', 'has host bits set (did you mean 10.22.0.0/24?)'],
    [{ subnet: 'fd00::1/64' }, 'r.subnet', 'has host bits set (did you mean fd00::/64?)'],
    [{ subnet: '10.22.0.0/31' }, 'r.subnet', 'too small'],
    [{ subnet: '10.22.0.0/32' }, 'r.subnet', 'too small'],
    [{ subnet: 'fd00::/127' }, 'r.subnet', 'too small'],
    [{ subnet: 'fd00::/128' }, 'r.subnet', 'too small'],
    [{ subnet: '10.22.0.0' }, 'r.subnet', 'is not a CIDR subnet'],
    [{ subnet: 'banana' }, 'r.subnet', 'is not a CIDR subnet'],
    [{ subnet: 24 }, 'r.subnet', 'is not a CIDR subnet'],
    [{}, 'r.subnet', 'is not a CIDR subnet'],
    [{ subnet: '10.22.0.0/24', rangeStart: 'x' }, 'r.rangeStart', 'is not an IP address'],
    [{ subnet: '10.22.0.0/24', rangeEnd: 5 }, 'r.rangeEnd', 'is not an IP address'],
    [{ subnet: '10.22.0.0/24', gateway: '10.22.0.1/24' }, 'r.gateway', 'is not an IP address'],
    [{ subnet: '10.22.0.0/24', rangeStart: 'fd00::1' }, 'r.rangeStart', 'is not an IPv4 address like its subnet'],
    [{ subnet: 'fd00::/64', gateway: '10.0.0.1' }, 'r.gateway', 'is not an IPv6 address like its subnet'],
    [{ subnet: '10.22.0.0/24', rangeStart: '10.22.1.5' }, 'r.rangeStart', '10.22.1.5 is outside subnet 10.22.0.0/24'],
    [{ subnet: '10.22.0.0/24', rangeEnd: '10.23.0.5' }, 'r.rangeEnd', '10.23.0.5 is outside subnet 10.22.0.0/24'],
    [{ subnet: '10.22.0.0/24', gateway: '10.0.0.1' }, 'r.gateway', '10.0.0.1 is outside subnet 10.22.0.0/24'],
    [{ subnet: 'fd00::/64', rangeEnd: 'fd01::5' }, 'r.rangeEnd', 'fd01::5 is outside subnet fd00::/64'],
    [{ subnet: '10.22.0.0/24', rangeStart: '10.22.0.0' }, 'r.rangeStart', 'network or broadcast'],
    [{ subnet: '10.22.0.0/24', rangeEnd: '10.22.0.255' }, 'r.rangeEnd', 'network or broadcast'],
    [{ subnet: '10.22.0.0/24', gateway: '10.22.0.255' }, 'r.gateway', 'network or broadcast'],
    [{ subnet: 'fd00::/64', rangeStart: 'fd00::' }, 'r.rangeStart', 'network or broadcast'],
    [{ subnet: '10.22.0.0/24', rangeStart: '10.22.0.50', rangeEnd: '10.22.0.10' }, 'r.rangeStart', '10.22.0.50 is after rangeEnd 10.22.0.10'],
    [{ subnet: 'fd00::/64', rangeStart: 'fd00::50', rangeEnd: 'fd00::10' }, 'r.rangeStart', 'fd00::50 is after rangeEnd fd00::10'],
  ] as Array<[RangeSpec, string, string]>)('%j: %s %s', (spec, field, msg) => {
    const err = failure(() => parseRange(spec, 'r'));
    expect(err.code).toBe(ErrorCode.invalidConfig);
    expect(err.message.startsWith(`${field}: `)).toBe(true);
    expect(err.message).toContain(msg);
  });
});

describe('parseRangeSets', () => {
  test('dual stack: one IPv4 set and one IPv6 set', () => {
    const sets = parseRangeSets([[{ subnet: '10.22.0.0/24' }], [{ subnet: 'fd00:22::/64' }]], 'ipam.ranges');
    expect(sets.map(setFamily)).toEqual([4, 6]);
  });

  test('several disjoint ranges in one set, even in one subnet', () => {
    const sets = parseRangeSets(
      [[
        { subnet: '10.22.0.0/24', rangeStart: '10.22.0.10', rangeEnd: '10.22.0.19' },
        { subnet: '10.22.0.0/24', rangeStart: '10.22.0.20', rangeEnd: '10.22.0.29' },
        { subnet: '10.23.0.0/24' },
      ]],
      'ipam.ranges',
    );
    expect(sets[0]).toHaveLength(3);
  });

  test.each([
    [[[{ subnet: '10.22.0.0/24' }, { subnet: 'fd00::/64' }]], 'ipam.ranges[0][1]: mixes IPv4 and IPv6 in one range set'],
    [[[{ subnet: 'fd00::/64' }, { subnet: 'fd01::/64' }, { subnet: '10.0.0.0/24' }]], 'ipam.ranges[0][2]: mixes IPv4 and IPv6 in one range set'],
    [[[]], 'ipam.ranges[0]: a range set needs at least one range'],
    [[[{ subnet: '10.0.0.0/24' }], []], 'ipam.ranges[1]: a range set needs at least one range'],
    [[[{ subnet: '10.22.0.0/24' }, { subnet: '10.22.0.0/24' }]], 'ipam.ranges[0][1]: range 10.22.0.1-10.22.0.254 overlaps ipam.ranges[0][0] (10.22.0.1-10.22.0.254)'],
    [[[{ subnet: '10.22.0.0/24' }], [{ subnet: '10.22.0.0/16' }]], 'ipam.ranges[1][0]: range 10.22.0.1-10.22.255.254 overlaps ipam.ranges[0][0] (10.22.0.1-10.22.0.254)'],
    [
      [[{ subnet: '10.22.0.0/24', rangeStart: '10.22.0.10', rangeEnd: '10.22.0.20' }], [{ subnet: '10.22.0.0/24', rangeStart: '10.22.0.20', rangeEnd: '10.22.0.30' }]],
      'ipam.ranges[1][0]: range 10.22.0.20-10.22.0.30 overlaps ipam.ranges[0][0] (10.22.0.10-10.22.0.20)',
    ],
    [
      [[{ subnet: 'fd00::/64' }], [{ subnet: '10.0.0.0/8' }], [{ subnet: 'fd00::/120' }]],
      'ipam.ranges[2][0]: range fd00::1-fd00::ff overlaps ipam.ranges[0][0] (fd00::1-fd00::ffff:ffff:ffff:ffff)',
    ],
    [[[{ subnet: '10.22.0.0/33' }]], 'ipam.ranges[0][0].subnet: "10.22.0.0/33" is not a CIDR subnet such as 10.22.0.0/24'],
    [[[{ subnet: '10.0.0.0/24' }], [{ subnet: '10.1.0.0/24', rangeEnd: '10.2.0.1' }]], 'ipam.ranges[1][0].rangeEnd: 10.2.0.1 is outside subnet 10.1.0.0/24'],
  ] as Array<[RangeSpec[][], string]>)('%j → %s', (specs, msg) => {
    const err = failure(() => parseRangeSets(specs, 'ipam.ranges'));
    expect(err.code).toBe(ErrorCode.invalidConfig);
    expect(err.message).toBe(msg);
  });

  test('an IPv4 and an IPv6 range with equal numeric values do not overlap', () => {
    expect(() => parseRangeSets([[{ subnet: '0.0.0.0/24' }], [{ subnet: '::/120' }]], 'f')).not.toThrow();
  });
});

describe('rangeOf', () => {
  const set = parseRangeSets(
    [[{ subnet: '10.22.0.0/24', rangeStart: '10.22.0.10', rangeEnd: '10.22.0.19' }, { subnet: '10.23.0.0/24', rangeStart: '10.23.0.10', rangeEnd: '10.23.0.19' }]],
    'f',
  )[0];

  test.each([
    ['10.22.0.10', 0],
    ['10.22.0.19', 0],
    ['10.23.0.15', 1],
    ['10.22.0.9', undefined],
    ['10.22.0.20', undefined],
    ['10.22.0.1', undefined], // in the subnet, not the range
    ['::a16:a', undefined],
  ])('%s → range %s', (addr, index) => {
    const r = rangeOf(set, ip(addr));
    expect(r).toBe(index === undefined ? undefined : set[index]);
  });
});

describe('capacity', () => {
  test.each([
    [[{ subnet: '10.22.0.0/24' }], 253n], // .1-.254 less the gateway .1
    [[{ subnet: '10.22.0.0/16' }], 65533n],
    [[{ subnet: '10.0.0.4/30' }], 1n],
    [[{ subnet: 'fd00::/126' }], 2n],
    [[{ subnet: 'fd00::/120' }], 254n], // ::1-::ff less the gateway
    [[{ subnet: 'fd00::/64' }], (1n << 64n) - 2n],
    [[{ subnet: '10.22.0.0/24', rangeStart: '10.22.0.10', rangeEnd: '10.22.0.19' }], 10n], // gateway .1 outside the range
    [[{ subnet: '10.22.0.0/24', rangeStart: '10.22.0.10', rangeEnd: '10.22.0.19', gateway: '10.22.0.15' }], 9n],
    [[{ subnet: '10.22.0.0/24', rangeStart: '10.22.0.10', rangeEnd: '10.22.0.19' }, { subnet: '10.23.0.0/30' }], 11n],
  ] as Array<[RangeSpec[], bigint]>)('%j → %s', (specs, expected) => {
    const set = parseRangeSets([specs], 'f')[0];
    expect(capacity(set)).toBe(expected);
    if (expected < 1000n) expect(BigInt(all(set).length)).toBe(expected);
  });
});

describe('candidates', () => {
  const small = parseRangeSets([[{ subnet: '10.0.0.0/29' }]], 'f')[0]; // .1-.6, gateway .1

  test('without a hint: from the start of the first range, gateway skipped', () => {
    expect(all(small)).toEqual(['10.0.0.2', '10.0.0.3', '10.0.0.4', '10.0.0.5', '10.0.0.6']);
  });

  test.each([
    ['10.0.0.3', ['10.0.0.4', '10.0.0.5', '10.0.0.6', '10.0.0.2', '10.0.0.3']],
    ['10.0.0.6', ['10.0.0.2', '10.0.0.3', '10.0.0.4', '10.0.0.5', '10.0.0.6']], // the last one: wraps around
    ['10.0.0.1', ['10.0.0.2', '10.0.0.3', '10.0.0.4', '10.0.0.5', '10.0.0.6']], // hint on the gateway
    ['10.0.0.2', ['10.0.0.3', '10.0.0.4', '10.0.0.5', '10.0.0.6', '10.0.0.2']],
  ])('round robin after %s', (after, expected) => {
    expect(all(small, after)).toEqual(expected);
  });

  test.each(['10.0.0.7', '10.9.0.1', 'fd00::1'])('a hint outside the set (%s) starts from the beginning', (after) => {
    expect(all(small, after)).toEqual(all(small));
  });

  const multi = parseRangeSets(
    [[
      { subnet: '10.0.0.0/24', rangeStart: '10.0.0.10', rangeEnd: '10.0.0.12' },
      { subnet: '10.1.0.0/24', rangeStart: '10.1.0.1', rangeEnd: '10.1.0.3' }, // gateway 10.1.0.1 inside
      { subnet: '10.2.0.0/24', rangeStart: '10.2.0.5', rangeEnd: '10.2.0.5' },
    ]],
    'f',
  )[0];

  test.each([
    [undefined, ['10.0.0.10', '10.0.0.11', '10.0.0.12', '10.1.0.2', '10.1.0.3', '10.2.0.5']],
    ['10.0.0.11', ['10.0.0.12', '10.1.0.2', '10.1.0.3', '10.2.0.5', '10.0.0.10', '10.0.0.11']],
    ['10.0.0.12', ['10.1.0.2', '10.1.0.3', '10.2.0.5', '10.0.0.10', '10.0.0.11', '10.0.0.12']],
    ['10.1.0.3', ['10.2.0.5', '10.0.0.10', '10.0.0.11', '10.0.0.12', '10.1.0.2', '10.1.0.3']],
    ['10.2.0.5', ['10.0.0.10', '10.0.0.11', '10.0.0.12', '10.1.0.2', '10.1.0.3', '10.2.0.5']],
  ])('across ranges after %s', (after, expected) => {
    expect(all(multi, after)).toEqual(expected);
  });

  test('visits every usable address exactly once from any starting point', () => {
    const set = parseRangeSets([[{ subnet: '10.5.0.0/28', gateway: '10.5.0.7' }, { subnet: '10.6.0.0/29', rangeStart: '10.6.0.3' }]], 'f')[0];
    const expected = new Set(all(set));
    expect(expected.size).toBe(Number(capacity(set)));
    expect(expected.has('10.5.0.7')).toBe(false);
    for (const r of set) {
      for (let v = r.start.value; v <= r.end.value; v++) {
        const after = formatIp({ family: 4, value: v });
        const seq = all(set, after);
        expect(seq).toHaveLength(expected.size);
        expect(new Set(seq)).toEqual(expected);
        if (after !== '10.5.0.7') expect(seq[seq.length - 1]).toBe(after);
      }
    }
  });

  test('IPv6: round robin and wrap', () => {
    const set = parseRangeSets([[{ subnet: 'fd00::/126' }]], 'f')[0];
    expect(all(set)).toEqual(['fd00::2', 'fd00::3']);
    expect(all(set, 'fd00::2')).toEqual(['fd00::3', 'fd00::2']);
    expect(all(set, 'fd00::3')).toEqual(['fd00::2', 'fd00::3']);
  });

  test('is lazy: a huge IPv6 range yields its first candidates at once', () => {
    const set = parseRangeSets([[{ subnet: 'fd00::/64' }]], 'f')[0];
    const it = candidates(set, ip('fd00::ffff:ffff:ffff:fffe'));
    expect(formatIp(it.next().value as ReturnType<typeof ip>)).toBe('fd00::ffff:ffff:ffff:ffff');
    expect(formatIp(it.next().value as ReturnType<typeof ip>)).toBe('fd00::2');
  });
});

describe('gateways across ranges of one set', () => {
  // Range A's gateway (10.9.1.1) lies inside range B: it must never be handed out either.
  const set = parseRangeSets(
    [[
      { subnet: '10.9.0.0/16', rangeStart: '10.9.0.10', rangeEnd: '10.9.0.12', gateway: '10.9.1.1' },
      { subnet: '10.9.0.0/16', rangeStart: '10.9.1.1', rangeEnd: '10.9.1.2', gateway: '10.9.1.1' },
    ]],
    'ipam.ranges',
  )[0];

  it('skips a gateway that belongs to a neighbouring range', () => {
    expect([...candidates(set)].map(formatIp)).toEqual(['10.9.0.10', '10.9.0.11', '10.9.0.12', '10.9.1.2']);
  });

  it('counts it out of the capacity once', () => {
    expect(capacity(set)).toBe(4n);
  });
});
