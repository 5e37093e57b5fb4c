// Addresses the runtime asks for: runtimeConfig.ips (the `ips` capability), args.cni.ips and
// CNI_ARGS "IP=…"; taken, gateway and out-of-range requests fail without touching the store.
import { addressesOf, expectCniError, run, snapshotTree, useFixture } from './ipam-support';

const fixture = useFixture();

const DUAL = { ranges: [[{ subnet: '10.250.1.0/24' }], [{ subnet: 'fd00:250:1::/64' }]] };

describe('requested addresses are honoured', () => {
  test('runtimeConfig.ips (prefix length allowed)', () => {
    const fx = fixture();
    const r = fx.add(fx.conf({}, { runtimeConfig: { ips: ['10.250.1.77/24'] } }));
    expect(r.json.ips).toEqual([{ address: '10.250.1.77/24', gateway: '10.250.1.1' }]);
  });

  test('runtimeConfig.ips for both families of a dual-stack network', () => {
    const fx = fixture();
    const r = fx.add(fx.conf(DUAL, { runtimeConfig: { ips: ['fd00:250:1::0077', '10.250.1.77'] } }));
    // Each request lands in the range set of its family; IPv6 comes back in canonical form.
    expect(addressesOf(r)).toEqual(['10.250.1.77', 'fd00:250:1::77']);
  });

  test('a request for one family leaves the other to the allocator', () => {
    const fx = fixture();
    const r = fx.add(fx.conf(DUAL, { runtimeConfig: { ips: ['fd00:250:1::99'] } }));
    expect(addressesOf(r)).toEqual(['10.250.1.2', 'fd00:250:1::99']);
  });

  test('args.cni.ips', () => {
    const fx = fixture();
    const r = fx.add(fx.conf({}, { args: { cni: { ips: ['10.250.1.78'] } } }));
    expect(addressesOf(r)).toEqual(['10.250.1.78']);
  });

  test('CNI_ARGS "IgnoreUnknown=1;IP=…" (the reference plugins\' form)', () => {
    const fx = fixture();
    const r = fx.add(fx.conf(), { args: 'IgnoreUnknown=1;K8S_POD_NAMESPACE=default;K8S_POD_NAME=web;IP=10.250.1.79' });
    expect(addressesOf(r)).toEqual(['10.250.1.79']);
  });

  test('CNI_ARGS IP with both families, comma separated', () => {
    const fx = fixture();
    const r = fx.add(fx.conf(DUAL), { args: 'IP=10.250.1.80,fd00:250:1::80' });
    expect(addressesOf(r)).toEqual(['10.250.1.80', 'fd00:250:1::80']);
  });

  test('runtimeConfig.ips takes precedence over CNI_ARGS IP', () => {
    const fx = fixture();
    const r = fx.add(fx.conf({}, { runtimeConfig: { ips: ['10.250.1.81'] } }), { args: 'IP=10.250.1.82' });
    expect(addressesOf(r)).toEqual(['10.250.1.81']);
  });

  test('a request inside a rangeStart..rangeEnd window, at its edges', () => {
    const fx = fixture();
    const ipam = { ranges: [[{ subnet: '10.250.1.0/24', rangeStart: '10.250.1.100', rangeEnd: '10.250.1.110' }]] };
    expect(addressesOf(fx.add(fx.conf(ipam, { runtimeConfig: { ips: ['10.250.1.100'] } }), { containerId: 'lo' }))).toEqual(['10.250.1.100']);
    expect(addressesOf(fx.add(fx.conf(ipam, { runtimeConfig: { ips: ['10.250.1.110'] } }), { containerId: 'hi' }))).toEqual(['10.250.1.110']);
  });

  test('ADD again for the same attachment with a request keeps it; a different request moves it', () => {
    const fx = fixture();
    const want = (ip: string) => fx.conf({}, { runtimeConfig: { ips: [ip] } });
    expect(addressesOf(fx.add(want('10.250.1.50')))).toEqual(['10.250.1.50']);
    expect(addressesOf(fx.add(want('10.250.1.50')))).toEqual(['10.250.1.50']);
    // The old address is released, not leaked: verify() checks the store holds only .51.
    expect(addressesOf(fx.add(want('10.250.1.51')))).toEqual(['10.250.1.51']);
  });

  test('an allocated attachment asked for a specific address later gets moved to it', () => {
    const fx = fixture();
    expect(addressesOf(fx.add(fx.conf()))).toEqual(['10.250.1.2']);
    expect(addressesOf(fx.add(fx.conf(), { args: 'IP=10.250.1.60' }))).toEqual(['10.250.1.60']);
  });
});

describe('requests that cannot be honoured', () => {
  test('an address held by another attachment → code 101 naming the holder', () => {
    const fx = fixture();
    const conf = fx.conf({}, { runtimeConfig: { ips: ['10.250.1.77'] } });
    fx.add(conf, { containerId: 'holder-ctr', ifname: 'net1' });
    const before = snapshotTree(fx.storeDir());
    const r = run('ADD', conf, { containerId: 'second-ctr' });
    expectCniError(r, 101, /10\.250\.1\.77.*holder-ctr.*net1/);
    // Nothing of the failed attempt remains and the holder keeps its reservation.
    const after = snapshotTree(fx.storeDir());
    const names = (t: Record<string, string>) => Object.keys(t).filter((k) => k !== '.' && k !== 'attachments');
    expect(names(after)).toEqual(names(before));
    for (const k of names(before)) expect(after[k]).toBe(before[k]);
  });

  test('a taken address in a dual-stack request does not leak the other family\'s reservation', () => {
    const fx = fixture();
    fx.add(fx.conf(DUAL, { runtimeConfig: { ips: ['fd00:250:1::5'] } }), { containerId: 'v6-holder' });
    const r = run('ADD', fx.conf(DUAL, { runtimeConfig: { ips: ['10.250.1.5', 'fd00:250:1::5'] } }), { containerId: 'loser' });
    expectCniError(r, 101, /fd00:250:1::5.*v6-holder/);
    // verify(): 10.250.1.5 was reserved first and must have been rolled back.
  });

  test.each([
    ['runtimeConfig.ips', { runtimeConfig: { ips: ['10.250.1.1'] } }],
    ['args.cni.ips', { args: { cni: { ips: ['10.250.1.1'] } } }],
  ])('the gateway via %s → code 7', (field, top) => {
    const fx = fixture();
    expectCniError(run('ADD', fx.conf({}, top)), 7, new RegExp(`${field.replace(/\./g, '\\.')}.*10\\.250\\.1\\.1.*gateway`));
  });

  test('the gateway via CNI_ARGS → code 4', () => {
    const fx = fixture();
    expectCniError(run('ADD', fx.conf(), { args: 'IgnoreUnknown=1;IP=10.250.1.1' }), 4, /CNI_ARGS IP.*gateway/);
  });

  test('an explicit gateway inside the range is refused too', () => {
    const fx = fixture();
    const ipam = { ranges: [[{ subnet: '10.250.1.0/24', gateway: '10.250.1.254' }]] };
    expectCniError(run('ADD', fx.conf(ipam, { runtimeConfig: { ips: ['10.250.1.254'] } })), 7, /gateway/);
  });

  test.each([
    ['an address outside the subnet', '10.250.2.7'],
    ['the network address', '10.250.1.0'],
    ['the broadcast address', '10.250.1.255'],
    ['an address outside rangeStart..rangeEnd', '10.250.1.20'],
    ['an address of a family no range set has', 'fd00::7'],
  ])('requesting %s → code 7 (config) / 4 (CNI_ARGS)', (_what, ip) => {
    const fx = fixture();
    const ipam = { ranges: [[{ subnet: '10.250.1.0/24', rangeStart: '10.250.1.100', rangeEnd: '10.250.1.200' }]] };
    const outOfRange = new RegExp(`${ip.replace(/\./g, '\\.')} is in none of the configured ranges`);
    expectCniError(run('ADD', fx.conf(ipam, { runtimeConfig: { ips: [ip] } })), 7, new RegExp(`^runtimeConfig\\.ips: .*${outOfRange.source}`));
    expectCniError(run('ADD', fx.conf(ipam, { args: { cni: { ips: [ip] } } })), 7, new RegExp(`^args\\.cni\\.ips: .*${outOfRange.source}`));
    expectCniError(run('ADD', fx.conf(ipam), { args: `IgnoreUnknown=1;IP=${ip}` }), 4, new RegExp(`^CNI_ARGS IP: .*${outOfRange.source}`));
  });

  test('two addresses for one range set → code 7', () => {
    const fx = fixture();
    expectCniError(run('ADD', fx.conf({}, { runtimeConfig: { ips: ['10.250.1.7', '10.250.1.8'] } })), 7, /runtimeConfig\.ips.*two addresses/);
  });

  test('something that is not an address → code 7 / 4', () => {
    const fx = fixture();
    expectCniError(run('ADD', fx.conf({}, { runtimeConfig: { ips: ['ten.one'] } })), 7, /runtimeConfig\.ips.*ten\.one/);
    expectCniError(run('ADD', fx.conf(), { args: 'IP=10.250.1' }), 4, /CNI_ARGS IP.*10\.250\.1/);
  });
});
