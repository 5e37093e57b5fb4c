// ipam.type other than twill-ipam is executed from CNI_PATH: here the reference host-local
// (Debian's v1.1.1, which speaks up to 1.0.0). ADD, CHECK and DEL go through it; its errors reach
// the runtime unchanged; STATUS and GC cope with a plugin that predates them.
import { describeRoot } from '../helpers/netns';
import type { TestNode } from '../helpers/node';
import { hostVethOf, podIp, useNode, type Json } from './plugin-support';
import { requireTools } from '../helpers/os-packages';

const HOST_LOCAL = '/usr/lib/cni/host-local';

function hostLocalConf(node: TestNode, cniVersion: string, subnet = '10.250.5.0/24', extra: Json = {}): Json {
  return { cniVersion, name: 'twt-hl', type: 'twill', bridge: 'twbr0', ipam: { type: 'host-local', dataDir: node.dataDir, ranges: [[{ subnet }]] }, ...extra };
}

describeRoot('twill plugin: delegated IPAM (reference host-local)', () => {
  beforeAll(() => requireTools(['ip', 'nft', 'ping', HOST_LOCAL]));
  const node = useNode();

  test('ADD, CHECK and DEL go through host-local and its store', () => {
    const conf = hostLocalConf(node(), '1.0.0', '10.250.5.0/24', { isDefaultGateway: true });
    const { run, att } = node().add(conf);
    expect(run.code).toBe(0);
    const ip = podIp(run.json);
    expect(run.json.ips).toEqual([{ address: `${ip}/24`, gateway: '10.250.5.1', interface: 2 }]);
    expect(node().addrs('eth0', att.pod)).toContain(`${ip}/24`);
    expect(node().ping(att.pod!, '10.250.5.1')).toBe(true);
    // host-local's own layout: dataDir/<network>/<ip> holding the container ID.
    expect(node().reservations('twt-hl').ips).toEqual([ip]);
    const check = node().run('CHECK', { ...conf, prevResult: run.json }, att);
    expect({ code: check.code, stdout: check.stdout }).toEqual({ code: 0, stdout: '' });
    expect(node().del(conf, att).code).toBe(0);
    expect(node().leftovers()).toEqual({});
  });

  test("host-local's error reaches the runtime unchanged, and the failed ADD leaves nothing", () => {
    const conf = hostLocalConf(node(), '1.0.0', '10.250.5.0/30');
    const first = node().add(conf);
    expect(first.run.code).toBe(0);
    const second = node().add(conf);
    expect(second.run.code).toBe(1);
    // Exactly host-local's JSON: no cniVersion added, its own code and message.
    expect(second.run.json).toEqual({ code: 999, msg: expect.stringMatching(/^failed to allocate for range 0: no IP addresses available in range set/) });
    expect(node().hostVeths()).toEqual([hostVethOf(first.run.json)]);
    expect(node().links(second.att.pod).map((l) => l.ifname)).toEqual(['lo']);
    expect(node().reservations('twt-hl').ips).toEqual([podIp(first.run.json)]);
  });

  test('cniVersion 1.1.0 with a host-local that speaks 1.0.0: ADD fails with its code 1, STATUS says 50, GC still works', () => {
    const old = hostLocalConf(node(), '1.0.0', '10.250.5.0/24', { runtimeConfig: { portMappings: [{ hostPort: 18400, containerPort: 80 }] } });
    const pod = node().add(old);
    expect(pod.run.code).toBe(0);
    const conf = hostLocalConf(node(), '1.1.0');
    const add = node().add(conf);
    expect(add.run.json).toMatchObject({ code: 1, msg: 'incompatible CNI versions' });
    expect(node().links(add.att.pod).map((l) => l.ifname)).toEqual(['lo']);
    // Its DEL with the same config succeeds: host-local holds nothing for it, and a failing DEL would be retried for ever.
    expect(node().del(conf, add.att).code).toBe(0);
    const status = node().run('STATUS', conf);
    expect(status.json).toMatchObject({ code: 50, msg: 'ipam.type: plugin "host-local" does not support cniVersion 1.1.0' });
    // GC removes the host side of attachments not listed; host-local itself has no GC to run.
    const gc = node().run('GC', { ...conf, 'cni.dev/valid-attachments': [] });
    expect({ code: gc.code, stdout: gc.stdout }).toEqual({ code: 0, stdout: '' });
    expect(node().hostVeths()).toEqual([]);
    expect(node().portMappings()).toEqual([]);
    expect(node().reservations('twt-hl').ips).toEqual([podIp(pod.run.json)]);
  });
});
