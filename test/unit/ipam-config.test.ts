import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { NetConf } from '../../cni/core/config';
import { ErrorCode } from '../../cni/core/errors';
import { DEFAULT_DATA_DIR, loadDataDir, loadIpamConfig, loadResolvConf, type IpamConfig } from '../../ipam/config';
import { formatCidr } from '../../ipam/net/cidr';
import { formatIp } from '../../ipam/net/ip';
import { failure } from '../helpers/failure';

const DUAL = [[{ subnet: '10.22.0.0/24' }], [{ subnet: 'fd00:22::/64' }]];

function netconf(ipam: Record<string, unknown>, extra: Record<string, unknown> = {}): NetConf {
  return { cniVersion: '1.0.0', name: 'podnet', type: 'twill', ipam: { type: 'twill-ipam', ...ipam }, ...extra } as NetConf;
}

/** The range sets as "start-end/prefix gw" strings. */
function sets(cfg: IpamConfig): string[][] {
  return cfg.rangeSets.map((set) => set.map((r) => `${formatIp(r.start)}-${formatIp(r.end)} in ${formatCidr(r.subnet)} gw ${r.gateway ? formatIp(r.gateway) : '-'}`));
}

function requested(cfg: IpamConfig): Record<number, string> {
  return Object.fromEntries([...cfg.requested].map(([set, ip]) => [set, formatIp(ip)]));
}

describe('loadIpamConfig: ranges', () => {
  test('ranges: one set per family, defaults filled in', () => {
    const cfg = loadIpamConfig(netconf({ ranges: DUAL }), {});
    expect(cfg.network).toBe('podnet');
    expect(sets(cfg)).toEqual([['10.22.0.1-10.22.0.254 in 10.22.0.0/24 gw 10.22.0.1'], ['fd00:22::1-fd00:22::ffff:ffff:ffff:ffff in fd00:22::/64 gw fd00:22::1']]);
    expect(cfg.routes).toEqual([]);
    expect(cfg.dataDir).toBe(DEFAULT_DATA_DIR);
    expect(cfg.dns).toBeUndefined();
    expect(cfg.requested.size).toBe(0);
  });

  test('the older subnet form is one set with one range', () => {
    const cfg = loadIpamConfig(netconf({ subnet: '10.30.0.0/16', rangeStart: '10.30.1.0', rangeEnd: '10.30.1.255', gateway: '10.30.0.254' }), {});
    expect(sets(cfg)).toEqual([['10.30.1.0-10.30.1.255 in 10.30.0.0/16 gw 10.30.0.254']]);
  });

  test('the older subnet form with defaults', () => {
    expect(sets(loadIpamConfig(netconf({ subnet: '10.30.0.0/24' }), {}))).toEqual([['10.30.0.1-10.30.0.254 in 10.30.0.0/24 gw 10.30.0.1']]);
  });

  test('ranges win over the older subnet form', () => {
    const cfg = loadIpamConfig(netconf({ ranges: [[{ subnet: '10.22.0.0/24' }]], subnet: '10.99.0.0/24' }), {});
    expect(sets(cfg)).toEqual([['10.22.0.1-10.22.0.254 in 10.22.0.0/24 gw 10.22.0.1']]);
  });

  test('an empty ranges list falls back to subnet', () => {
    expect(sets(loadIpamConfig(netconf({ ranges: [], subnet: '10.99.0.0/24' }), {}))[0][0]).toContain('10.99.0.0/24');
  });

  test('runtimeConfig.ipRanges overrides both', () => {
    const cfg = loadIpamConfig(
      netconf({ ranges: DUAL, subnet: '10.99.0.0/24' }, { runtimeConfig: { ipRanges: [[{ subnet: '10.40.0.0/24', rangeStart: '10.40.0.100' }]] } }),
      {},
    );
    expect(sets(cfg)).toEqual([['10.40.0.100-10.40.0.254 in 10.40.0.0/24 gw 10.40.0.1']]);
  });

  test('an empty runtimeConfig.ipRanges does not override', () => {
    const cfg = loadIpamConfig(netconf({ ranges: DUAL }, { runtimeConfig: { ipRanges: [] } }), {});
    expect(cfg.rangeSets).toHaveLength(2);
  });

  test.each([
    [{}, 'ipam.ranges: required: give "ranges" (or the older "subnet")'],
    [{ ranges: [] }, 'ipam.ranges: required: give "ranges" (or the older "subnet")'],
    [{ ranges: [[{ subnet: '10.22.0.5/24' }]] }, 'ipam.ranges[0][0].subnet: 10.22.0.5/24 has host bits set (did you mean 10.22.0.0/24?)'],
    [{ ranges: [[{ subnet: '10.22.0.0/24' }], [{ subnet: '10.22.0.0/25' }]] }, 'ipam.ranges[1][0]: range 10.22.0.1-10.22.0.126 overlaps ipam.ranges[0][0] (10.22.0.1-10.22.0.254)'],
    [{ subnet: '10.22.0.5/24' }, 'ipam.subnet: 10.22.0.5/24 has host bits set (did you mean 10.22.0.0/24?)'],
    [{ subnet: '10.22.0.0/24', rangeStart: '10.23.0.1' }, 'ipam.rangeStart: 10.23.0.1 is outside subnet 10.22.0.0/24'],
    [{ subnet: '10.22.0.0/24', rangeEnd: 'x' }, 'ipam.rangeEnd: "x" is not an IP address'],
    [{ subnet: '10.22.0.0/24', gateway: '10.22.0.0' }, 'ipam.gateway: 10.22.0.0 is the network or broadcast address of 10.22.0.0/24'],
    [{ subnet: '10.22.0.0/31' }, 'ipam.subnet: 10.22.0.0/31 is too small'],
  ])('%j is code 7: %s', (ipam, msg) => {
    const err = failure(() => loadIpamConfig(netconf(ipam), {}));
    expect(err.code).toBe(ErrorCode.invalidConfig);
    expect(err.message.slice(0, msg.length)).toBe(msg);
  });

  test('a bad runtimeConfig.ipRanges is named as such', () => {
    const err = failure(() => loadIpamConfig(netconf({ ranges: DUAL }, { runtimeConfig: { ipRanges: [[{ subnet: 'nope' }]] } }), {}));
    expect(err.message).toMatch(/^runtimeConfig\.ipRanges\[0\]\[0\]\.subnet: /);
  });

  test.each([
    [{ cniVersion: '1.0.0', name: 'n' }, 'ipam: required but missing'],
    [{ cniVersion: '1.0.0', name: 'n', ipam: { ranges: DUAL } }, 'ipam.type: required but missing'],
    [{ cniVersion: '1.0.0', name: 'n', ipam: { type: 'twill-ipam', ranges: 'x' } }, 'ipam.ranges: must be array'],
  ])('the schema runs first: %j → %s', (conf, msg) => {
    const err = failure(() => loadIpamConfig(conf as unknown as NetConf, {}));
    expect(err.code).toBe(ErrorCode.invalidConfig);
    expect(err.message).toBe(msg);
  });
});

describe('loadIpamConfig: requested addresses', () => {
  test.each([
    ['runtimeConfig.ips', (ips: string[]) => ({ extra: { runtimeConfig: { ips } }, args: {} })],
    ['args.cni.ips', (ips: string[]) => ({ extra: { args: { cni: { ips } } }, args: {} })],
    ['CNI_ARGS IP', (ips: string[]) => ({ extra: {}, args: { IP: ips.join(',') } })],
  ])('%s: each address goes to the set it falls in', (_source, make) => {
    const { extra, args } = make(['fd00:22::5/64', '10.22.0.5/24']);
    const cfg = loadIpamConfig(netconf({ ranges: DUAL }, extra), args);
    expect(requested(cfg)).toEqual({ 0: '10.22.0.5', 1: 'fd00:22::5' });
  });

  test('without a prefix, and one family only', () => {
    expect(requested(loadIpamConfig(netconf({ ranges: DUAL }, { runtimeConfig: { ips: ['fd00:22::7'] } }), {}))).toEqual({ 1: 'fd00:22::7' });
  });

  test('the right set among several ranges and sets of one family', () => {
    const ranges = [
      [{ subnet: '10.22.0.0/24', rangeStart: '10.22.0.10', rangeEnd: '10.22.0.19' }, { subnet: '10.23.0.0/24' }],
      [{ subnet: '10.24.0.0/24' }],
    ];
    expect(requested(loadIpamConfig(netconf({ ranges }), { IP: '10.24.0.9,10.23.0.200' }))).toEqual({ 0: '10.23.0.200', 1: '10.24.0.9' });
  });

  test('runtimeConfig.ips wins over args.cni.ips, which wins over CNI_ARGS', () => {
    const both = { runtimeConfig: { ips: ['10.22.0.5'] }, args: { cni: { ips: ['10.22.0.6'] } } };
    expect(requested(loadIpamConfig(netconf({ ranges: DUAL }, both), { IP: '10.22.0.7' }))).toEqual({ 0: '10.22.0.5' });
    expect(requested(loadIpamConfig(netconf({ ranges: DUAL }, { args: both.args }), { IP: '10.22.0.7' }))).toEqual({ 0: '10.22.0.6' });
    expect(requested(loadIpamConfig(netconf({ ranges: DUAL }), { IP: '10.22.0.7' }))).toEqual({ 0: '10.22.0.7' });
  });

  test('empty lists are no request', () => {
    const cfg = loadIpamConfig(netconf({ ranges: DUAL }, { runtimeConfig: { ips: [] }, args: { cni: { ips: [] } } }), { IP: '10.22.0.7' });
    expect(requested(cfg)).toEqual({ 0: '10.22.0.7' });
  });

  const errorCases: Array<[string, string[], string]> = [
    ['not an address', ['banana'], '"banana" is not an IP address'],
    ['outside every range', ['10.99.0.5'], '10.99.0.5 is in none of the configured ranges'],
    ['in the subnet but outside the range', ['10.22.0.255'], '10.22.0.255 is in none of the configured ranges'],
    ['the gateway', ['10.22.0.1/24'], '10.22.0.1/24 is the gateway of its range'],
    ['the IPv6 gateway', ['fd00:22::1'], 'fd00:22::1 is the gateway of its range'],
    ['two in one set', ['10.22.0.5', '10.22.0.6'], 'two addresses requested from range set 0 (IPv4)'],
    ['two IPv6 in one set', ['fd00:22::5', '10.22.0.5', 'fd00:22::6'], 'two addresses requested from range set 1 (IPv6)'],
  ];

  test.each(errorCases)('runtimeConfig.ips %s is code 7', (_label, ips, msg) => {
    const err = failure(() => loadIpamConfig(netconf({ ranges: DUAL }, { runtimeConfig: { ips } }), {}));
    expect(err.code).toBe(ErrorCode.invalidConfig);
    expect(err.message).toBe(`runtimeConfig.ips: ${msg}`);
  });

  test.each(errorCases)('args.cni.ips %s is code 7', (_label, ips, msg) => {
    const err = failure(() => loadIpamConfig(netconf({ ranges: DUAL }, { args: { cni: { ips } } }), {}));
    expect(err.code).toBe(ErrorCode.invalidConfig);
    expect(err.message).toBe(`args.cni.ips: ${msg}`);
  });

  test.each(errorCases)('CNI_ARGS IP %s is code 4', (_label, ips, msg) => {
    const err = failure(() => loadIpamConfig(netconf({ ranges: DUAL }), { IP: ips.join(',') }));
    expect(err.code).toBe(ErrorCode.invalidEnvironment);
    expect(err.message).toBe(`CNI_ARGS IP: ${msg}`);
  });

  test('a gateway outside the range does not block requesting that address elsewhere', () => {
    const ranges = [[{ subnet: '10.22.0.0/24', rangeStart: '10.22.0.10', rangeEnd: '10.22.0.20', gateway: '10.22.0.1' }]];
    expect(requested(loadIpamConfig(netconf({ ranges }), { IP: '10.22.0.10' }))).toEqual({ 0: '10.22.0.10' });
  });
});

describe('dataDir', () => {
  test.each([
    [undefined, DEFAULT_DATA_DIR],
    ['/var/lib/twill', '/var/lib/twill'],
    ['/var/lib//twill/./x/', '/var/lib/twill/x/'],
    ['/', '/'],
    ['/var/lib/twill..d', '/var/lib/twill..d'],
  ])('%j → %j', (value, expected) => {
    expect(loadDataDir(value)).toBe(expected);
    if (value !== undefined) expect(loadIpamConfig(netconf({ ranges: DUAL, dataDir: value }), {}).dataDir).toBe(expected);
  });

  test.each([
    ['relative/dir', 'must be an absolute path'],
    ['./dir', 'must be an absolute path'],
    ['../etc', 'must be an absolute path'],
    ['/var/lib/../../etc', 'must not contain ".." segments'],
    ['/var/lib/..', 'must not contain ".." segments'],
    ['/..', 'must not contain ".." segments'],
  ])('%j is code 7: %s', (value, msg) => {
    const err = failure(() => loadIpamConfig(netconf({ ranges: DUAL, dataDir: value }), {}));
    expect(err.code).toBe(ErrorCode.invalidConfig);
    expect(err.message).toBe(`ipam.dataDir: "${value}" ${msg}`);
  });

  test('an empty dataDir is refused by the schema', () => {
    expect(failure(() => loadIpamConfig(netconf({ ranges: DUAL, dataDir: '' }), {})).message).toMatch(/^ipam\.dataDir: /);
  });
});

describe('routes', () => {
  test('kept with dst and gw only', () => {
    const routes = [{ dst: '0.0.0.0/0' }, { dst: '10.96.0.0/12', gw: '10.22.0.1' }, { dst: '::/0', gw: 'fd00:22::1', mtu: 1400, priority: 5 }];
    expect(loadIpamConfig(netconf({ ranges: DUAL, routes }), {}).routes).toEqual([
      { dst: '0.0.0.0/0' },
      { dst: '10.96.0.0/12', gw: '10.22.0.1' },
      { dst: '::/0', gw: 'fd00:22::1' },
    ]);
  });

  test.each([
    [[{ dst: '0.0.0.0' }], 'ipam.routes[0].dst: "0.0.0.0" is not a CIDR'],
    [[{ dst: '0.0.0.0/0' }, { dst: '10.0.0.0/33' }], 'ipam.routes[1].dst: "10.0.0.0/33" is not a CIDR'],
    [[{ dst: '0.0.0.0/0', gw: 'gateway' }], 'ipam.routes[0].gw: "gateway" is not an IP address'],
    [[{ dst: '0.0.0.0/0', gw: '10.0.0.1/24' }], 'ipam.routes[0].gw: "10.0.0.1/24" is not an IP address'],
    [[{ gw: '10.0.0.1' }], 'ipam.routes[0].dst: required but missing'],
  ])('%j is code 7: %s', (routes, msg) => {
    const err = failure(() => loadIpamConfig(netconf({ ranges: DUAL, routes }), {}));
    expect(err.code).toBe(ErrorCode.invalidConfig);
    expect(err.message).toBe(msg);
  });
});

describe('resolvConf', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'twill-unit-resolv-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  function write(text: string): string {
    const path = join(dir, 'resolv.conf');
    writeFileSync(path, text);
    return path;
  }

  test('parses nameservers, domain, search and options', () => {
    const path = write(
      [
        '# generated',
        'nameserver 10.96.0.10',
        '  nameserver   1.1.1.1   # second',
        'nameserver',
        '; a comment',
        'domain cluster.local',
        'search default.svc.cluster.local svc.cluster.local\tcluster.local',
        'options ndots:5 timeout:1',
        'options rotate',
        'sortlist 10.0.0.0/255.0.0.0',
        '',
      ].join('\n'),
    );
    const expected = {
      nameservers: ['10.96.0.10', '1.1.1.1'],
      domain: 'cluster.local',
      search: ['default.svc.cluster.local', 'svc.cluster.local', 'cluster.local'],
      options: ['ndots:5', 'timeout:1', 'rotate'],
    };
    expect(loadResolvConf(path)).toEqual(expected);
    expect(loadIpamConfig(netconf({ ranges: DUAL, resolvConf: path }), {}).dns).toEqual(expected);
  });

  test('CRLF line ends', () => {
    expect(loadResolvConf(write('nameserver 10.0.0.53\r\nsearch a.local\r\n'))).toEqual({ nameservers: ['10.0.0.53'], search: ['a.local'] });
  });

  test('the last search line wins, as in the resolver', () => {
    expect(loadResolvConf(write('search a.local\nsearch b.local c.local\n')).search).toEqual(['b.local', 'c.local']);
  });

  test('an empty file gives empty dns', () => {
    expect(loadResolvConf(write(''))).toEqual({});
  });

  test('a missing file is code 5 naming it', () => {
    const path = join(dir, 'absent.conf');
    const err = failure(() => loadIpamConfig(netconf({ ranges: DUAL, resolvConf: path }), {}));
    expect(err.code).toBe(ErrorCode.io);
    expect(err.message).toBe(`ipam.resolvConf: cannot read ${path}`);
  });
});

describe('dataDir: where the path really leads', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'twill-unit-datadir-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  test.each([
    ['/proc/sys', 'link', '/proc/sys'],
    ['/proc/sys', 'link/twill/store', '/proc/sys/twill/store'],
    ['/sys/kernel', 'link/x', '/sys/kernel/x'],
    ['/proc/sys/no-such/dir', 'link/x', '/proc/sys/no-such/dir/x'], // dangling: mkdir would follow it
  ])('a symlink to %s (dataDir …/%s) is code 7 naming the resolved path', (target, rel, resolved) => {
    symlinkSync(target, join(dir, 'link'));
    const err = failure(() => loadDataDir(join(dir, rel)));
    expect(err.code).toBe(ErrorCode.invalidConfig);
    expect(err.message).toBe(`ipam.dataDir: "${join(dir, rel)}" resolves to ${resolved}, on a kernel file system (/proc, /sys, /dev)`);
  });

  test('a symlink to an ordinary directory is fine, and the path is kept as written', () => {
    mkdirSync(join(dir, 'real'));
    symlinkSync(join(dir, 'real'), join(dir, 'link'));
    expect(loadDataDir(join(dir, 'link', 'store'))).toBe(join(dir, 'link', 'store'));
  });

  test('a symlink loop is left for the store to report (no spin here either)', () => {
    symlinkSync(join(dir, 'b'), join(dir, 'a'));
    symlinkSync(join(dir, 'a'), join(dir, 'b'));
    expect(loadDataDir(join(dir, 'a', 'store'))).toBe(join(dir, 'a', 'store'));
  });
});
