// Link options land on the right devices: hairpinMode and portIsolation as bridge-port flags,
// mtu on both veth ends and the bridge, the requested MAC on the pod's interface, promiscMode
// on the bridge.
import { describeRoot } from '../helpers/netns';
import { hostVethOf, netConf, useNode } from './plugin-support';
import { requireTools } from '../helpers/os-packages';

describeRoot('twill plugin: link options', () => {
  beforeAll(() => requireTools(['ip', 'nft']));
  const node = useNode();

  test('hairpinMode and portIsolation set the bridge-port flags of the host veth', () => {
    const plain = node().add(netConf(node()));
    const flagged = node().add(netConf(node(), { extra: { hairpinMode: true, portIsolation: true } }));
    expect([plain.run.code, flagged.run.code]).toEqual([0, 0]);
    const port = (r: typeof plain) => node().link(hostVethOf(r.run.json))?.linkinfo?.info_slave_data ?? {};
    expect(port(plain)).toMatchObject({ hairpin: false, isolated: false });
    expect(port(flagged)).toMatchObject({ hairpin: true, isolated: true });
    expect(node().link(hostVethOf(flagged.run.json))?.master).toBe('twbr0');
  });

  test('mtu applies to the bridge and both ends of the veth', () => {
    const { run, att } = node().add(netConf(node(), { extra: { mtu: 1380 } }));
    expect(run.code).toBe(0);
    expect(node().link('twbr0')?.mtu).toBe(1380);
    expect(node().link(hostVethOf(run.json))?.mtu).toBe(1380);
    expect(node().link('eth0', att.pod)?.mtu).toBe(1380);
  });

  test('runtimeConfig.mac and CNI_ARGS MAC set the pod interface address and are reported', () => {
    const viaRuntime = node().add(netConf(node(), { runtimeConfig: { mac: '02:11:22:33:44:55' } }));
    const viaArgs = node().add(netConf(node()), { args: 'IgnoreUnknown=1;MAC=02:aa:bb:cc:dd:ee' });
    expect([viaRuntime.run.code, viaArgs.run.code]).toEqual([0, 0]);
    expect(node().link('eth0', viaRuntime.att.pod)?.address).toBe('02:11:22:33:44:55');
    expect(viaRuntime.run.json.interfaces[2]).toMatchObject({ name: 'eth0', mac: '02:11:22:33:44:55' });
    expect(node().link('eth0', viaArgs.att.pod)?.address).toBe('02:aa:bb:cc:dd:ee');
    expect(viaArgs.run.json.interfaces[2].mac).toBe('02:aa:bb:cc:dd:ee');
  });

  test('the reported MACs are the real ones, and promiscMode puts the bridge in promiscuous mode', () => {
    const { run, att } = node().add(netConf(node(), { extra: { promiscMode: true } }));
    expect(run.code).toBe(0);
    const bridge = node().link('twbr0')!;
    expect(bridge.flags).toContain('PROMISC');
    expect(bridge.promiscuity).toBeGreaterThan(0);
    const [br, host, pod] = run.json.interfaces;
    expect(br).toEqual({ name: 'twbr0', mac: bridge.address });
    expect(host.mac).toBe(node().link(host.name)?.address);
    expect(pod.mac).toBe(node().link('eth0', att.pod)?.address);
  });
});
