// 50 pods ADDed at once on one (not yet existing) bridge, as a runtime starting many pods does:
// distinct addresses, every pod wired and reaching its gateway; then 50 DELs at once leave
// nothing behind.
import { describeRoot } from '../helpers/netns';
import { HOST_VETH } from '../helpers/node';
import { hostVethOf, netConf, podIp, useNode } from './plugin-support';
import { requireTools } from '../helpers/os-packages';

const PODS = 50;

describeRoot('twill plugin: concurrency', () => {
  beforeAll(() => requireTools(['ip', 'nft', 'ping']));
  const node = useNode();

  test(`${PODS} concurrent ADDs, then ${PODS} concurrent DELs`, async () => {
    // Each pod also publishes a port, so the nft table sees concurrent writers too.
    const confs = Array.from({ length: PODS }, (_, i) =>
      netConf(node(), { subnet6: 'fd00:250:1::/64', extra: { ipMasq: true }, runtimeConfig: { portMappings: [{ hostPort: 20000 + i, containerPort: 80 }] } }),
    );
    const added = await Promise.all(confs.map((conf) => node().addAsync(conf)));
    const failed = added.filter((a) => a.run.code !== 0).map((a) => a.run.stdout + a.run.stderr);
    expect(failed).toEqual([]);

    const v4 = added.map((a) => podIp(a.run.json));
    const v6 = added.map((a) => podIp(a.run.json, 6));
    expect(new Set(v4).size).toBe(PODS);
    expect(new Set(v6).size).toBe(PODS);
    const veths = added.map((a) => hostVethOf(a.run.json));
    expect(node().hostVeths().sort()).toEqual([...veths].sort());
    for (const l of node().links()) if (HOST_VETH.test(l.ifname)) expect(l.master).toBe('twbr0');
    expect(node().portMappings()).toHaveLength(2 * PODS);
    expect(node().reservations('twt-net').ips).toHaveLength(2 * PODS);
    // Each pod holds exactly the addresses its result names.
    added.forEach((a, i) => expect(node().addrs('eth0', a.att.pod).filter((x) => !x.startsWith('fe80:'))).toEqual([`${v4[i]}/24`, `${v6[i]}/64`]));
    const unreachable = added.filter((a) => !node().ping(a.att.pod!, '10.250.1.1')).map((a) => a.att.pod);
    expect(unreachable).toEqual([]);
    expect(node().ping(added[0].att.pod!, v4[PODS - 1])).toBe(true);

    const dels = await Promise.all(added.map((a, i) => node().delAsync(confs[i], a.att)));
    expect(dels.filter((d) => d.code !== 0).map((d) => d.stdout)).toEqual([]);
    expect(node().leftovers()).toEqual({});
    for (const a of added) expect(node().links(a.att.pod).map((l) => l.ifname)).toEqual(['lo']);
  }, 120_000);
});
