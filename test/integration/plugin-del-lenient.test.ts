// DEL (and GC) release with the least they need: the network name, where the IPAM store is, and
// for GC the bridge. A field that has become invalid since ADD (an upgrade tightened a check, an
// operator edited the conflist, a runtime sends capability arguments in another shape) must not
// make DEL fail: the runtime would retry it for ever and the pod would stay Terminating. DEL says
// on stderr what it could not read.
import { describeRoot } from '../helpers/netns';
import { netConf, useNode, type Json } from './plugin-support';

const PORT = 18580;

interface Row {
  name: string;
  change: (conf: Json) => Json;
  env?: Record<string, string>;
  /** What the warning on stderr names. */
  warns: RegExp;
}

const ROWS: Row[] = [
  { name: 'mtu of the wrong type', change: (c) => ({ ...c, mtu: '1500' }), warns: /mtu: must be integer/ },
  { name: 'isGateway of the wrong type', change: (c) => ({ ...c, isGateway: 'yes' }), warns: /isGateway/ },
  { name: 'a bridge name twill no longer accepts', change: (c) => ({ ...c, bridge: 'br0#x' }), warns: /bridge: / },
  { name: 'a multicast config mac', change: (c) => ({ ...c, mac: '01:00:5e:00:00:01' }), warns: /mac: / },
  { name: 'portMappings that are not a list', change: (c) => ({ ...c, runtimeConfig: { portMappings: { hostPort: PORT } } }), warns: /runtimeConfig\.portMappings/ },
  { name: 'a port mapping without hostPort', change: (c) => ({ ...c, runtimeConfig: { portMappings: [{ containerPort: 80 }] } }), warns: /runtimeConfig\.portMappings\[0\]\.hostPort/ },
  { name: 'an sctp port mapping', change: (c) => ({ ...c, runtimeConfig: { portMappings: [{ hostPort: PORT, containerPort: 80, protocol: 'sctp' }] } }), warns: /protocol/ },
  { name: 'runtimeConfig.mac not a string', change: (c) => ({ ...c, runtimeConfig: { mac: 5 } }), warns: /runtimeConfig\.mac/ },
  { name: 'dns not an object', change: (c) => ({ ...c, dns: ['10.0.0.10'] }), warns: /dns/ },
  { name: 'ipam ranges no longer parse', change: (c) => ({ ...c, ipam: { ...c.ipam, ranges: [[{ subnet: 'not-a-subnet' }]] } }), warns: /$/ },
  { name: 'CNI_ARGS MAC invalid', change: (c) => c, env: { CNI_ARGS: 'IgnoreUnknown=1;MAC=zz' }, warns: /CNI_ARGS MAC/ },
  { name: 'CNI_ARGS with an unknown key and no IgnoreUnknown', change: (c) => c, env: { CNI_ARGS: 'K8S_POD_NAME=x;FOO=bar' }, warns: /$/ },
];

describeRoot('twill plugin: DEL and GC with a config that is no longer valid', () => {
  const node = useNode();

  const conf = (): Json =>
    netConf(node(), { subnet6: 'fd00:250:1::/64', extra: { ipMasq: true }, runtimeConfig: { portMappings: [{ hostPort: PORT, containerPort: 80 }] } });

  test.each(ROWS.map((r) => [r.name, r] as const))('DEL releases everything: %s', (_name, row) => {
    const c = conf();
    const { run, att } = node().add(c);
    expect(run.code).toBe(0);
    const del = node().del(row.change(c), att, { env: row.env });
    expect({ code: del.code, stdout: del.stdout }).toEqual({ code: 0, stdout: '' });
    expect(del.stderr).toMatch(row.warns);
    expect(node().leftovers()).toEqual({});
    expect(node().links(att.pod).map((l) => l.ifname)).toEqual(['lo']);
  });

  test('GC releases what no valid attachment holds, with an edited config', () => {
    const c = conf();
    const keep = node().add(c);
    const gone = node().add(netConf(node(), { subnet6: 'fd00:250:1::/64', extra: { ipMasq: true }, runtimeConfig: { portMappings: [{ hostPort: PORT + 1, containerPort: 80 }] } }));
    expect([keep.run.code, gone.run.code]).toEqual([0, 0]);
    const edited = { ...c, mtu: 'big', runtimeConfig: { portMappings: 'none' }, 'cni.dev/valid-attachments': [{ containerID: keep.att.containerId, ifname: 'eth0' }] };
    const gc = node().run('GC', edited);
    expect({ code: gc.code, stdout: gc.stdout }).toEqual({ code: 0, stdout: '' });
    expect(gc.stderr).toMatch(/mtu/);
    expect(node().hostVeths()).toEqual([keep.run.json.interfaces[1].name]);
    expect(node().portMappings().map((e) => e.key)).toEqual([`tcp . ${PORT}`, `tcp . ${PORT}`]);
  });
});
