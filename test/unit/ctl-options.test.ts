import { UsageError, cniArgs, defaultContainerId, netnsPath, parsePorts } from '../../cni/ctl/exec/options';
import { chainEnv, pluginConfig } from '../../cni/ctl/exec/chain';
import { parseConfFile } from '../../cni/ctl/read/conflists';

describe('twillctl add/check/del arguments', () => {
  test('--ports as Docker writes them', () => {
    expect(parsePorts(['8080:80/tcp', '53:53/udp,9000:90', '127.0.0.1:8443:443', '[::1]:81:80/udp'])).toEqual([
      { hostPort: 8080, containerPort: 80, protocol: 'tcp' },
      { hostPort: 53, containerPort: 53, protocol: 'udp' },
      { hostPort: 9000, containerPort: 90, protocol: 'tcp' },
      { hostPort: 8443, containerPort: 443, protocol: 'tcp', hostIP: '127.0.0.1' },
      { hostPort: 81, containerPort: 80, protocol: 'udp', hostIP: '::1' },
    ]);
    expect(() => parsePorts(['80'])).toThrow(UsageError);
    expect(() => parsePorts(['70000:80'])).toThrow(/not a port/);
    expect(() => parsePorts(['80:80/sctp'])).toThrow(UsageError);
  });

  test('netns names live under /run/netns; the default container ID is stable per namespace', () => {
    expect(netnsPath('web')).toBe('/run/netns/web');
    expect(netnsPath('/proc/42/ns/net')).toBe('/proc/42/ns/net');
    expect(defaultContainerId('web')).toBe(defaultContainerId('/run/netns/web'));
    expect(defaultContainerId('web')).not.toBe(defaultContainerId('db'));
    expect(defaultContainerId('web')).toMatch(/^twillctl-[0-9a-f]{16}$/);
  });

  test('CNI_ARGS carry the pod, requested addresses and extra arguments', () => {
    expect(cniArgs({ ips: [] })).toBe('IgnoreUnknown=1');
    expect(cniArgs({ pod: 'shop/web', ips: ['10.0.0.9'], extra: 'K8S_POD_UID=1' })).toBe('IgnoreUnknown=1;K8S_POD_NAMESPACE=shop;K8S_POD_NAME=web;IP=10.0.0.9;K8S_POD_UID=1');
    expect(cniArgs({ pod: 'web', ips: [] })).toBe('IgnoreUnknown=1;K8S_POD_NAMESPACE=default;K8S_POD_NAME=web');
    expect(() => cniArgs({ pod: 'shop/', ips: [] })).toThrow(UsageError);
  });

  test('each plugin of the chain gets the list version and name, its declared capabilities only, and the previous result', () => {
    const conf = parseConfFile('/x/10-a.conflist', JSON.stringify({ cniVersion: '1.0.0', name: 'a', plugins: [{ type: 'twill', capabilities: { portMappings: true } }, { type: 'tuning' }] }));
    const call = { command: 'ADD' as const, conf, runtimeConfig: { portMappings: [{ hostPort: 1, containerPort: 2, protocol: 'tcp' }], ips: ['10.0.0.2'] } };
    expect(pluginConfig(call, conf.doc!.plugins[0], undefined)).toEqual({ type: 'twill', cniVersion: '1.0.0', name: 'a', runtimeConfig: { portMappings: call.runtimeConfig.portMappings } });
    expect(pluginConfig(call, conf.doc!.plugins[1], { ips: [] })).toEqual({ type: 'tuning', cniVersion: '1.0.0', name: 'a', prevResult: { ips: [] } });
    expect(chainEnv({ ...call, attachment: { containerId: 'c', netns: '/run/netns/p', ifname: 'eth0', args: 'IgnoreUnknown=1' } }, '/opt/cni/bin')).toEqual({
      CNI_COMMAND: 'ADD', CNI_PATH: '/opt/cni/bin', CNI_CONTAINERID: 'c', CNI_NETNS: '/run/netns/p', CNI_IFNAME: 'eth0', CNI_ARGS: 'IgnoreUnknown=1',
    });
  });
});
