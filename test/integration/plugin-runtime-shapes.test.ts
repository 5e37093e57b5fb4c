// Capability arguments and config keys exactly as real runtimes send them. containerd's go-cni
// serialises its structs with Go field names ({"HostPort":…,"HostIP":""}, {"Servers":…}); CRI-O's
// ocicni and podman use the CONVENTIONS names. The reference plugins accept all of them because
// Go's encoding/json matches keys case-insensitively (an exact match first), so twill must too:
// on ADD, and above all on DEL, which a runtime retries for ever while the pod stays Terminating.
import { describeRoot } from '../helpers/netns';
import { hostVethOf, netConf, podIp, useNode, type Json } from './plugin-support';

const PORT = 18380;

/** The capabilities a conflist gives twill, so libcni injects each of these into runtimeConfig. */
const CAPABILITIES = { portMappings: true, ips: true, mac: true, dns: true, ipRanges: true, bandwidth: true };

describeRoot('twill plugin: runtime shapes (containerd, CRI-O, podman)', () => {
  const node = useNode();

  function conf(runtimeConfig: Json, extra: Json = {}): Json {
    return netConf(node(), { extra: { isDefaultGateway: true, capabilities: CAPABILITIES, ...extra }, runtimeConfig });
  }

  async function expectPublished(att: { pod?: string }, port: number): Promise<void> {
    await node().tcpServer(att.pod!, 8080, 'echo hello');
    expect(node().tcpRequest(node().name, '127.0.0.1', port)).toBe('hello');
  }

  test('containerd (go-cni): Go field names for portMappings, dns, bandwidth; HostIP "" is every address', async () => {
    const runtimeConfig = {
      portMappings: [{ HostPort: PORT, ContainerPort: 8080, Protocol: 'tcp', HostIP: '' }],
      bandwidth: { IngressRate: 1000000, IngressBurst: 2000000, EgressRate: 1000000, EgressBurst: 2000000 },
      dns: { Servers: ['10.96.0.10'], Searches: ['default.svc.cluster.local', 'svc.cluster.local'], Options: ['ndots:5'] },
    };
    const c = conf(runtimeConfig);
    const { run, att } = node().add(c, { args: 'IgnoreUnknown=1;K8S_POD_NAMESPACE=default;K8S_POD_NAME=web;K8S_POD_INFRA_CONTAINER_ID=ctr;K8S_POD_UID=u1' });
    expect(run.json).toMatchObject({ cniVersion: '1.1.0' });
    expect(run.code).toBe(0);
    expect(node().portMappings()).toEqual([{ set: 'hostports4', key: `tcp . ${PORT}`, comment: `${hostVethOf(run.json)} twt-net` }]);
    // The dns capability (servers/searches/options) lands in the result in its own names.
    expect(run.json.dns).toEqual({ nameservers: ['10.96.0.10'], search: ['default.svc.cluster.local', 'svc.cluster.local'], options: ['ndots:5'] });
    await expectPublished(att, PORT);
    const del = node().del(c, att);
    expect({ code: del.code, stdout: del.stdout }).toEqual({ code: 0, stdout: '' });
    expect(node().portMappings()).toEqual([]);
  });

  test('containerd (go-cni): ips and mac capabilities, and ipRanges as its flat list of IPRanges', () => {
    const flat = conf({ ipRanges: [{ Subnet: '10.250.1.0/24', RangeStart: '10.250.1.50', RangeEnd: '10.250.1.60', Gateway: '10.250.1.1' }] });
    const a = node().add(flat);
    expect(a.run.code).toBe(0);
    expect(podIp(a.run.json)).toBe('10.250.1.50');
    const b = node().add(conf({ ips: ['10.250.1.42'], mac: '0a:58:0a:fa:01:2a' }));
    expect(b.run.code).toBe(0);
    expect(podIp(b.run.json)).toBe('10.250.1.42');
    expect(node().link('eth0', b.att.pod)?.address).toBe('0a:58:0a:fa:01:2a');
  });

  test('CRI-O (ocicni): CONVENTIONS names, hostIP "" is every address, bandwidth as a lower-case map', async () => {
    const c = conf({
      portMappings: [{ hostPort: PORT, containerPort: 8080, protocol: 'tcp', hostIP: '' }],
      bandwidth: { ingressRate: 1000000, ingressBurst: 2000000, egressRate: 1000000, egressBurst: 2000000 },
      ipRanges: [[{ subnet: '10.250.1.0/24', rangeStart: '10.250.1.70', rangeEnd: '10.250.1.80' }]],
    });
    const { run, att } = node().add(c, { args: 'IgnoreUnknown=1;K8S_POD_NAMESPACE=default;K8S_POD_NAME=web;K8S_POD_INFRA_CONTAINER_ID=ctr' });
    expect(run.code).toBe(0);
    expect(podIp(run.json)).toBe('10.250.1.70');
    expect(node().portMappings().map((e) => [e.set, e.key])).toEqual([['hostports4', `tcp . ${PORT}`]]);
    await expectPublished(att, PORT);
    expect(node().del(c, att).code).toBe(0);
  });

  test('podman (CNI backend): portMappings with hostIP "", a static IP and MAC through CNI_ARGS', async () => {
    const c = conf({ portMappings: [{ hostPort: PORT, containerPort: 8080, protocol: 'tcp', hostIP: '' }] });
    const { run, att } = node().add(c, { args: 'IgnoreUnknown=1;K8S_POD_NAME=web;IP=10.250.1.77;MAC=0a:58:0a:fa:01:4d' });
    expect(run.code).toBe(0);
    expect(podIp(run.json)).toBe('10.250.1.77');
    expect(run.json.interfaces[2].mac).toBe('0a:58:0a:fa:01:4d');
    await expectPublished(att, PORT);
    expect(node().del(c, att).code).toBe(0);
  });

  test('config keys are read case-insensitively too, an exact match winning', () => {
    const base = netConf(node());
    const c: Json = {
      cniVersion: base.cniVersion,
      Name: 'twt-net',
      type: 'twill',
      Bridge: 'twbr9',
      bridge: 'twbr8', // exact match wins over "Bridge", as in Go
      IsGateway: true,
      ISDEFAULTGATEWAY: true,
      IPAM: { Type: 'twill-ipam', DataDir: node().dataDir, Ranges: [[{ Subnet: '10.250.9.0/24', Gateway: '10.250.9.254' }]] },
    };
    const { run, att } = node().add(c);
    expect(run.code).toBe(0);
    expect(run.json.interfaces[0].name).toBe('twbr8');
    expect(run.json.ips[0]).toMatchObject({ address: '10.250.9.1/24', gateway: '10.250.9.254' });
    expect(run.json.routes).toEqual([{ dst: '0.0.0.0/0', gw: '10.250.9.254' }]);
    expect(node().reservations('twt-net').ips).toEqual(['10.250.9.1']);
    expect(node().del(c, att).code).toBe(0);
  });

  test('DEL with go-cni port mappings succeeds even when ADD never ran (a retried DEL after a failed ADD)', () => {
    const c = conf({ portMappings: [{ HostPort: PORT, ContainerPort: 8080, Protocol: 'tcp', HostIP: '' }] });
    const del = node().run('DEL', c, { containerId: 'never-added', ifname: 'eth0' });
    expect({ code: del.code, stdout: del.stdout }).toEqual({ code: 0, stdout: '' });
  });

  test('DEL succeeds whatever shape the runtime config has: the port mappings come from their tags', () => {
    const c = conf({ portMappings: [{ hostPort: PORT, containerPort: 8080 }] });
    const { run, att } = node().add(c);
    expect(run.code).toBe(0);
    const odd = { ...c, runtimeConfig: { portMappings: [{ HostPort: 'not a port', Protocol: 7 }], dns: 'nope', mac: 12 } };
    const del = node().del(odd, att);
    expect({ code: del.code, stdout: del.stdout }).toEqual({ code: 0, stdout: '' });
    expect(node().leftovers()).toEqual({});
  });
});
