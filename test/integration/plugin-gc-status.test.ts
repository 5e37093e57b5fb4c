// GC (cni.dev/valid-attachments) removes host veths, port mappings and addresses of attachments
// the runtime no longer lists, keeps the listed ones working and never touches another network.
// STATUS says whether an ADD could succeed now: ok normally, 50 when the range is exhausted.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describeRoot } from '../helpers/netns';
import { hostVethOf, netConf, podIp, useNode, type Json } from './plugin-support';
import { requireTools } from '../helpers/os-packages';

describeRoot('twill plugin: GC and STATUS', () => {
  beforeAll(() => requireTools(['ip', 'nft', 'ping', 'socat', 'ss']));
  const node = useNode();

  function published(hostPort: number, o: { name?: string; bridge?: string; subnet?: string } = {}): Json {
    return netConf(node(), { ...o, subnet6: undefined, extra: { ipMasq: true }, runtimeConfig: { portMappings: [{ hostPort, containerPort: 80 }] } });
  }

  function gc(conf: Json, valid: Array<{ containerId: string; ifname: string }>, key = 'cni.dev/valid-attachments') {
    const { runtimeConfig: _rc, ...rest } = conf;
    return node().run('GC', { ...rest, [key]: valid.map((a) => ({ containerID: a.containerId, ifname: a.ifname })) });
  }

  test.each(['cni.dev/valid-attachments', 'cni.dev/attachments'])('GC with %s removes what is not listed and keeps the rest working', async (key) => {
    const pods = [18101, 18102, 18103].map((port) => ({ port, ...node().add(published(port)) }));
    expect(pods.map((p) => p.run.code)).toEqual([0, 0, 0]);
    const [keep, ...stale] = pods;
    const r = gc(published(0), [keep.att], key);
    expect({ code: r.code, stdout: r.stdout }).toEqual({ code: 0, stdout: '' });
    expect(node().hostVeths()).toEqual([hostVethOf(keep.run.json)]);
    expect(node().portMappings().map((e) => e.key)).toEqual(['tcp . 18101']);
    expect(node().reservations('twt-net')).toEqual({ ips: [podIp(keep.run.json)], attachments: [`${keep.att.containerId}:eth0`] });
    for (const s of stale) expect(node().links(s.att.pod).map((l) => l.ifname)).toEqual(['lo']);
    // The listed pod is untouched: it reaches its gateway and its published port still answers.
    expect(node().ping(keep.att.pod!, '10.250.1.1')).toBe(true);
    await node().tcpServer(keep.att.pod!, 80, 'echo kept');
    expect(node().tcpRequest(node().name, '127.0.0.1', 18101)).toBe('kept');
    const check = node().run('CHECK', { ...published(18101), prevResult: keep.run.json }, keep.att);
    expect(check.code).toBe(0);
    // The runtime's later DELs of the collected pods are no-ops that succeed.
    for (const s of stale) expect(node().del(published(s.port), s.att).code).toBe(0);
  });

  test('GC of one network leaves the pods of another network alone', () => {
    const a = node().add(published(18111, { name: 'twt-a', bridge: 'twbra', subnet: '10.250.1.0/24' }));
    const b = node().add(published(18112, { name: 'twt-b', bridge: 'twbrb', subnet: '10.250.2.0/24' }));
    expect([a.run.code, b.run.code]).toEqual([0, 0]);
    const r = gc(published(0, { name: 'twt-a', bridge: 'twbra', subnet: '10.250.1.0/24' }), []);
    expect(r.code).toBe(0);
    expect(node().hostVeths()).toEqual([hostVethOf(b.run.json)]);
    expect(node().portMappings().map((e) => e.key)).toEqual(['tcp . 18112']);
    expect(node().reservations('twt-a')).toEqual({ ips: [], attachments: [] });
    expect(node().reservations('twt-b').ips).toEqual([podIp(b.run.json)]);
    expect(node().ping(b.att.pod!, '10.250.2.1')).toBe(true);
  });

  test('GC finds the port mappings of a network with a long name', () => {
    // Tags are "<veth> <network>" cut to nft's 128-byte comment limit.
    const name = `twt-${'n'.repeat(150)}`;
    const conf = netConf(node(), { name, runtimeConfig: { portMappings: [{ hostPort: 18121, containerPort: 80 }] } });
    const { run } = node().add(conf);
    expect(run.code).toBe(0);
    expect(node().portMappings()).toHaveLength(1);
    expect(gc(conf, []).code).toBe(0);
    expect(node().leftovers()).toEqual({});
  });

  test('GC needs cniVersion 1.1.0 and a well-formed attachment list', () => {
    const conf = netConf(node());
    const old = node().run('GC', { ...conf, cniVersion: '1.0.0', 'cni.dev/valid-attachments': [] });
    expect(old.json).toMatchObject({ code: 1, msg: 'GC is not defined for cniVersion 1.0.0' });
    const bad = node().run('GC', { ...conf, 'cni.dev/valid-attachments': [{ containerID: 'x' }] });
    expect(bad.json).toMatchObject({ code: 7, msg: expect.stringContaining('cni.dev/valid-attachments[0]') });
  });

  test('STATUS is ok, then 50 once the range is exhausted, then ok again after DEL', () => {
    // 10.250.9.0/30 leaves one address for pods: .1 is the gateway.
    const conf = netConf(node(), { subnet: '10.250.9.0/30' });
    const status = () => node().run('STATUS', conf);
    expect({ code: status().code, stdout: status().stdout }).toEqual({ code: 0, stdout: '' });
    const first = node().add(conf);
    expect(first.run.code).toBe(0);
    const full = status();
    expect(full.json).toMatchObject({ code: 50, msg: expect.stringContaining('exhausted') });
    expect(full.json.msg).toContain('10.250.9.0/30');
    // An ADD now fails cleanly and takes nothing.
    const second = node().add(conf);
    expect(second.run.json).toMatchObject({ code: 100 });
    expect(node().hostVeths()).toEqual([hostVethOf(first.run.json)]);
    expect(node().del(conf, first.att).code).toBe(0);
    expect(status().code).toBe(0);
  });

  test('STATUS is 50 when ipMasq needs a firewall tool the node lacks', () => {
    // Debian has `ip` in /usr/bin too, but nft and iptables only in /usr/sbin.
    const env = { PATH: '/usr/bin:/bin' };
    const masq = node().run('STATUS', netConf(node(), { extra: { ipMasq: true } }), { env });
    expect(masq.json).toMatchObject({ code: 50, msg: expect.stringMatching(/nft/) });
    expect(node().run('STATUS', netConf(node()), { env }).code).toBe(0);
  });

  test('STATUS needs cniVersion 1.1.0, and reports a data dir it cannot use with 50', () => {
    const old = node().run('STATUS', netConf(node(), { cniVersion: '1.0.0' }));
    expect(old.json).toMatchObject({ code: 1, msg: 'STATUS is not defined for cniVersion 1.0.0' });
    // A data dir below a regular file can never be created.
    const conf = netConf(node());
    writeFileSync(join(node().dataDir, 'file'), '');
    const dataDir = join(node().dataDir, 'file', 'store');
    const unusable = node().run('STATUS', { ...conf, ipam: { ...conf.ipam, dataDir } });
    expect(unusable.json).toMatchObject({ code: 50, msg: expect.stringContaining(dataDir) });
  });
});
