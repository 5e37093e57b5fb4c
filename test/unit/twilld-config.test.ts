import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { AgentConfigError } from '../../daemonset/config/errors';
import { FLAGS } from '../../daemonset/config/flags';
import { parseListen } from '../../daemonset/config/listen';
import { loadAgentConfig, type LoadResult } from '../../daemonset/config/load';
import type { AgentConfig } from '../../daemonset/config/types';

type Env = Record<string, string | undefined>;
type Files = Record<string, string>;

const NODE = { NODE_NAME: 'n1' };

function load(argv: string[], env: Env = NODE, files: Files = {}): LoadResult {
  const readFile = (path: string): string => {
    if (!(path in files)) throw Object.assign(new Error(`ENOENT: no such file or directory, open '${path}'`), { code: 'ENOENT' });
    return files[path];
  };
  return loadAgentConfig({ argv, env, readFile });
}

function config(argv: string[], env: Env = NODE, files: Files = {}): AgentConfig {
  const result = load(argv, env, files);
  if (result.kind !== 'run') throw new Error(`expected a config, got ${result.kind}`);
  return result.config;
}

function errorOf(fn: () => unknown): AgentConfigError {
  try {
    fn();
  } catch (err) {
    if (err instanceof AgentConfigError) return err;
    throw err;
  }
  throw new Error('expected an AgentConfigError, nothing was thrown');
}

/** A --config file at /etc/twilld.yaml holding `text`. */
const withFile = (text: string): [string[], Env, Files] => [['--config', '/etc/twilld.yaml'], NODE, { '/etc/twilld.yaml': text }];

const TWO_NETWORKS = (second: string) => `networks:\n  - {name: pods, clusterCIDRs: [10.244.0.0/16]}\n  - ${second}\n`;

describe('loadAgentConfig: bad input names its field', () => {
  const cases: [string, [string[], Env?, Files?], string, RegExp?][] = [
    ['no node name at all', [[], {}], 'NODE_NAME', /--node-name/],
    ['NODE_NAME not a node name', [[], { NODE_NAME: 'Node_1' }], 'NODE_NAME'],
    ['--node-name not a node name', [['--node-name', 'a b'], {}], '--node-name'],
    ['POD_NAMESPACE not a namespace', [[], { ...NODE, POD_NAMESPACE: 'Twill.System' }], 'POD_NAMESPACE'],
    ['unknown flag', [['--bogus']], '--bogus', /unknown flag/],
    ['unknown negated flag', [['--no-mtu']], '--no-mtu'],
    ['a positional argument', [['run']], 'run', /not a flag: twilld takes flags, or one subcommand first \(install, uninstall\)/],
    ['flag without its value', [['--mtu']], '--mtu'],
    ['boolean flag given a value', [['--direct-routing=yes']], '--direct-routing'],
    ['integer flag not a number', [['--mtu', '1400x']], '--mtu', /not an integer/],
    ['MTU below IPv4 minimum', [['--mtu', '575']], '--mtu', /576\.\.9000/],
    ['MTU above jumbo frames', [['--mtu', '9001']], '--mtu'],
    ['MTU under 1280 on an IPv6 network', [['--mtu', '1200', '--cluster-cidr', 'fd00::/56']], '--mtu', /1280/],
    ['VNI 0', [['--vni', '0']], '--vni', /24 bits/],
    ['VNI past 24 bits', [['--vni', '16777216']], '--vni'],
    ['VXLAN port 0', [['--vxlan-port', '0']], '--vxlan-port'],
    ['VXLAN port past 65535', [['--vxlan-port', '65536']], '--vxlan-port'],
    ['resync 0', [['--resync-seconds', '0']], '--resync-seconds'],
    ['resync past an hour', [['--resync-seconds', '3601']], '--resync-seconds'],
    ['listen without a port', [['--listen', '127.0.0.1']], '--listen'],
    ['listen IPv6 without brackets', [['--listen', '::1:9765']], '--listen', /brackets/],
    ['listen port 0', [['--listen', '[::1]:0']], '--listen'],
    ['listen IPv4 in brackets', [['--listen', '[10.0.0.1]:80']], '--listen'],
    ['listen host with an underscore', [['--listen', 'my_host:80']], '--listen'],
    ['listen bad IPv4', [['--listen', '999.1.1.1:80']], '--listen'],
    ['log level unknown', [['--log-level', 'verbose']], '--log-level'],
    ['relative path', [['--cni-conf-dir', 'etc/cni']], '--cni-conf-dir', /absolute/],
    ['bridge longer than 15', [['--bridge', 'abcdefghijklmnop']], '--bridge', /15/],
    ['bridge with "#"', [['--bridge', 'br#0']], '--bridge'],
    ['network name starting with "-"', [['--network-name', '-x']], '--network-name'],
    ['two IPv4 cluster CIDRs', [['--cluster-cidr', '10.0.0.0/16,10.1.0.0/16']], '--cluster-cidr', /address family/],
    ['cluster CIDR not a CIDR', [['--cluster-cidr', '10.0.0.0']], '--cluster-cidr'],
    ['cluster CIDR with host bits', [['--cluster-cidr', '10.0.0.1/16']], '--cluster-cidr', /10\.0\.0\.0\/16/],
    ['node prefix shorter than the cluster CIDR', [['--cluster-cidr', '10.0.0.0/16', '--node-prefix-length-v4', '8']], '--node-prefix-length-v4'],
    ['IPv4 node prefix /31', [['--node-prefix-length-v4', '31']], '--node-prefix-length-v4'],
    ['IPv6 node prefix /127', [['--node-prefix-length-v6', '127']], '--node-prefix-length-v6'],
    ['IPv6 node prefix shorter than the cluster CIDR', [['--cluster-cidr', 'fd00::/56', '--node-prefix-length-v6', '48']], '--node-prefix-length-v6'],
    ['underlay interface with a space', [['--underlay-interface', 'eth 0']], '--underlay-interface'],
    ['underlay address not an IP', [['--underlay-address', 'node1']], '--underlay-address'],
    ['empty --kubeconfig', [['--kubeconfig', '']], '--kubeconfig'],
    ['--config file missing', [['--config', '/nope.yaml']], '--config', /ENOENT/],
    ['file not YAML', withFile('networks: [1'), '--config', /YAML/],
    ['file with a duplicate key', withFile('vxlanPort: 1\nvxlanPort: 2\n'), '--config'],
    ['file holding a list', withFile('- a\n- b\n'), '--config', /mapping/],
    ['file key misspelt', withFile('vxlanport: 4789\n'), 'vxlanport', /did you mean "vxlanPort"/],
    ['nested key misspelt', withFile('underlay: {adress: 192.0.2.1}\n'), 'underlay.adress', /did you mean "address"/],
    ['nested key unlike any', withFile('underlay: {iface: eth0}\n'), 'underlay.iface', /known here: interface, address/],
    ['key in the wrong case', withFile('networks: [{clusterCidrs: []}]\n'), 'networks[0].clusterCidrs', /did you mean "clusterCIDRs"/],
    ['unknown network key', withFile('networks: [{vnii: 3}]\n'), 'networks[0].vnii', /did you mean "vni"/],
    ['far-off key lists the known ones', withFile('paths: {zzz: /x}\n'), 'paths.zzz', /cniConfDir/],
    ['nodeName in the file', withFile('nodeName: n2\n'), 'nodeName', /NODE_NAME/],
    ['kubeconfig in the file', withFile('kubeconfig: /k\n'), 'kubeconfig', /KUBECONFIG/],
    ['string where an integer goes', withFile('networks: [{vni: "7"}]\n'), 'networks[0].vni', /integer/],
    ['log level not in the enum', withFile('logLevel: loud\n'), 'logLevel', /debug/],
    ['empty network list', withFile('networks: []\n'), 'networks'],
    ['relative path in the file', withFile('paths: {runDir: run/twill}\n'), 'paths.runDir'],
    ['VNI from the file', withFile('networks: [{vni: 0}]\n'), 'networks[0].vni'],
    ['second network without a name', withFile(TWO_NETWORKS('{clusterCIDRs: [10.9.0.0/16]}')), 'networks[1].name', /more than one/],
    ['second network without CIDRs', withFile(TWO_NETWORKS('{name: b}')), 'networks[1].clusterCIDRs', /podCIDRs/],
    ['second network VNI out of range', withFile(TWO_NETWORKS('{name: b, vni: 16777216, clusterCIDRs: [10.9.0.0/16]}')), 'networks[1].vni'],
    ['duplicate network names', withFile(TWO_NETWORKS('{name: pods, clusterCIDRs: [10.9.0.0/16]}')), 'networks[1].name', /networks\[0\]/],
    ['duplicate bridges', withFile(TWO_NETWORKS('{name: b, bridge: twill0, clusterCIDRs: [10.9.0.0/16]}')), 'networks[1].bridge'],
    ['duplicate VNIs', withFile(TWO_NETWORKS('{name: b, vni: 1, clusterCIDRs: [10.9.0.0/16]}')), 'networks[1].vni'],
    ['default VNI colliding with a set one', withFile('networks:\n  - {name: a, vni: 2}\n  - {name: b, clusterCIDRs: [10.9.0.0/16]}\n'), 'networks[1].vni'],
    ['overlapping cluster CIDRs', withFile(TWO_NETWORKS('{name: b, clusterCIDRs: [10.244.128.0/17]}')), 'networks[1].clusterCIDRs[0]', /overlaps/],
    ['bridge named like a VXLAN device', withFile(TWO_NETWORKS('{name: b, bridge: twill.1, clusterCIDRs: [10.9.0.0/16]}')), 'networks[1].bridge', /VXLAN device/],
    ['flag overriding the file with a bad value', [['--config', '/f.json', '--vni', '0'], NODE, { '/f.json': '{"networks": [{"vni": 5}]}' }], '--vni'],
  ];

  test.each(cases.map((c) => [`${c[0]} → ${c[2]}`, c] as const))('%s', (_, [, [argv, env, files], field, message]) => {
    const err = errorOf(() => load(argv, env ?? NODE, files ?? {}));
    expect(err.field).toBe(field);
    expect(err.message.startsWith(`${field}: `)).toBe(true);
    if (message) expect(err.message).toMatch(message);
  });

  test('an invalid file reports every schema problem, the first as the field', () => {
    const err = errorOf(() => load(...withFile('vxlanPort: x\nlisten: 5\n')));
    expect(err.field).toBe('vxlanPort');
    expect(err.message).toMatch(/also listen: must be a string, not 5/);
  });
});

describe('loadAgentConfig: defaults', () => {
  test('NODE_NAME alone gives a complete config', () => {
    expect(config([], { NODE_NAME: 'node-1' })).toEqual({
      nodeName: 'node-1',
      namespace: 'twill-system',
      networks: [{ name: 'twill', bridge: 'twill0', vni: 1, clusterCIDRs: [], nodePrefixLength: { ipv4: 24, ipv6: 64 }, ipMasq: true }],
      vxlanPort: 8472,
      underlay: {},
      directRouting: false,
      checksumOffloadWorkaround: true,
      resyncSeconds: 60,
      listen: '127.0.0.1:9765',
      paths: { cniConfDir: '/etc/cni/net.d', cniBinDir: '/opt/cni/bin', runDir: '/run/twill', ipamDataDir: '/var/lib/cni/networks' },
      logLevel: 'info',
    });
  });

  test('an empty environment value counts as unset', () => {
    const c = config([], { NODE_NAME: 'n1', KUBECONFIG: '', POD_NAMESPACE: '' });
    expect(c.kubeconfig).toBeUndefined();
    expect(c.namespace).toBe('twill-system');
  });

  test('further networks are taken, with their own name, VNI, bridge and cluster CIDRs', () => {
    const c = config(...withFile('networks:\n  - {name: a}\n  - {name: b, clusterCIDRs: [10.9.0.0/16], ipMasq: false}\n'));
    expect(c.networks.map((n) => [n.name, n.vni, n.bridge, n.clusterCIDRs, n.ipMasq])).toEqual([['a', 1, 'twill0', [], true], ['b', 2, 'twill1', ['10.9.0.0/16'], false]]);
  });

  test("a further network's name must keep twill.dev/<name>.pod-cidrs a valid annotation name", () => {
    const longest = 'x'.repeat(53); // "<53>.pod-cidrs" is 63 characters
    expect(config(...withFile(`networks:\n  - {name: a}\n  - {name: ${longest}, clusterCIDRs: [10.9.0.0/16]}\n`)).networks[1].name).toBe(longest);
    for (const [name, why] of [[`${longest}x`, /63 at most/], ['Storage', /lower-case/], ['st_or', /lower-case/], ['net.b', /lower-case/], ['b-', /lower-case/]] as const) {
      const err = errorOf(() => config(...withFile(`networks:\n  - {name: a}\n  - {name: ${name}, clusterCIDRs: [10.9.0.0/16]}\n`)));
      expect(err.field).toBe('networks[1].name');
      expect(err.message).toMatch(why);
    }
    // networks[0] keeps the CNI spec's rule: its keys are the fixed twill.dev/vtep-mac and friends.
    expect(config(...withFile('networks:\n  - {name: Pods_1}\n')).networks[0].name).toBe('Pods_1');
  });

  test('an empty file is no settings', () => {
    expect(config(...withFile(''))).toEqual(config([]));
  });
});

describe('loadAgentConfig: precedence file < flags < env', () => {
  const FILE = [
    'namespace: from-file',
    'logLevel: debug',
    'directRouting: true',
    'paths: {runDir: /file/run, cniBinDir: /file/bin}',
    'underlay: {address: 192.0.2.10}',
    'networks:',
    '  - {vni: 5, mtu: 1400, clusterCIDRs: [10.1.0.0/16], nodePrefixLength: {ipv6: 80}}',
    '',
  ].join('\n');
  const files = { '/c.yaml': FILE };

  test('the file over the defaults', () => {
    const c = config(['--config', '/c.yaml'], NODE, files);
    expect(c).toMatchObject({ namespace: 'from-file', logLevel: 'debug', directRouting: true, underlay: { address: '192.0.2.10' } });
    expect(c.paths).toEqual({ cniConfDir: '/etc/cni/net.d', cniBinDir: '/file/bin', runDir: '/file/run', ipamDataDir: '/var/lib/cni/networks' });
    expect(c.networks[0]).toEqual({ name: 'twill', bridge: 'twill0', vni: 5, mtu: 1400, clusterCIDRs: ['10.1.0.0/16'], nodePrefixLength: { ipv4: 24, ipv6: 80 }, ipMasq: true });
  });

  test('flags over the file, key by key', () => {
    const argv = ['--config', '/c.yaml', '--namespace', 'from-flag', '--no-direct-routing', '--run-dir', '/flag/run', '--vni', '7',
      '--node-prefix-length-v4', '26', '--cluster-cidr', '10.2.0.0/16', '--cluster-cidr', 'fd00:10:0:0::/56', '--underlay-interface', 'eth1', '--no-ip-masq'];
    const c = config(argv, NODE, files);
    expect(c).toMatchObject({ namespace: 'from-flag', logLevel: 'debug', directRouting: false, underlay: { address: '192.0.2.10', interface: 'eth1' } });
    expect(c.paths).toMatchObject({ cniBinDir: '/file/bin', runDir: '/flag/run' });
    // the list is replaced whole, written canonically; the rest of networks[0] merges per key
    expect(c.networks[0]).toEqual({ name: 'twill', bridge: 'twill0', vni: 7, mtu: 1400, clusterCIDRs: ['10.2.0.0/16', 'fd00:10::/56'], nodePrefixLength: { ipv4: 26, ipv6: 80 }, ipMasq: false });
  });

  test('the environment over flags', () => {
    const argv = ['--config', '/c.yaml', '--namespace', 'from-flag', '--node-name', 'flag-node', '--kubeconfig', '/flag/kc'];
    expect(config(argv, {}, files)).toMatchObject({ namespace: 'from-flag', nodeName: 'flag-node', kubeconfig: '/flag/kc' });
    const env = { NODE_NAME: 'env-node', POD_NAMESPACE: 'from-env', KUBECONFIG: '/env/kc' };
    expect(config(argv, env, files)).toMatchObject({ namespace: 'from-env', nodeName: 'env-node', kubeconfig: '/env/kc' });
  });

  test('a bad file value that a flag replaces is no error', () => {
    expect(config(['--config', '/c.yaml', '--mtu', '1500'], NODE, { '/c.yaml': 'networks: [{mtu: 100}]\n' }).networks[0].mtu).toBe(1500);
  });

  test('of --x and --no-x the last wins', () => {
    expect(config(['--direct-routing', '--no-direct-routing']).directRouting).toBe(false);
    expect(config(['--no-direct-routing', '--direct-routing']).directRouting).toBe(true);
    expect(config(['--no-checksum-workaround']).checksumOffloadWorkaround).toBe(false);
  });

  test('an error on a value the environment set names the variable', () => {
    const err = errorOf(() => load(['--node-name', 'ok'], { NODE_NAME: 'Not OK' }));
    expect(err.field).toBe('NODE_NAME');
  });
});

describe('loadAgentConfig: file formats', () => {
  const YAML = `# twilld settings
vxlanPort: 4789
listen: "[::1]:9765"
networks:
  - name: pods
    clusterCIDRs: [10.244.0.0/16, "fd00:10:244::/56"]
    mtu: 1450
  - name: storage
    vni: 42
    clusterCIDRs:
      - 10.250.0.0/16
    ipMasq: no_this_is_a_string_in_yaml_1.2
`;
  const JSON_TEXT = JSON.stringify({
    vxlanPort: 4789,
    listen: '[::1]:9765',
    networks: [
      { name: 'pods', clusterCIDRs: ['10.244.0.0/16', 'fd00:10:244::/56'], mtu: 1450 },
      { name: 'storage', vni: 42, clusterCIDRs: ['10.250.0.0/16'], ipMasq: false },
    ],
  });

  test('YAML is read with YAML 1.2 rules (no "no" booleans)', () => {
    expect(errorOf(() => config(['--config', '/t.yaml'], NODE, { '/t.yaml': YAML })).field).toBe('networks[1].ipMasq');
  });

  test('YAML and JSON files give the same config', () => {
    const single = (text: string) => text.replace(/\n  - name: storage[\s\S]*$/, '\n');
    const yaml = config(['--config', '/t.yaml'], NODE, { '/t.yaml': single(YAML) });
    const json = config(['--config', '/t.json'], NODE, { '/t.json': JSON.stringify({ ...JSON.parse(JSON_TEXT), networks: JSON.parse(JSON_TEXT).networks.slice(0, 1) }) });
    expect(yaml).toEqual(json);
    expect(yaml.networks).toEqual([{ name: 'pods', bridge: 'twill0', vni: 1, clusterCIDRs: ['10.244.0.0/16', 'fd00:10:244::/56'], nodePrefixLength: { ipv4: 24, ipv6: 64 }, mtu: 1450, ipMasq: true }]);
    expect(yaml).toMatchObject({ vxlanPort: 4789, listen: '[::1]:9765' });
  });
});

describe('listen', () => {
  test.each([
    ['', undefined],
    [':9765', { host: '', port: 9765 }],
    ['0.0.0.0:9765', { host: '0.0.0.0', port: 9765 }],
    ['[::1]:9765', { host: '::1', port: 9765 }],
    ['localhost:80', { host: 'localhost', port: 80 }],
  ])('%j is accepted and parses to %j', (listen, parsed) => {
    expect(config(['--listen', listen]).listen).toBe(listen);
    expect(parseListen(listen)).toEqual(parsed);
  });
});

describe('loadAgentConfig: --help and --version', () => {
  const pkg = JSON.parse(readFileSync(join(__dirname, '../../package.json'), 'utf8')) as { version: string };

  test('--version prints "twilld <package.json version>", even without NODE_NAME', () => {
    expect(load(['--version'], {})).toEqual({ kind: 'version', text: `twilld ${pkg.version}` });
  });

  test('--help names every flag, env var and default', () => {
    const result = load(['--help'], {});
    expect(result.kind).toBe('help');
    const text = (result as { text: string }).text;
    for (const flag of Object.keys(FLAGS)) expect(text).toMatch(new RegExp(`(--|\\[no-\\])${flag} `));
    for (const name of ['--config FILE', '--version', '-h, --help', 'NODE_NAME', 'POD_NAMESPACE', 'KUBECONFIG']) expect(text).toContain(name);
    for (const value of ['8472', '"127.0.0.1:9765"', '"/var/lib/cni/networks"', '"twill-system"', 'nodePrefixLength']) expect(text).toContain(value);
    expect(load(['-h'], {})).toEqual(result);
  });

  test('an unknown flag is an error even beside --help', () => {
    expect(errorOf(() => load(['--help', '--bogus'])).field).toBe('--bogus');
  });
});
