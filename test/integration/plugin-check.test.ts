// CHECK compares what ADD set up (prevResult) with the node and the pod: it passes right after
// ADD, and names the drift with code 103 once something was changed behind the plugin's back.
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { describeRoot } from '../helpers/netns';
import { hostVethOf, netConf, podIp, useNode, type Json } from './plugin-support';
import { requireTools } from '../helpers/os-packages';

describeRoot('twill plugin: CHECK', () => {
  beforeAll(() => requireTools(['ip', 'nft']));
  const node = useNode();

  let hostPort = 18083;

  /** ADD (each pod publishing its own port), then the CHECK call a runtime makes for it (the ADD result as prevResult). */
  function added(extra: Json = {}, cniVersion = '1.1.0') {
    const conf = netConf(node(), {
      cniVersion,
      subnet6: 'fd00:250:1::/64',
      extra: { ipMasq: true, isDefaultGateway: true, ...extra },
      runtimeConfig: { portMappings: [{ hostPort: hostPort++, containerPort: 80, protocol: 'tcp' }] },
    });
    const { run, att } = node().add(conf);
    expect(run.code).toBe(0);
    const check = () => node().run('CHECK', { ...conf, prevResult: run.json }, att);
    return { conf, result: run.json, att, check, hostVeth: hostVethOf(run.json) };
  }

  function expectDrift(r: { code: number | null; json: any; stdout: string }, msg: string | RegExp): void {
    expect({ exit: r.code, code: r.json?.code }).toEqual({ exit: 1, code: 103 });
    if (typeof msg === 'string') expect(r.json.msg).toBe(msg);
    else expect(r.json.msg).toMatch(msg);
  }

  test.each(['0.4.0', '1.0.0', '1.1.0'])('passes right after ADD (cniVersion %s)', (v) => {
    const { check } = added({}, v);
    const r = check();
    expect({ code: r.code, stdout: r.stdout, stderr: r.stderr }).toEqual({ code: 0, stdout: '', stderr: '' });
  });

  test('reports a pod address that went missing', () => {
    const { check, att, result } = added();
    const ip = podIp(result);
    node().ipIn(att.pod!, ['addr', 'del', `${ip}/24`, 'dev', 'eth0']);
    expectDrift(check(), `address ${ip}/24 missing on eth0`);
  });

  test('reports a missing IPv6 address and a missing route', () => {
    const a = added();
    node().ipIn(a.att.pod!, ['-6', 'addr', 'del', `${podIp(a.result, 6)}/64`, 'dev', 'eth0']);
    expectDrift(a.check(), `address ${podIp(a.result, 6)}/64 missing on eth0`);
    const b = added();
    node().ipIn(b.att.pod!, ['route', 'del', 'default']);
    expectDrift(b.check(), 'route to 0.0.0.0/0 via 10.250.1.1 missing in eth0');
  });

  test('reports a host veth detached from the bridge, and one that is gone', () => {
    const { check, hostVeth, att } = added();
    node().ipIn(node().name, ['link', 'set', hostVeth, 'nomaster']);
    expectDrift(check(), `host veth ${hostVeth} is not attached to bridge twbr0`);
    node().ipIn(att.pod!, ['link', 'del', 'eth0']);
    expectDrift(check(), `host veth ${hostVeth} is missing`);
  });

  test.each([4, 6])('reports a deleted port-mapping element (IPv%s of a dual-stack pod)', (family) => {
    const { check, conf } = added();
    const port = conf.runtimeConfig.portMappings[0].hostPort;
    node().exec(node().name, ['nft', 'delete', 'element', 'inet', 'twill', `hostports${family}`, `{ tcp . ${port} }`]);
    expectDrift(check(), `port mapping tcp/${port} → 80 missing (nft map inet twill hostports${family})`);
  });

  test('reports a deleted port mapping restricted to a hostIP', () => {
    const conf = netConf(node(), { runtimeConfig: { portMappings: [{ hostPort: 18099, containerPort: 80, hostIP: '10.250.1.1' }] } });
    const { run, att } = node().add(conf);
    expect(run.code).toBe(0);
    const check = () => node().run('CHECK', { ...conf, prevResult: run.json }, att);
    expect(check().code).toBe(0);
    node().exec(node().name, ['nft', 'delete', 'element', 'inet', 'twill', 'hostports4ip', '{ 10.250.1.1 . tcp . 18099 }']);
    expectDrift(check(), 'port mapping tcp/18099 → 80 missing (nft map inet twill hostports4ip)');
  });

  test('reports a deleted masquerade element', () => {
    const { check } = added();
    node().exec(node().name, ['nft', 'delete', 'element', 'inet', 'twill', 'masq4', '{ 10.250.1.0/24 }']);
    expectDrift(check(), /^masquerade rule for 10\.250\.1\.0\/24 missing/);
  });

  test('reports an address the IPAM store no longer holds for the pod', () => {
    const { check, att, result } = added();
    // Only the store loses it (someone cleaned the data dir): the pod is still wired.
    const dir = join(node().dataDir, 'twt-net');
    rmSync(join(dir, 'attachments', `${att.containerId}:eth0`), { recursive: true });
    rmSync(join(dir, podIp(result)));
    rmSync(join(dir, podIp(result, 6)));
    expectDrift(check(), new RegExp(`^network "twt-net": ${att.containerId}/eth0 holds no address in range set 0`));
  });

  test('needs prevResult, and is not defined before 0.4.0', () => {
    const { conf, att, result } = added();
    const noPrev = node().run('CHECK', conf, att);
    expect({ code: noPrev.json?.code, msg: noPrev.json?.msg }).toEqual({ code: 7, msg: 'prevResult: required for CHECK but missing' });
    const old = node().run('CHECK', { ...conf, cniVersion: '0.3.1', prevResult: result }, att);
    expect(old.json).toMatchObject({ code: 1, msg: 'CHECK is not defined for cniVersion 0.3.1' });
  });
});
