// `twilld uninstall` on a node namespace that holds everything twill makes: the installed files,
// the agent's conflists, readiness files, VXLAN device, proto-116 routes and `inet twilld` table,
// the plugin's bridges, `inet twill` table, iptables TWILL-* chains and IPAM stores, with a pod
// still attached. Afterwards twill's things are gone, everything else (another plugin, another
// conflist, routes, devices and tables that are not twill's, the pod's namespace) is as it was.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DIST } from '../helpers/exec-plugin';
import { describeRoot } from '../helpers/netns';
import type { TestNode } from '../helpers/node';
import { requireTools } from '../helpers/os-packages';
import { hostVethOf, netConf, useNode } from './plugin-support';

const TWILLD = join(DIST, 'twilld');
const PATH = '/usr/sbin:/usr/bin:/sbin:/bin';
const IPT = ['iptables-save', 'iptables-restore', 'ip6tables-save', 'ip6tables-restore'];

describeRoot('twilld uninstall', () => {
  const node = useNode();
  let root: string;
  let noNft: string;
  const dirs = () => ({ conf: join(root, 'net.d'), bin: join(root, 'bin'), run: join(root, 'run') });

  beforeAll(() => {
    requireTools(['ip', 'nft', 'nsenter', 'conntrack', ...IPT]);
    noNft = mkdtempSync(join(tmpdir(), 'twill-uninstall-no-nft-'));
    for (const t of ['ip', 'nsenter', 'conntrack', ...IPT]) symlinkSync(`/usr/sbin/${t}`, join(noNft, t));
  });
  afterAll(() => rmSync(noNft, { recursive: true, force: true }));
  beforeEach(() => {
    root = mkdtempSync(join(tmpdir(), 'twill-uninstall-'));
  });
  afterEach(() => rmSync(root, { recursive: true, force: true }));

  const ip = (args: string[]) => node().ipIn(node().name, args);
  const json = (args: string[]) => JSON.parse(ip(['-j', ...args]) || '[]') as Array<Record<string, any>>;
  const linkNames = () => json(['link', 'show']).map((l) => l.ifname as string);
  const routes = (family: 4 | 6) => json([`-${family}`, 'route', 'show']).map((r) => `${r.dst} ${r.protocol ?? ''}`.trim());
  // iptables' own tables (ip nat, ip6 filter, …: the fallback's chains lived in them) stay, as on any node with iptables.
  const nftTables = () => node().exec(node().name, ['nft', 'list', 'tables']).trim().split('\n').filter((t) => t && !/^table ip6? (nat|filter)$/.test(t));
  const twillChains = () => ['nat', 'filter'].flatMap((t) => node().exec(node().name, ['iptables-save', '-t', t]).split('\n').filter((l) => /TWILL-/.test(l)));

  /** What the installer and the agent leave: files, conflists, readiness, the overlay device and routes, the isolation table. */
  function agentState(): void {
    const { conf, bin, run } = dirs();
    const install = spawnSync(TWILLD, ['install', '--cni-bin-dir', bin], { encoding: 'utf8', env: { PATH } });
    expect({ code: install.status, stderr: install.stderr }).toEqual({ code: 0, stderr: '' });
    writeFileSync(join(bin, 'bridge'), '\x7fELF another plugin', { mode: 0o755 });
    mkdirSync(conf);
    const conflist = (name: string, bridge: string) => JSON.stringify({ cniVersion: '1.0.0', name, plugins: [netConf(node(), { name, bridge })] });
    writeFileSync(join(conf, '10-pods.conflist'), conflist('pods', 'twbr0'));
    writeFileSync(join(conf, '80-second.conflist'), conflist('second', 'twbr1'));
    writeFileSync(join(conf, '05-other.conflist'), JSON.stringify({ cniVersion: '1.0.0', name: 'other', plugins: [{ type: 'bridge', bridge: 'twbr0' }] }));
    mkdirSync(run);
    writeFileSync(join(run, 'ready-pods.json'), '{}\n');
    ip(['link', 'add', 'twu0', 'type', 'veth', 'peer', 'name', 'twu1']); // the underlay (no dummy module here)
    ip(['addr', 'add', '192.168.91.1/24', 'dev', 'twu0']);
    for (const l of ['twu0', 'twu1']) ip(['link', 'set', l, 'up']);
    for (const [name, vni] of [['twill.77', 77], ['othervx', 88]] as const) {
      ip(['link', 'add', name, 'type', 'vxlan', 'id', String(vni), 'local', '192.168.91.1', 'dev', 'twu0', 'dstport', '8472', 'nolearning']);
      ip(['link', 'set', name, 'up']);
    }
    ip(['route', 'add', '10.251.5.0/24', 'via', '10.251.5.0', 'dev', 'twill.77', 'onlink', 'proto', '116']);
    ip(['-6', 'route', 'add', 'fd51:5::/64', 'via', 'fd51:5::', 'dev', 'twill.77', 'onlink', 'proto', '116']);
    ip(['route', 'add', '10.251.6.0/24', 'via', '192.168.91.2', 'dev', 'twu0', 'proto', '116']); // direct routing: survives the device
    ip(['route', 'add', '10.251.7.0/24', 'via', '192.168.91.3', 'dev', 'twu0']); // not twill's
    node().exec(node().name, ['nft', '-f', '-'], 'add table inet twilld\nadd chain inet twilld forward { type filter hook forward priority filter; }\nadd table inet other\n');
  }

  /** Pod `a` stays attached to twbr0 (nft); pod `b` of network `second` came and went on twbr1 through the iptables fallback. */
  function pluginState(): { pod: string; conf: object } {
    const conf = netConf(node(), { name: 'pods', bridge: 'twbr0', extra: { ipMasq: true }, runtimeConfig: { portMappings: [{ hostPort: 18091, containerPort: 80, protocol: 'tcp' }] } });
    const a = node().add(conf);
    const second = netConf(node(), { name: 'second', bridge: 'twbr1', subnet: '10.250.2.0/24', extra: { ipMasq: true } });
    const b = node().add(second, { env: { PATH: `${noNft}:/usr/bin:/bin` } });
    expect([a.run.code, b.run.code]).toEqual([0, 0]);
    expect(node().del(second, b.att, { env: { PATH: `${noNft}:/usr/bin:/bin` } }).code).toBe(0);
    expect(hostVethOf(a.run.json)).toMatch(/^tw/);
    return { pod: a.att.pod!, conf };
  }

  /** The pod's interfaces, addresses and routes (volatile fields such as DAD's "tentative" left out). */
  const podView = (n: TestNode, pod: string) => {
    const parse = (args: string[]) => JSON.parse(n.ipIn(pod, ['-j', ...args]) || '[]') as Array<Record<string, any>>;
    const links = parse(['addr', 'show']).map((l) => ({ ifname: l.ifname, mac: l.address, mtu: l.mtu, addrs: (l.addr_info ?? []).map((a: any) => `${a.local}/${a.prefixlen}`).sort() }));
    const routes = [...parse(['-4', 'route', 'show']), ...parse(['-6', 'route', 'show'])].map((r) => `${r.dst} ${r.gateway ?? ''} ${r.dev}`);
    return { links, routes };
  };

  const uninstall = (extra: string[] = []) => {
    const { conf, bin, run } = dirs();
    const args = ['--cni-conf-dir', conf, '--cni-bin-dir', bin, '--run-dir', run, '--ipam-data-dir', node().dataDir, ...extra];
    const r = spawnSync('ip', ['netns', 'exec', node().name, TWILLD, 'uninstall', ...args], { encoding: 'utf8', env: { PATH }, timeout: 60_000 });
    return { code: r.status, stdout: r.stdout, stderr: r.stderr };
  };

  test("removes what is twill's, keeps the bridge a pod is on, never touches the pod or what is not twill's", () => {
    agentState();
    const { pod } = pluginState();
    expect(twillChains().length).toBeGreaterThan(0);
    expect(nftTables()).toEqual(expect.arrayContaining(['table inet twill', 'table inet twilld', 'table inet other']));
    expect(node().networks().sort()).toEqual(['pods', 'second']);
    const before = podView(node(), pod);
    expect(before.links.find((l) => l.ifname === 'eth0')?.addrs).toEqual(expect.arrayContaining([expect.stringMatching(/^10\.250\.1\.\d+\/24$/)]));

    const r = uninstall(['--purge-ipam']);
    expect({ code: r.code, stderr: r.stderr }).toEqual({ code: 0, stderr: '' });
    expect(r.stdout).toMatch(/kept bridge twbr0: 1 port\(s\) attached: tw[0-9a-f]{12}\n/);
    expect(r.stdout).toMatch(/removed bridge twbr1\n/);
    expect(r.stdout).toMatch(/twill uninstalled\n$/);

    const { conf, bin, run } = dirs();
    expect(readdirSync(conf)).toEqual(['05-other.conflist']);
    expect(readdirSync(bin)).toEqual(['bridge']);
    expect(existsSync(run)).toBe(false);
    expect(node().networks()).toEqual([]);
    expect(linkNames().filter((l) => !l.startsWith('tw') || /^twu|^twbr|^twill/.test(l)).sort()).toEqual(['lo', 'othervx', 'twbr0', 'twu0', 'twu1']);
    expect(routes(4).filter((r4) => r4.startsWith('10.251.'))).toEqual(['10.251.7.0/24']);
    expect(routes(6).filter((r6) => r6.startsWith('fd51:'))).toEqual([]);
    expect(nftTables()).toEqual(['table inet other']);
    expect(twillChains()).toEqual([]);
    expect(podView(node(), pod)).toEqual(before);

    // Again: nothing of twill left to remove, exit 0.
    expect(uninstall(['--purge-ipam'])).toMatchObject({ code: 0, stderr: '' });
  });

  test('without --purge-ipam the IPAM store stays; a part it cannot read is named, exit 1, and the rest still goes', () => {
    agentState();
    pluginState();
    const { conf } = dirs();
    rmSync(conf, { recursive: true });
    writeFileSync(conf, 'not a directory');

    const r = uninstall();
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(new RegExp(`^twilld uninstall: reading conflists in ${conf}: ENOTDIR`));
    expect(r.stdout).toMatch(/kept IPAM store .*\/pods: --purge-ipam removes it/);
    expect(node().networks()).toEqual(expect.arrayContaining(['pods']));
    expect(linkNames()).not.toContain('twill.77');
    expect(nftTables()).toEqual(['table inet other']);
    expect(twillChains()).toEqual([]);
    expect(readdirSync(dirs().bin)).toEqual(['bridge']);
  });

  test('usage errors exit 2 and change nothing', () => {
    const r = uninstall(['--bogus']);
    expect(r).toMatchObject({ code: 2, stdout: '', stderr: expect.stringContaining('Usage: twilld uninstall') });
  });
});
