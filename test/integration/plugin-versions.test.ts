// Every spec version twill speaks: the ADD result has the shape that version defines (interfaces,
// ips pointing at the pod interface, `version` on ips before 1.0.0, routes, dns merged from the
// config and runtimeConfig.dns), and DEL of that attachment leaves nothing behind.
import { describeRoot } from '../helpers/netns';
import { HOST_VETH } from '../helpers/node';
import { VERSIONS, netConf, useNode } from './plugin-support';
import { requireTools } from '../helpers/os-packages';

describeRoot('twill plugin: spec versions', () => {
  beforeAll(() => requireTools(['ip', 'nft']));
  const node = useNode();

  test.each(VERSIONS)('cniVersion %s: ADD result is valid for the version, DEL cleans up', (cniVersion) => {
    const conf = netConf(node(), {
      cniVersion,
      subnet6: 'fd00:250:1::/64',
      extra: { isDefaultGateway: true, dns: { nameservers: ['10.250.1.53'], search: ['cluster.local'] } },
      runtimeConfig: { dns: { nameservers: ['10.96.0.10'], options: ['ndots:5'] } },
    });
    const { run, att } = node().add(conf);
    expect(run.code).toBe(0);
    expect(run.stderr).toBe('');
    const r = run.json;
    expect(Object.keys(r).sort()).toEqual(['cniVersion', 'dns', 'interfaces', 'ips', 'routes']);
    expect(r.cniVersion).toBe(cniVersion);
    const [bridge, host, pod] = r.interfaces;
    expect(r.interfaces).toHaveLength(3);
    expect(bridge).toEqual({ name: 'twbr0', mac: expect.stringMatching(/^([0-9a-f]{2}:){5}[0-9a-f]{2}$/) });
    expect(host).toEqual({ name: expect.stringMatching(HOST_VETH), mac: expect.any(String) });
    expect(pod).toEqual({ name: 'eth0', mac: expect.any(String), sandbox: `/run/netns/${att.pod}` });
    const old = cniVersion < '1.0.0';
    expect(r.ips).toEqual([
      { ...(old ? { version: '4' } : {}), address: '10.250.1.2/24', gateway: '10.250.1.1', interface: 2 },
      { ...(old ? { version: '6' } : {}), address: 'fd00:250:1::2/64', gateway: 'fd00:250:1::1', interface: 2 },
    ]);
    expect(r.routes).toEqual([
      { dst: '0.0.0.0/0', gw: '10.250.1.1' },
      { dst: '::/0', gw: 'fd00:250:1::1' },
    ]);
    // runtimeConfig.dns wins field by field over the config's dns.
    expect(r.dns).toEqual({ nameservers: ['10.96.0.10'], search: ['cluster.local'], options: ['ndots:5'] });
    // What the result says is what the pod has.
    expect(node().addrs('eth0', att.pod)).toEqual(expect.arrayContaining(['10.250.1.2/24', 'fd00:250:1::2/64']));
    expect(node().ipIn(att.pod!, ['route', 'show', 'default'])).toContain('via 10.250.1.1 dev eth0');
    expect(node().ipIn(att.pod!, ['-6', 'route', 'show', 'default'])).toContain('via fd00:250:1::1 dev eth0');
    expect(node().link(host.name)?.master).toBe('twbr0');

    const del = node().del(conf, att);
    expect({ code: del.code, stdout: del.stdout }).toEqual({ code: 0, stdout: '' });
    expect(node().links(att.pod).map((l) => l.ifname)).toEqual(['lo']);
    expect(node().leftovers()).toEqual({});
  });

  test('without isDefaultGateway the result has no routes and the ips keep their gateway', () => {
    const { run } = node().add(netConf(node(), { cniVersion: '0.4.0' }));
    expect(run.code).toBe(0);
    expect(run.json.routes).toEqual([]);
    expect(run.json.dns).toEqual({});
    expect(run.json.ips).toEqual([{ version: '4', address: '10.250.1.2/24', gateway: '10.250.1.1', interface: 2 }]);
  });

  test('isGateway false: the bridge gets no address and ips carry no gateway', () => {
    const { run } = node().add(netConf(node(), { extra: { isGateway: false } }));
    expect(run.code).toBe(0);
    expect(run.json.ips).toEqual([{ address: '10.250.1.2/24', interface: 2 }]);
    expect(node().addrs('twbr0').filter((a) => !a.startsWith('fe80:'))).toEqual([]);
  });

  test('a prevResult from an earlier plugin is kept and our interfaces follow it', () => {
    const prevResult = {
      cniVersion: '1.0.0',
      interfaces: [{ name: 'lo0', sandbox: '/run/netns/elsewhere' }],
      ips: [{ address: '192.0.2.9/32', interface: 0 }],
      routes: [{ dst: '192.0.2.0/24' }],
      dns: { domain: 'example' },
    };
    const { run } = node().add({ ...netConf(node(), { cniVersion: '1.0.0' }), prevResult });
    expect(run.code).toBe(0);
    expect(run.json.interfaces.map((i: { name: string }) => i.name)).toEqual(['lo0', 'twbr0', expect.stringMatching(HOST_VETH), 'eth0']);
    expect(run.json.ips).toEqual([
      { address: '192.0.2.9/32', interface: 0 },
      { address: '10.250.1.2/24', gateway: '10.250.1.1', interface: 3 },
    ]);
    expect(run.json.routes).toEqual([{ dst: '192.0.2.0/24' }]);
    expect(run.json.dns).toEqual({ domain: 'example' });
  });
});
