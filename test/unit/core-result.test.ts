import { ErrorCode } from '../../cni/core/errors';
import { convertResult, parseResult, type Result } from '../../cni/core/result';
import { SUPPORTED_VERSIONS } from '../../cni/core/versions';
import { failure } from '../helpers/failure';

/** A result with every 1.1.0 field set, dual stack. */
function fullResult(): Result {
  return {
    interfaces: [
      { name: 'twill0', mac: '0a:58:0a:16:00:01', mtu: 1450 },
      { name: 'eth0', mac: '0a:58:0a:16:00:05', mtu: 1450, sandbox: '/var/run/netns/pod1', socketPath: '/run/vhost.sock', pciID: '0000:00:1f.6' },
    ],
    ips: [
      { address: '10.22.0.5/24', gateway: '10.22.0.1', interface: 1 },
      { address: 'fd00:22::5/64', gateway: 'fd00:22::1', interface: 1 },
    ],
    routes: [
      { dst: '0.0.0.0/0', gw: '10.22.0.1', mtu: 1400, advmss: 1360, priority: 100, table: 254, scope: 0 },
      { dst: '::/0' },
    ],
    dns: { nameservers: ['10.96.0.10'], domain: 'cluster.local', search: ['default.svc.cluster.local'], options: ['ndots:5'] },
  };
}

const PRE_1_0 = ['0.3.0', '0.3.1', '0.4.0'] as const;

describe('convertResult', () => {
  test.each(PRE_1_0.map((v) => [v]))('%s: version on each ip, 1.1 fields dropped', (v) => {
    expect(convertResult(fullResult(), v)).toEqual({
      cniVersion: v,
      interfaces: [
        { name: 'twill0', mac: '0a:58:0a:16:00:01' },
        { name: 'eth0', mac: '0a:58:0a:16:00:05', sandbox: '/var/run/netns/pod1' },
      ],
      ips: [
        { version: '4', address: '10.22.0.5/24', gateway: '10.22.0.1', interface: 1 },
        { version: '6', address: 'fd00:22::5/64', gateway: 'fd00:22::1', interface: 1 },
      ],
      routes: [{ dst: '0.0.0.0/0', gw: '10.22.0.1' }, { dst: '::/0' }],
      dns: fullResult().dns,
    });
  });

  test('1.0.0: no version on ips, 1.1 fields dropped', () => {
    expect(convertResult(fullResult(), '1.0.0')).toEqual({
      cniVersion: '1.0.0',
      interfaces: [
        { name: 'twill0', mac: '0a:58:0a:16:00:01' },
        { name: 'eth0', mac: '0a:58:0a:16:00:05', sandbox: '/var/run/netns/pod1' },
      ],
      ips: [
        { address: '10.22.0.5/24', gateway: '10.22.0.1', interface: 1 },
        { address: 'fd00:22::5/64', gateway: 'fd00:22::1', interface: 1 },
      ],
      routes: [{ dst: '0.0.0.0/0', gw: '10.22.0.1' }, { dst: '::/0' }],
      dns: fullResult().dns,
    });
  });

  test('1.1.0: everything kept, no version on ips', () => {
    expect(convertResult(fullResult(), '1.1.0')).toEqual({ cniVersion: '1.1.0', ...fullResult() });
  });

  test.each(SUPPORTED_VERSIONS.map((v) => [v]))('%s: the input result is not modified', (v) => {
    const r = fullResult();
    convertResult(r, v);
    expect(r).toEqual(fullResult());
  });

  test.each(SUPPORTED_VERSIONS.map((v) => [v]))('%s: an empty result still has ips and dns', (v) => {
    const out = convertResult({}, v);
    expect(out).toEqual({ cniVersion: v, ips: [], dns: {} });
    expect(out).not.toHaveProperty('interfaces');
    expect(out).not.toHaveProperty('routes');
  });

  test('an IPv4-mapped IPv6 address is version 6', () => {
    expect(convertResult({ ips: [{ address: '::ffff:10.0.0.1/128' }] }, '0.4.0').ips).toEqual([{ version: '6', address: '::ffff:10.0.0.1/128' }]);
  });

  test.each(SUPPORTED_VERSIONS.map((v) => [v]))('%s: the output is plain JSON', (v) => {
    const out = convertResult(fullResult(), v);
    expect(JSON.parse(JSON.stringify(out))).toEqual(out);
  });
});

describe('parseResult', () => {
  test.each(SUPPORTED_VERSIONS.map((v) => [v]))('round-trips through %s', (v) => {
    const expected = fullResult();
    if (v !== '1.1.0') {
      for (const i of expected.interfaces!) {
        delete i.mtu;
        delete i.socketPath;
        delete i.pciID;
      }
      expected.routes = [{ dst: '0.0.0.0/0', gw: '10.22.0.1' }, { dst: '::/0' }];
    }
    const wire = JSON.parse(JSON.stringify(convertResult(fullResult(), v)));
    const parsed = parseResult(wire, 'prevResult');
    expect(parsed).toEqual(expected);
    expect(convertResult(parsed, v)).toEqual(wire);
  });

  test('drops the per-ip version of pre-1.0 results', () => {
    expect(parseResult({ cniVersion: '0.4.0', ips: [{ version: '4', address: '10.0.0.2/24' }] }, 'x')).toEqual({ ips: [{ address: '10.0.0.2/24' }] });
  });

  test('ignores fields of the wrong type', () => {
    expect(parseResult({ cniVersion: '1.0.0', interfaces: {}, ips: 'x', routes: null, dns: 'x' }, 'x')).toEqual({});
  });

  test.each([
    [{ cniVersion: '0.2.0', ip4: { ip: '10.0.0.2/24', gateway: '10.0.0.1' } }],
    [{ cniVersion: '0.1.0', ip6: { ip: 'fd00::2/64' } }],
    [{ ip4: { ip: '10.0.0.2/24' } }],
    [{ cniVersion: '0.2.0', dns: { nameservers: ['10.0.0.53'] } }],
    [{ cniVersion: '0.1.0' }],
  ])('rejects pre-0.3 result %j with code 1', (raw) => {
    const err = failure(() => parseResult(raw, 'prevResult'));
    expect(err.code).toBe(ErrorCode.incompatibleVersion);
    expect(err.message).toBe('prevResult: results older than 0.3.0 are not supported');
  });

  test.each([[null], [undefined], [[]], ['{}'], [42]])('%j is code 6 naming where it came from', (raw) => {
    const err = failure(() => parseResult(raw, 'delegate twill-ipam'));
    expect(err.code).toBe(ErrorCode.decode);
    expect(err.message).toBe('delegate twill-ipam: not a result object');
  });
});
