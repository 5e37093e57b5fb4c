// The plugin run the way a runtime that entered the node's network namespace with setns runs
// it (`nsenter --net`, a containerised runtime): a new network namespace but the old mount
// namespace, so /sys still shows the namespace that mounted it, not the plugin's. `ip netns
// exec` (every other test) remounts /sys, which is why link facts read from /sys/class/net
// looked right there. Here the plugin must ask the kernel about its own namespace.
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { cniEnv, DIST, pluginRunOf, type PluginRun } from '../helpers/exec-plugin';
import { describeRoot } from '../helpers/netns';
import type { Attachment } from '../helpers/node';
import { hostVethOf, netConf, podIp, useNode, type Json } from './plugin-support';

describeRoot('twill plugin: run through nsenter --net without a mount namespace', () => {
  const node = useNode();

  /** One call as a setns'ing runtime makes it: nsenter --net only, /sys stays the host's. */
  function viaNsenter(command: string, conf: Json, att: Partial<Attachment> = {}): PluginRun {
    const env = cniEnv({
      plugin: 'twill',
      command,
      config: conf,
      containerId: att.containerId,
      ifname: att.ifname,
      netns: att.pod ? `/run/netns/${att.pod}` : undefined,
    });
    const r = spawnSync('nsenter', [`--net=/run/netns/${node().name}`, join(DIST, 'twill')], { env, input: JSON.stringify(conf), encoding: 'utf8', timeout: 30_000 });
    return pluginRunOf(r);
  }

  function addVia(conf: Json): { run: PluginRun; att: Attachment } {
    const att = { pod: node().pod(), containerId: node().nextContainerId(), ifname: 'eth0' };
    node().attachments.push({ ...att, conf });
    return { run: viaNsenter('ADD', conf, att), att };
  }

  test('every ADD works, not only the first, and the result names the bridge MAC', () => {
    const conf = netConf(node());
    const pods = [addVia(conf), addVia(conf), addVia(conf)];
    expect(pods.map((p) => [p.run.code, p.run.json?.msg])).toEqual([[0, undefined], [0, undefined], [0, undefined]]);
    expect(node().hostVeths().sort()).toEqual(pods.map((p) => hostVethOf(p.run.json)).sort());
    const bridge = node().link('twbr0')!;
    for (const p of pods) expect(p.run.json.interfaces[0]).toEqual({ name: 'twbr0', mac: bridge.address });
    expect(node().ping(pods[2].att.pod!, podIp(pods[0].run.json))).toBe(true);
  });

  test('DEL removes the host veth, CHECK finds it, GC collects what is not listed', () => {
    const conf = netConf(node());
    const [a, b, c] = [addVia(conf), addVia(conf), addVia(conf)];
    expect([a.run.code, b.run.code, c.run.code]).toEqual([0, 0, 0]);
    const check = viaNsenter('CHECK', { ...conf, prevResult: a.run.json }, a.att);
    expect({ code: check.code, stdout: check.stdout }).toEqual({ code: 0, stdout: '' });
    const del = viaNsenter('DEL', conf, a.att);
    expect({ code: del.code, stdout: del.stdout }).toEqual({ code: 0, stdout: '' });
    expect(node().hostVeths().sort()).toEqual([hostVethOf(b.run.json), hostVethOf(c.run.json)].sort());
    const gc = viaNsenter('GC', { ...conf, 'cni.dev/valid-attachments': [{ containerID: b.att.containerId, ifname: 'eth0' }] });
    expect({ code: gc.code, stdout: gc.stdout }).toEqual({ code: 0, stdout: '' });
    expect(node().hostVeths()).toEqual([hostVethOf(b.run.json)]);
    expect(node().links(c.att.pod!).map((l) => l.ifname)).toEqual(['lo']);
    expect(viaNsenter('DEL', conf, b.att).code).toBe(0);
    node().attachments.splice(0); // all DELed or collected above; the leak check after the test proves it
  });

  test('a non-bridge under the bridge name is refused with code 7, leaving it as it was', () => {
    node().ipIn(node().name, ['link', 'add', 'twbr0', 'type', 'veth', 'peer', 'name', 'twbr0p']);
    const before = node().snapshot();
    const { run } = addVia(netConf(node()));
    expect(run.json).toMatchObject({ code: 7, msg: 'bridge: "twbr0" exists and is not a bridge' });
    expect(node().snapshot()).toEqual(before);
    node().attachments.splice(0);
  });
});
