// twillctl on a node whose plugin uses the iptables backend (no nft on PATH, as on such a node:
// twillctl runs the plugin with its own PATH): ls and inspect show the published port and its
// DNAT target from iptables-save, inspect the pod's NAT rules, and doctor's rules check sees
// twill's iptables rules, then their flush.
import { mkdtempSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describeRoot } from '../helpers/netns';
import { requireTools } from '../helpers/os-packages';
import { CtlDirs, ctl, widest } from './ctl-support';
import { netConf, useNode } from './plugin-support';

const TOOLS = ['iptables-save', 'iptables-restore', 'ip6tables-save', 'ip6tables-restore'];

describeRoot('twillctl on an iptables node', () => {
  const node = useNode();
  let bin: string;
  let dirs: CtlDirs;
  beforeAll(() => {
    requireTools(['ip', 'iptables', 'nft', ...TOOLS]);
    bin = mkdtempSync(join(tmpdir(), 'twill-ctl-no-nft-'));
    for (const t of TOOLS) symlinkSync(`/usr/sbin/${t}`, join(bin, t));
  });
  afterAll(() => rmSync(bin, { recursive: true, force: true }));
  beforeEach(() => {
    dirs = new CtlDirs();
  });
  afterEach(() => dirs.cleanup());

  const run = (args: string[]) => ctl(node().name, dirs, args, `${bin}:/usr/bin:/bin`);
  const nat = () => node().exec(node().name, ['iptables-save', '-t', 'nat']);
  const rulesCheck = () => (run(['doctor', '--json']).json.checks as Array<{ id: string; ok: boolean; detail: string }>).find((c) => c.id === 'rules')!;

  test('ports with DNAT targets, the pod\'s NAT rules, and doctor\'s rules check, all from iptables', () => {
    dirs.conflist('10-ipt.conflist', netConf(node(), { name: 'ctlipt', bridge: 'twcti0', subnet: '10.251.8.0/24', extra: { ipMasq: true } }));
    const pod = node().pod();
    expect(run(['add', 'ctlipt', pod, '--pod', 'shop/web', '--ports', '8080:80/tcp'])).toMatchObject({ code: 0, stderr: '' });
    expect(node().exec(node().name, ['nft', 'list', 'tables'])).not.toMatch(/twill/);
    expect(nat()).toMatch(/-A TWILL-HOSTPORTS .*--dport 8080 .*-j DNAT --to-destination 10\.251\.8\.2:80/);

    expect(run(['ls']).stdout).toMatch(/shop\/web\s+10\.251\.8\.2\s+8080\/tcp/);
    const inspect = run(['inspect', 'web']);
    expect(inspect.code).toBe(0);
    expect(inspect.stdout).toMatch(/ports:\s+8080\/tcp → 10\.251\.8\.2:80\n/);
    expect(inspect.stdout).toContain('NAT (iptables, nat table):');
    expect(inspect.stdout).toMatch(/iptables\s+-A PREROUTING -m addrtype --dst-type LOCAL -j TWILL-HOSTPORTS/);
    expect(inspect.stdout).toMatch(/iptables\s+-A TWILL-POSTROUTING -s 10\.251\.8\.0\/24 ! -o twcti0/);
    expect(widest(inspect.stdout)).toBeLessThanOrEqual(80);
    const json = run(['inspect', 'web', '--json']).json;
    expect(json.portMappings).toEqual([{ tag: expect.stringMatching(/ ctlipt$/), family: 4, protocol: 'tcp', hostPort: 8080, target: '10.251.8.2:80' }]);
    expect(json.nat.backend).toBe('iptables');
    expect(json.nat.rules.map((r: { text: string }) => r.text)).toContainEqual(expect.stringMatching(/--dport 8080 .*-j DNAT --to-destination 10\.251\.8\.2:80$/));

    expect(rulesCheck()).toEqual({ id: 'rules', ok: true, detail: 'iptables TWILL-* rules in place for twcti0', fix: '' });
    node().exec(node().name, ['iptables', '-t', 'nat', '-F']); // what a careless reload does
    node().exec(node().name, ['iptables', '-t', 'filter', '-F']);
    const flushed = rulesCheck();
    expect(flushed.ok).toBe(false);
    expect(flushed.detail).toContain('IPv4 nat: -A POSTROUTING -j TWILL-POSTROUTING');
    expect(flushed.detail).toContain('IPv4 filter: rules of ctlipt (comment "twill net twcti0 ctlipt")');
    expect(run(['inspect', 'web', '--json']).json.portMappings).toEqual([]);

    expect(run(['del', 'ctlipt', pod]).code).toBe(0);
    expect(run(['ls', '--json']).json.pods).toEqual([]);
    expect(nat()).not.toMatch(/-j DNAT/);
  });
});
