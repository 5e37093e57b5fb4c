import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync, utimesSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readReadinessFile } from '../../cni/host/readiness-file';
import { rangeSubnets, readinessProblem } from '../../cni/plugin/readiness';
import { conflistFor } from '../../daemonset/cni-config/conflist';
import { readinessPath, removeReadiness, writeReadiness } from '../../daemonset/cni-config/readiness';
import type { NetworkSettings } from '../../daemonset/config/types';

let runDir: string;
beforeEach(() => {
  runDir = join(mkdtempSync(join(tmpdir(), 'twill-run-')), 'twill');
});
afterEach(() => rmSync(join(runDir, '..'), { recursive: true, force: true }));

const network: NetworkSettings = { name: 'twill', bridge: 'twill0', vni: 1, clusterCIDRs: [], nodePrefixLength: { ipv4: 24, ipv6: 64 }, ipMasq: true };

describe('the readiness file', () => {
  test('readinessPath', () => {
    expect(readinessPath('/run/twill', 'twill')).toBe('/run/twill/ready-twill.json');
  });

  test('written once (run dir created), canonical and IPv4 first; rewritten only when it changes', async () => {
    const r = { runDir, network: 'twill', subnets: ['fd00:10:244:3::/64', '10.244.3.0/24'], mtu: 1450 };
    expect(await writeReadiness(r)).toBe(true);
    const path = readinessPath(runDir, 'twill');
    expect(JSON.parse(readFileSync(path, 'utf8'))).toEqual({ network: 'twill', subnets: ['10.244.3.0/24', 'fd00:10:244:3::/64'], mtu: 1450 });
    expect(statSync(path).mode & 0o777).toBe(0o644);
    const old = new Date('2001-01-01T00:00:00Z');
    utimesSync(path, old, old);
    expect(await writeReadiness({ ...r, subnets: [...r.subnets].reverse() })).toBe(false);
    expect(statSync(path).mtimeMs).toBe(old.getTime());
    expect(await writeReadiness({ ...r, mtu: 1400, agentVersion: '0.1.0' })).toBe(true);
    expect(JSON.parse(readFileSync(path, 'utf8'))).toEqual({ network: 'twill', subnets: ['10.244.3.0/24', 'fd00:10:244:3::/64'], mtu: 1400, agentVersion: '0.1.0' });
    expect(readdirSync(runDir)).toEqual(['ready-twill.json']);
  });

  test('what writeReadiness writes satisfies the plugin for the conflist conflistFor wrote; another subnet does not', async () => {
    const subnets = ['10.244.3.0/24', 'fd00:10:244:3::/64'];
    const plugin = (conflistFor({ network, subnets, mtu: 1450, ipamDataDir: '/var/lib/cni/networks', runDir, podNetwork: true }) as any).plugins[0];
    const check = () => readinessProblem({ network: 'twill', path: plugin.readiness, read: readReadinessFile(plugin.readiness), rangeSubnets: rangeSubnets(plugin.ipam) });
    expect(check()).toMatch(/\(.*ready-twill.json missing\)$/);
    await writeReadiness({ runDir, network: 'twill', subnets, mtu: 1450 });
    expect(check()).toBeUndefined();
    await writeReadiness({ runDir, network: 'twill', subnets: ['10.244.4.0/24'], mtu: 1450 });
    expect(check()).toMatch(/set this node up for 10.244.4.0\/24 .* but ipam.ranges holds 10.244.3.0\/24, fd00:10:244:3::\/64$/);
  });

  test('removeReadiness', async () => {
    await writeReadiness({ runDir, network: 'blue', subnets: ['10.77.5.0/24'], mtu: 1450 });
    expect(await removeReadiness({ runDir, network: 'blue' })).toBe(true);
    expect(await removeReadiness({ runDir, network: 'blue' })).toBe(false);
    expect(readdirSync(runDir)).toEqual([]);
  });
});
