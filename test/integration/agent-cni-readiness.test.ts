// The conflist twilld writes, run as a runtime runs it (dist/twill, fresh process, env + stdin)
// inside a test-owned node namespace: until the agent's readiness file names the conflist's
// subnets, STATUS answers 50 and ADD 11 without touching the node (no veth, no reservation, no
// bridge, no rule); once it does, both succeed. DEL, CHECK and GC never wait for it.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { conflistFor } from '../../daemonset/cni-config/conflist';
import { readinessPath, removeReadiness, writeReadiness } from '../../daemonset/cni-config/readiness';
import type { NetworkSettings } from '../../daemonset/config/types';
import { describeRoot } from '../helpers/netns';
import { requireTools } from '../helpers/os-packages';
import { hostVethOf, podIp, useNode, type Json } from './plugin-support';

const NAME = 'twt-rdy';
const BRIDGE = 'twrdy0';
const SUBNET = '10.251.7.0/24';
const network: NetworkSettings = { name: NAME, bridge: BRIDGE, vni: 1, clusterCIDRs: [], nodePrefixLength: { ipv4: 24, ipv6: 64 }, ipMasq: true };

describeRoot('the generated conflist and the readiness gate', () => {
  beforeAll(() => requireTools(['ip', 'nft', 'ping']));
  const node = useNode();
  let runDir = '';
  beforeEach(() => {
    runDir = mkdtempSync(join(tmpdir(), 'twill-rdy-'));
  });
  afterEach(() => {
    if (runDir) rmSync(runDir, { recursive: true, force: true });
  });

  /** The twill entry of the conflist, as libcni hands it to the plugin (list name and the negotiated 1.1.0). */
  function pluginConf(): Json {
    const list = conflistFor({ network, subnets: [SUBNET], mtu: 1400, ipamDataDir: node().dataDir, runDir, podNetwork: true }) as Json;
    return { cniVersion: '1.1.0', name: list.name, ...list.plugins[0] };
  }

  const ready = (subnets = [SUBNET]) => writeReadiness({ runDir, network: NAME, subnets, mtu: 1400 });

  /** An ADD that must fail with 11 and `msg`, leaving the node and the pod exactly as they were. */
  function expectRefusedAdd(conf: Json, msg: string): void {
    const before = node().snapshot();
    const { run, att } = node().add(conf);
    expect({ exit: run.code, json: run.json }).toEqual({ exit: 1, json: expect.objectContaining({ code: 11, msg }) });
    expect(node().snapshot()).toEqual(before);
    expect(node().hostVeths()).toEqual([]);
    expect(node().link(BRIDGE)).toBeUndefined();
    expect(node().networks()).toEqual([]);
    expect(node().links(att.pod).map((l) => l.ifname)).toEqual(['lo']);
  }

  test('no readiness file: STATUS 50, ADD 11 and nothing touched; once written, both succeed', async () => {
    const conf = pluginConf();
    const msg = `network ${NAME} is not ready: twilld has not set up this node yet (${readinessPath(runDir, NAME)} missing)`;
    const status = node().run('STATUS', conf);
    expect({ exit: status.code, json: status.json }).toEqual({ exit: 1, json: expect.objectContaining({ code: 50, msg }) });
    expectRefusedAdd(conf, msg);

    expect(await ready()).toBe(true);
    expect(node().run('STATUS', conf)).toMatchObject({ code: 0, stdout: '' });
    const { run } = node().add(conf);
    expect({ exit: run.code, stderr: run.stderr }).toEqual({ exit: 0, stderr: '' });
    expect(podIp(run.json)).toMatch(/^10\.251\.7\./);
    expect(node().link(BRIDGE)?.mtu).toBe(1400);
    expect(node().hostVeths()).toEqual([hostVethOf(run.json)]);
  });

  test('a readiness file for other subnets: STATUS 50 and ADD 11 naming both, nothing touched', async () => {
    const conf = pluginConf();
    await ready(['10.251.8.0/24']);
    const msg = `network ${NAME} is not ready: twilld set this node up for 10.251.8.0/24 (${readinessPath(runDir, NAME)}) but ipam.ranges holds ${SUBNET}`;
    expect(node().run('STATUS', conf).json).toMatchObject({ code: 50, msg });
    expectRefusedAdd(conf, msg);
  });

  test('a garbled readiness file: STATUS 50 and ADD 11, nothing touched', () => {
    const conf = pluginConf();
    writeFileSync(readinessPath(runDir, NAME), '{"network":"twt-rdy","subn');
    const msg = `network ${NAME} is not ready: twilld has not set up this node yet (${readinessPath(runDir, NAME)} garbled: not JSON)`;
    expect(node().run('STATUS', conf).json).toMatchObject({ code: 50, msg });
    expectRefusedAdd(conf, msg);
  });

  test('CHECK, GC and DEL of a pod go on after the readiness file is gone', async () => {
    const conf = pluginConf();
    await ready();
    const keep = node().add(conf);
    const stale = node().add(conf);
    expect([keep.run.code, stale.run.code]).toEqual([0, 0]);
    expect(await removeReadiness({ runDir, network: NAME })).toBe(true);
    expect(node().run('STATUS', conf).json).toMatchObject({ code: 50 });

    expect(node().run('CHECK', { ...conf, prevResult: keep.run.json }, keep.att)).toMatchObject({ code: 0, stdout: '' });
    const gc = node().run('GC', { ...conf, 'cni.dev/valid-attachments': [{ containerID: keep.att.containerId, ifname: keep.att.ifname }] });
    expect(gc).toMatchObject({ code: 0, stdout: '' });
    expect(node().hostVeths()).toEqual([hostVethOf(keep.run.json)]);
    expect(node().reservations(NAME).ips).toEqual([podIp(keep.run.json)]);
    expect(node().del(conf, keep.att).code).toBe(0);
    expect(node().del(conf, stale.att).code).toBe(0);
    expect(node().leftovers()).toEqual({});
  });
});
