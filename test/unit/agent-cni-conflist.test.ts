import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { NetConf } from '../../cni/core/config';
import { loadTwillConfig } from '../../cni/plugin/config';
import { conflistFileName, conflistFor, renderConflist, type ConflistInput } from '../../daemonset/cni-config/conflist';
import { CniFileError } from '../../daemonset/cni-config/subnets';
import type { NetworkSettings } from '../../daemonset/config/types';
import { loadIpamConfig } from '../../ipam/config';

type Json = Record<string, any>;

const podNet: NetworkSettings = {
  name: 'twill',
  bridge: 'twill0',
  vni: 1,
  clusterCIDRs: [],
  nodePrefixLength: { ipv4: 24, ipv6: 64 },
  ipMasq: true,
};
const secondary: NetworkSettings = {
  name: 'blue',
  bridge: 'twblue',
  vni: 7,
  clusterCIDRs: ['10.77.0.0/16', 'fd77::/48'],
  nodePrefixLength: { ipv4: 24, ipv6: 64 },
  ipMasq: false,
};

function input(o: Partial<ConflistInput> = {}): ConflistInput {
  return { network: podNet, subnets: ['10.244.3.0/24'], mtu: 1450, ipamDataDir: '/var/lib/cni/networks', runDir: '/run/twill', podNetwork: true, ...o };
}

const pluginOf = (conflist: object): Json => (conflist as Json).plugins[0];

describe('conflistFor', () => {
  test('the pod network, single stack: every key, as the plugin and libcni read them', () => {
    expect(conflistFor(input())).toEqual({
      cniVersion: '1.0.0',
      cniVersions: ['1.0.0', '1.1.0'],
      name: 'twill',
      plugins: [
        {
          type: 'twill',
          bridge: 'twill0',
          isGateway: true,
          isDefaultGateway: true,
          ipMasq: true,
          mtu: 1450,
          hairpinMode: true,
          capabilities: { portMappings: true },
          readiness: '/run/twill/ready-twill.json',
          ipam: { type: 'twill-ipam', ranges: [[{ subnet: '10.244.3.0/24' }]], dataDir: '/var/lib/cni/networks' },
        },
      ],
    });
  });

  test('dual stack: one range set per family, IPv4 first, each in its network form', () => {
    const ipam = pluginOf(conflistFor(input({ subnets: ['fd00:10:244:3::7/64', '10.244.3.9/24'] }))).ipam;
    expect(ipam.ranges).toEqual([[{ subnet: '10.244.3.0/24' }], [{ subnet: 'fd00:10:244:3::/64' }]]);
  });

  test('a secondary network: no default route, routes to its cluster CIDRs in the families the node has', () => {
    const plugin = pluginOf(conflistFor(input({ network: secondary, subnets: ['10.77.5.0/24'], podNetwork: false })));
    expect(plugin).toMatchObject({ bridge: 'twblue', isDefaultGateway: false, isGateway: true, ipMasq: false, readiness: '/run/twill/ready-blue.json' });
    expect(plugin.ipam.routes).toEqual([{ dst: '10.77.0.0/16' }]);
    const dual = pluginOf(conflistFor(input({ network: secondary, subnets: ['10.77.5.0/24', 'fd77:0:0:5::/64'], podNetwork: false })));
    expect(dual.ipam.routes).toEqual([{ dst: '10.77.0.0/16' }, { dst: 'fd77::/48' }]);
  });

  test('the pod network has no ipam routes: the default route covers everything', () => {
    const network = { ...podNet, clusterCIDRs: ['10.244.0.0/16'] };
    expect(pluginOf(conflistFor(input({ network }))).ipam).not.toHaveProperty('routes');
  });

  test.each([
    [{ subnets: [] }, 'subnets: needs one IPv4 and/or one IPv6 subnet, got none'],
    [{ subnets: ['10.244.3.0/24', 'nope'] }, 'subnets[1]: "nope" is not a CIDR'],
    [{ subnets: ['10.244.3.0/24', '10.244.4.0/24'] }, 'subnets: at most one subnet per family, got 10.244.3.0/24, 10.244.4.0/24'],
    [{ mtu: 40 }, 'mtu: 40 is not an MTU (an integer from 68 to 65535)'],
    [{ mtu: 1450.5 }, 'mtu: 1450.5 is not an MTU (an integer from 68 to 65535)'],
    [{ network: { ...podNet, name: '../etc' } }, 'network.name: "../etc" must match'],
  ])('refuses %j, naming the field', (o, msg) => {
    expect(() => conflistFor(input(o as Partial<ConflistInput>))).toThrow(CniFileError);
    expect(() => conflistFor(input(o as Partial<ConflistInput>))).toThrow(msg);
  });

  test('renders to stable bytes: equal inputs, equal text', () => {
    const a = renderConflist(conflistFor(input({ subnets: ['fd00::/64', '10.0.0.0/24'] })));
    const b = renderConflist(conflistFor(input({ subnets: ['10.0.0.0/24', 'fd00::/64'] })));
    expect(a).toBe(b);
    expect(a.endsWith('}\n')).toBe(true);
    expect(JSON.parse(a).name).toBe('twill');
  });

  test('conflistFileName', () => {
    expect(conflistFileName('twill')).toBe('10-twill.conflist');
    // A further network sorts after the pod network whatever the names (the runtime takes the first).
    expect(conflistFileName('aaa', false)).toBe('80-aaa.conflist');
    expect([conflistFileName('zz', true), conflistFileName('0', false), conflistFileName('a', false)].sort()[0]).toBe('10-zz.conflist');
  });
});

describe('the plugin reads the generated entry as the agent meant it', () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'twill-conflist-'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  /** What libcni hands the plugin: the list's name and chosen version, capabilities turned into runtimeConfig. */
  function pluginConf(conflist: object): NetConf {
    const list = conflist as Json;
    return { cniVersion: '1.1.0', name: list.name, ...list.plugins[0], runtimeConfig: { portMappings: [{ hostPort: 8080, containerPort: 80, protocol: 'tcp' }] } };
  }

  test.each([
    ['pod network, dual stack', input({ subnets: ['10.244.3.0/24', 'fd00:10:244:3::/64'] })],
    ['secondary network', input({ network: secondary, subnets: ['10.77.5.0/24'], podNetwork: false })],
  ])('%s', (_, o) => {
    const conf = pluginConf(conflistFor({ ...o, ipamDataDir: dir }));
    const cfg = loadTwillConfig(conf, {});
    expect(cfg).toMatchObject({
      network: o.network.name,
      bridge: o.network.bridge,
      isGateway: true,
      isDefaultGateway: o.podNetwork,
      ipMasq: o.network.ipMasq,
      mtu: 1450,
      hairpinMode: true,
      portMappings: [{ hostPort: 8080, containerPort: 80, protocol: 'tcp' }],
      readiness: `/run/twill/ready-${o.network.name}.json`,
      ipamType: 'twill-ipam',
    });
    const ipam = loadIpamConfig(conf, {});
    expect(ipam.dataDir).toBe(dir);
    expect(ipam.rangeSets).toHaveLength(o.subnets.length);
    expect(ipam.routes).toEqual(o.podNetwork ? [] : [{ dst: '10.77.0.0/16' }]);
  });
});
