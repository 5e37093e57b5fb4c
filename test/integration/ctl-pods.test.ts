// twillctl add/check/del drive dist/twill as a runtime does; ls, inspect, ipam and gc read what
// it made (IPAM store, links, nft) and find a leaked reservation, which gc releases only with --yes.
import { describeRoot } from '../helpers/netns';
import { requireTools } from '../helpers/os-packages';
import { CtlDirs, ctl, widest } from './ctl-support';
import { netConf, useNode } from './plugin-support';

describeRoot('twillctl: pods, IPAM and gc against real state', () => {
  beforeAll(() => requireTools(['ip', 'nft']));
  const node = useNode();
  let dirs: CtlDirs;
  beforeEach(() => {
    dirs = new CtlDirs();
  });
  afterEach(() => dirs.cleanup());

  const run = (args: string[]) => ctl(node().name, dirs, args);

  test('add publishes a port and names the pod; ls, inspect and check show it; del removes it', () => {
    dirs.conflist('10-ctl.conflist', netConf(node(), { name: 'ctlnet', bridge: 'twctl0', subnet: '10.251.7.0/24' }));
    const pod = node().pod();
    const add = run(['add', 'ctlnet', pod, '--pod', 'shop/web', '--ports', '8080:80/tcp']);
    expect({ code: add.code, stderr: add.stderr }).toEqual({ code: 0, stderr: '' });
    expect(add.stdout).toMatch(/add:\s+ok/);
    expect(add.stdout).toMatch(/10\.251\.7\.2\/24\s+10\.251\.7\.1\s+eth0/);

    const ls = run(['ls']);
    expect(ls.code).toBe(0);
    expect(ls.stdout).toContain('network ctlnet (bridge twctl0, 1 pod)\nconflist ');
    expect(ls.stdout).toMatch(/twillctl-\S+\s+shop\/web\s+10\.251\.7\.2\s+8080\/tcp/);
    expect(run(['ls', '--wide']).stdout).toMatch(new RegExp(`twillctl-\\S+\\s+shop/web\\s+eth0\\s+10\\.251\\.7\\.2\\s+tw[0-9a-f]{12}\\s+/run/netns/${pod}\\s+8080/tcp`));
    expect(widest(ls.stdout.replace(/^conflist .*$/m, ''))).toBeLessThanOrEqual(80); // the test's conflist path is long
    const lsJson = run(['ls', '--json']).json;
    expect(lsJson.pods).toEqual([
      expect.objectContaining({ network: 'ctlnet', pod: 'shop/web', ifname: 'eth0', ips: ['10.251.7.2'], ports: ['8080/tcp'], vethPresent: true, netnsPresent: true, leaked: false }),
    ]);

    for (const query of ['web', 'shop/web', '10.251.7.2', lsJson.pods[0].containerId]) {
      const inspect = run(['inspect', query, '--json']);
      expect(inspect.code).toBe(0);
      expect(inspect.json.pod.pod).toBe('shop/web');
    }
    const inspect = run(['inspect', 'web']);
    expect(inspect.stdout).toMatch(/eth0\s+0a:58:0a:fb:07:02\s+1500\s+10\.251\.7\.2\/24/);
    expect(inspect.stdout).toMatch(/host veth:\s+tw[0-9a-f]{12} on twctl0, UP/);
    expect(inspect.stdout).toContain('10.251.7.0/24 dev eth0');
    expect(inspect.stdout).toMatch(/ports:\s+8080\/tcp → 10\.251\.7\.2:80\n/);
    expect(inspect.stdout).toContain('NAT (nftables, table inet twill):');
    expect(inspect.stdout).toMatch(/hostports4\s+tcp \. 8080 : 10\.251\.7\.2 \. 80/);
    expect(inspect.stdout).toMatch(/prerouting\s+fib daddr type local dnat ip to meta l4proto \. th dport map\s+@hostports4\n/);
    expect(widest(inspect.stdout)).toBeLessThanOrEqual(80);
    const natJson = run(['inspect', 'web', '--json']).json;
    expect(natJson.portMappings).toEqual([{ tag: expect.stringMatching(/^tw[0-9a-f]{12} ctlnet$/), family: 4, protocol: 'tcp', hostPort: 8080, target: '10.251.7.2:80' }]);
    expect(natJson.nat.backend).toBe('nftables');
    expect(natJson.nat.rules).toContainEqual({ where: 'pods4', text: '10.251.7.0/24' });
    expect(run(['inspect', 'nobody']).code).toBe(2);

    expect(run(['check', 'ctlnet', pod]).code).toBe(0);
    const del = run(['del', 'ctlnet', pod]);
    expect(del.code).toBe(0);
    expect(run(['ls', '--json']).json.pods).toEqual([]);
  });

  test('a pod whose namespace and veth vanished without DEL is a leaked reservation once older than --min-age: ipam exits 1, gc releases it only with --yes', () => {
    dirs.conflist('10-ctl.conflist', netConf(node(), { name: 'ctlnet', bridge: 'twctl0', subnet: '10.251.7.0/24' }));
    const live = node().pod();
    const gone = node().pod();
    expect(run(['add', 'ctlnet', live, '--pod', 'shop/web']).code).toBe(0);
    expect(run(['add', 'ctlnet', gone, '--pod', 'shop/lost']).code).toBe(0);
    const lost = run(['inspect', 'lost', '--json']).json.pod;
    node().namespaces.remove(gone); // the veth goes with it: nothing of the pod is left but its address

    // Seconds old: as far as twillctl can tell, an ADD still in flight. Not a leak yet.
    const young = run(['ipam']);
    expect(young.code).toBe(0);
    expect(young.stdout).toContain('leaked reservations: 0\nnot counted: 1 younger than --min-age');
    expect(run(['gc', '--yes', '--json']).json).toMatchObject({ leaked: [], settling: 1 });
    expect(run(['inspect', 'lost']).stdout).toContain('(no veth yet: an ADD in flight?)');

    const ipam = run(['ipam', '--min-age', '0']);
    expect(ipam.code).toBe(1);
    expect(ipam.stdout).toMatch(/ctlnet\s+0\s+10\.251\.7\.0\/24\s+253\s+2\s+251\s+10\.251\.7\.3/);
    expect(ipam.stdout).toMatch(/10\.251\.7\.3\s+\S+\s+eth0\s+shop\/lost\s+no veth, netns gone/);
    expect(widest(ipam.stdout)).toBeLessThanOrEqual(80);
    expect(run(['ipam', '--json', '--min-age', '0']).json.leaked).toEqual([{ network: 'ctlnet', ips: ['10.251.7.3'], containerId: lost.containerId, ifname: 'eth0', pod: 'shop/lost', why: 'no veth, netns gone' }]);

    const dry = run(['gc', '--json', '--min-age', '0']);
    expect(dry.code).toBe(1);
    expect(dry.json).toMatchObject({ dryRun: true, leaked: [{ ips: ['10.251.7.3'], released: false }] });
    expect(node().reservations('ctlnet').ips.sort()).toEqual(['10.251.7.2', '10.251.7.3']);

    const gc = run(['gc', '--yes', '--min-age', '0']);
    expect(gc.code).toBe(0);
    expect(gc.stdout).toMatch(/10\.251\.7\.3.*released/);
    expect(gc.stderr).toContain(`twillctl gc: released 10.251.7.3 of network ctlnet (container ${lost.containerId}/eth0`);
    expect(node().reservations('ctlnet').ips).toEqual(['10.251.7.2']);
    expect(run(['ipam', '--min-age', '0']).code).toBe(0);
    expect(run(['del', 'ctlnet', live]).code).toBe(0);
  });

  test('usage errors exit 2; --help exits 0; every command has --help', () => {
    expect(run(['ls', '--bogus']).code).toBe(2);
    expect(run(['add', 'nonet', 'x']).code).toBe(2);
    expect(run(['add', 'ctlnet']).code).toBe(2);
    for (const c of ['status', 'ls', 'inspect', 'ipam', 'gc', 'peers', 'doctor', 'add', 'check', 'del', 'completion']) {
      const help = run([c, '--help']);
      expect({ c, code: help.code }).toEqual({ c, code: 0 });
      expect(help.stdout).toContain(`Usage: twillctl ${c}`);
    }
    const completion = run(['completion', 'bash']);
    expect(completion.stdout).toContain('complete -F _twillctl twillctl');
    expect(completion.stdout).toContain('--ports');
  });
});
