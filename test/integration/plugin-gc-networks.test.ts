// GC of one network must touch only what that network created, also when two networks share
// a bridge (both leave `bridge` unset, so both use twill0): a veth on the bridge belongs to
// whichever network ADDed it, and GC tells them apart by the owner alias ADD puts on it.
import { describeRoot } from '../helpers/netns';
import { hostVethOf, netConf, podIp, useNode, type Json } from './plugin-support';

describeRoot('twill plugin: GC of networks that share a bridge', () => {
  const node = useNode();

  /** A network without a `bridge` key: it gets the default bridge, twill0. */
  function network(name: string, subnet: string): Json {
    const { bridge: _bridge, ...conf } = netConf(node(), { name, subnet });
    return conf;
  }

  function gc(conf: Json, valid: Array<{ containerId: string; ifname: string }>) {
    return node().run('GC', { ...conf, 'cni.dev/valid-attachments': valid.map((a) => ({ containerID: a.containerId, ifname: a.ifname })) });
  }

  test("GC of network A leaves network B's pods on the same bridge alone", () => {
    const netA = network('twt-a', '10.250.1.0/24');
    const netB = network('twt-b', '10.250.2.0/24');
    const a1 = node().add(netA);
    const a2 = node().add(netA);
    const b = node().add(netB);
    expect([a1.run.code, a2.run.code, b.run.code]).toEqual([0, 0, 0]);
    expect(node().link(hostVethOf(b.run.json))?.master).toBe('twill0');

    const r = gc(netA, [a1.att]);
    expect({ code: r.code, stdout: r.stdout }).toEqual({ code: 0, stdout: '' });
    expect(node().hostVeths().sort()).toEqual([hostVethOf(a1.run.json), hostVethOf(b.run.json)].sort());
    expect(node().links(b.att.pod!).map((l) => l.ifname).sort()).toEqual(['eth0', 'lo']);
    expect(node().reservations('twt-b').ips).toEqual([podIp(b.run.json)]);
    expect(node().ping(b.att.pod!, '10.250.2.1')).toBe(true);

    // Nothing valid left in A: B's pod still stays.
    expect(gc(netA, []).code).toBe(0);
    expect(node().hostVeths()).toEqual([hostVethOf(b.run.json)]);
    expect(node().ping(b.att.pod!, '10.250.2.1')).toBe(true);
    expect(node().del(netB, b.att).code).toBe(0);
  });

  test('a veth without an owner alias (an older twill made it) is left alone, and a valid one gets its alias', () => {
    const net = network('twt-a', '10.250.1.0/24');
    const old = node().add(net);
    const kept = node().add(net);
    expect([old.run.code, kept.run.code]).toEqual([0, 0]);
    const [oldVeth, keptVeth] = [hostVethOf(old.run.json), hostVethOf(kept.run.json)];
    const alias = (veth: string) => (node().links().find((l) => l.ifname === veth) as { ifalias?: string } | undefined)?.ifalias;
    expect(alias(keptVeth)).toBe(`${keptVeth} twt-a`);
    for (const veth of [oldVeth, keptVeth]) node().ipIn(node().name, ['link', 'set', 'dev', veth, 'alias', '']);

    expect(gc(net, [kept.att]).code).toBe(0);
    expect(node().hostVeths().sort()).toEqual([oldVeth, keptVeth].sort());
    expect(alias(keptVeth)).toBe(`${keptVeth} twt-a`);
    expect(alias(oldVeth)).toBeUndefined();
    expect(node().del(net, old.att).code).toBe(0);
  });
});
