// twilld's subcommands without a kernel: what `install` and `uninstall` parse from the command
// line, and what uninstall decides to remove (and to keep) from what it found on a node.
import { DEFAULTS } from '../../daemonset/config/defaults';
import { parseCommand } from '../../daemonset/cli/args';
import { describeStep, iptablesLines, parseTwillConflist, planUninstall, twillNetworks, type UninstallFacts } from '../../daemonset/uninstall';

const SELF = '/opt/twill';
const paths = { cniConfDir: '/c', cniBinDir: '/b', runDir: '/r', purgeIpam: false };

describe('parseCommand', () => {
  test('anything but a subcommand is the agent command line, untouched', () => {
    expect(parseCommand(['--config', 'f.yaml', '--vni', '4'], SELF)).toEqual({ kind: 'agent', argv: ['--config', 'f.yaml', '--vni', '4'] });
    expect(parseCommand([], SELF)).toEqual({ kind: 'agent', argv: [] });
    // a subcommand only counts first: "--node-name install" is the agent's
    expect(parseCommand(['--node-name', 'install'], SELF)).toMatchObject({ kind: 'agent' });
  });

  test('install defaults: the CNI bin dir of the agent, the build twilld itself belongs to', () => {
    expect(parseCommand(['install'], SELF)).toEqual({ kind: 'install', from: SELF, cniBinDir: DEFAULTS.paths.cniBinDir });
    expect(parseCommand(['install', '--from', '/d', '--cni-bin-dir=/host/opt/cni/bin'], SELF)).toEqual({ kind: 'install', from: '/d', cniBinDir: '/host/opt/cni/bin' });
  });

  test('uninstall defaults to the agent paths and keeps IPAM stores', () => {
    const { cniConfDir, cniBinDir, runDir, ipamDataDir } = DEFAULTS.paths;
    expect(parseCommand(['uninstall'], SELF)).toEqual({ kind: 'uninstall', purgeIpam: false, paths: { cniConfDir, cniBinDir, runDir, ipamDataDir } });
    expect(parseCommand(['uninstall', '--purge-ipam', '--run-dir', '/x/run', '--cni-conf-dir', '/x/net.d'], SELF)).toMatchObject({
      kind: 'uninstall',
      purgeIpam: true,
      paths: { runDir: '/x/run', cniConfDir: '/x/net.d', cniBinDir },
    });
  });

  test.each([
    [['install', '--to', '/x'], /Unknown option '--to'[\s\S]*Usage: twilld install/],
    [['install', 'extra'], /Unexpected argument 'extra'/],
    [['install', '--from'], /argument missing/],
    [['install', '--cni-bin-dir', ''], /--cni-bin-dir needs a directory/],
    [['uninstall', '--purge'], /Unknown option '--purge'[\s\S]*Usage: twilld uninstall/],
    [['uninstall', '--run-dir='], /--run-dir needs a directory/],
    [['uninstall', '--purge-ipam=yes'], /does not take an argument/],
  ])('%j is a usage error', (argv, message) => {
    const cmd = parseCommand(argv, SELF);
    expect(cmd.kind).toBe('usage');
    expect(cmd.kind === 'usage' && cmd.message).toMatch(message);
  });

  test('--help of a subcommand is its usage, not an error', () => {
    expect(parseCommand(['uninstall', '--help'], SELF)).toMatchObject({ kind: 'help', text: expect.stringMatching(/^Usage: twilld uninstall/) });
    expect(parseCommand(['install', '--help'], SELF)).toMatchObject({ kind: 'help', text: expect.stringMatching(/^Usage: twilld install/) });
  });
});

describe('parseTwillConflist: only a conflist with a twill plugin is ours', () => {
  const list = (plugins: object[]) => JSON.stringify({ cniVersion: '1.0.0', name: 'pods', plugins });

  test('names its network, bridges and IPAM dataDirs', () => {
    const text = list([{ type: 'twill', bridge: 'twill3', ipam: { type: 'twill-ipam', dataDir: '/d' } }, { type: 'portmap' }]);
    expect(parseTwillConflist('/c/10-pods.conflist', text)).toEqual({ path: '/c/10-pods.conflist', network: 'pods', bridges: ['twill3'], dataDirs: ['/d'] });
  });

  test("the plugin's default bridge, and no dataDir for a delegated IPAM", () => {
    expect(parseTwillConflist('/p', list([{ type: 'twill', ipam: { type: 'host-local', dataDir: '/h' } }]))).toMatchObject({ bridges: ['twill0'], dataDirs: [] });
  });

  test.each([
    ['another plugin', list([{ type: 'bridge', bridge: 'twill0' }])],
    ['not JSON', '{"plugins": ['],
    ['no name', JSON.stringify({ plugins: [{ type: 'twill' }] })],
    ['no plugins list', JSON.stringify({ name: 'x', type: 'twill' })],
  ])('%s: not ours', (_, text) => {
    expect(parseTwillConflist('/p', text)).toBeUndefined();
  });
});

function facts(over: Partial<UninstallFacts> = {}): UninstallFacts {
  return { conflists: [], readyNetworks: [], links: [], routes: [], nftTables: [], iptables: [], binFiles: [], runDirExists: false, ipamStores: [], ...over };
}

const lines = (f: UninstallFacts, s = paths) => planUninstall(f, s).map(describeStep);

describe('planUninstall', () => {
  test('a node without twill: nothing to do', () => {
    expect(planUninstall(facts({ links: [{ name: 'eth0' }, { name: 'docker0', kind: 'bridge' }], nftTables: ['ip nat', 'inet filter'] }), paths)).toEqual([]);
  });

  test('a node with everything: conflists first, the dataplane, then files; in that order', () => {
    const f = facts({
      conflists: [{ path: '/c/10-pods.conflist', network: 'pods', bridges: ['twill0'], dataDirs: ['/ipam'] }],
      readyNetworks: ['pods'],
      links: [
        { name: 'eth0' },
        { name: 'twill.1', kind: 'vxlan' },
        { name: 'twill0', kind: 'bridge' },
        { name: 'flannel.1', kind: 'vxlan' },
      ],
      routes: [
        { dst: '10.1.2.0/24', dev: 'twill.1', family: 4 },
        { dst: 'fd00:1:2::/64', dev: 'twill.1', family: 6 },
      ],
      nftTables: ['inet twill', 'inet twilld', 'inet filter'],
      binFiles: [
        { name: 'bridge', kind: 'other' },
        { name: 'twill', kind: 'bundle' },
        { name: 'twill-bun-1.4.5', kind: 'runtime' },
        { name: '.twill.twill-install-ab12', kind: 'temp' },
      ],
      runDirExists: true,
      ipamStores: [{ network: 'pods', path: '/ipam/pods' }],
    });
    expect(lines(f)).toEqual([
      'removed conflist of pods (/c/10-pods.conflist)',
      'removed 1 IPv4 route(s) of proto 116',
      'removed 1 IPv6 route(s) of proto 116',
      'removed VXLAN device twill.1',
      'removed nft table inet twill',
      'removed nft table inet twilld',
      'removed bridge twill0',
      'removed bundle twill (/b/twill)',
      'removed runtime twill-bun-1.4.5 (/b/twill-bun-1.4.5)',
      'removed temp .twill.twill-install-ab12 (/b/.twill.twill-install-ab12)',
      'removed run dir (/r)',
      'kept IPAM store /ipam/pods: --purge-ipam removes it',
    ]);
    expect(lines(f, { ...paths, purgeIpam: true }).at(-1)).toBe('removed IPAM store of pods (/ipam/pods)');
  });

  test('route deletions name protocol 116 and the device, one batch per family', () => {
    const steps = planUninstall(facts({ routes: [{ dst: '10.1.2.0/24', dev: 'eth0', family: 4 }, { dst: '10.1.3.0/24', family: 4 }] }), paths);
    expect(steps).toEqual([
      { op: 'ip', what: '2 IPv4 route(s) of proto 116', ip: ['ip', '-4', '-force'], lines: ['route del 10.1.2.0/24 proto 116 dev eth0', 'route del 10.1.3.0/24 proto 116'] },
    ]);
  });

  test('a bridge with a port stays (a pod is attached); bridges that are not twill stay silently', () => {
    const f = facts({
      conflists: [{ path: '/c/80-storage.conflist', network: 'storage', bridges: ['stor0'], dataDirs: [] }],
      links: [
        { name: 'twill0', kind: 'bridge' },
        { name: 'tw0123456789ab', kind: 'veth', master: 'twill0' },
        { name: 'stor0', kind: 'bridge' },
        { name: 'br-other', kind: 'bridge' },
        { name: 'twill.x', kind: 'vxlan' },
        { name: 'twill.7', kind: 'bridge' },
      ],
    });
    expect(lines(f)).toEqual(['removed conflist of storage (/c/80-storage.conflist)', 'kept bridge twill0: 1 port(s) attached: tw0123456789ab', 'removed bridge stor0']);
  });

  test('without nft the tables are reported as not looked at', () => {
    expect(lines(facts({ nftTables: undefined }))).toEqual(['kept nft tables: nft is not installed']);
  });
});

describe('iptablesLines: the jumps, then every TWILL-* chain flushed, then deleted', () => {
  test('nat table of the fallback', () => {
    const chains = ['PREROUTING', 'OUTPUT', 'POSTROUTING', 'TWILL-HOSTPORTS', 'TWILL-POSTROUTING', 'KUBE-SERVICES'];
    const rules = [
      '-A PREROUTING -m addrtype --dst-type LOCAL -j TWILL-HOSTPORTS',
      '-A PREROUTING -j KUBE-SERVICES',
      '-A POSTROUTING -j TWILL-POSTROUTING',
      '-A TWILL-HOSTPORTS -p tcp -m tcp --dport 8080 -j DNAT --to-destination 10.1.0.2:80',
      '-A TWILL-POSTROUTING -s 127.0.0.0/8 -m conntrack --ctstate DNAT -j MASQUERADE',
    ];
    expect(iptablesLines({ family: 4, table: 'nat', chains, rules })).toEqual([
      '-D PREROUTING -m addrtype --dst-type LOCAL -j TWILL-HOSTPORTS',
      '-D POSTROUTING -j TWILL-POSTROUTING',
      '-F TWILL-HOSTPORTS',
      '-F TWILL-POSTROUTING',
      '-X TWILL-HOSTPORTS',
      '-X TWILL-POSTROUTING',
    ]);
  });

  test('a table without twill chains: nothing (and no step)', () => {
    const t = { family: 6 as const, table: 'filter', chains: ['FORWARD'], rules: ['-A FORWARD -j ACCEPT'] };
    expect(iptablesLines(t)).toEqual([]);
    expect(planUninstall(facts({ iptables: [t] }), paths)).toEqual([]);
  });
});

describe('twillNetworks: whose IPAM stores are twill', () => {
  test("a conflist's dataDirs; a readiness file's network in the default dataDir; no duplicates", () => {
    const conflists = [{ path: '/c/10-pods.conflist', network: 'pods', bridges: [], dataDirs: ['/ipam'] }];
    expect(twillNetworks(conflists, ['pods', 'storage'], '/var/lib/cni/networks')).toEqual([
      { network: 'pods', dataDir: '/ipam' },
      { network: 'storage', dataDir: '/var/lib/cni/networks' },
    ]);
  });
});
