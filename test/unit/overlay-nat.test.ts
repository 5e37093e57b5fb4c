// The NAT exemption sets: the containment sweep (against the pairwise definition it replaced)
// and the keeper's deltas (what it writes, and its fallback to a read-back and full rewrite).
import { CommandError } from '../../cni/host/errors';
import type { AsyncRunner } from '../../cni/host/run-async';
import { NoMasqueradeSets, noMasqueradeCidrs, noMasqueradeDelta } from '../../daemonset/overlay/nat';
import { cidrContains, formatCidr, parseCidr, canonicalNetwork, type Cidr } from '../../ipam/net/cidr';

/** The O(n²) definition: canonical, unique, none contained in another. */
function pairwise(cidrs: string[]): string[] {
  const nets = [...new Map(cidrs.map(parseCidr).filter((c): c is Cidr => c !== undefined).map(canonicalNetwork).map((c) => [formatCidr(c), c])).values()];
  return nets.filter((c) => !nets.some((o) => o !== c && o.prefix < c.prefix && cidrContains(o, c.ip))).map(formatCidr).sort();
}

describe('noMasqueradeCidrs', () => {
  it('agrees with the pairwise definition on nested, disjoint, duplicate and mixed-family networks', () => {
    let seed = 7;
    const rnd = (n: number) => ((seed = (seed * 1103515245 + 12345) % 2 ** 31), seed % n);
    for (let round = 0; round < 20; round++) {
      const cidrs = Array.from({ length: 60 }, () =>
        rnd(4) === 0 ? `fd00:${rnd(4)}:${rnd(4)}::/${[32, 48, 64][rnd(3)]}` : `10.${rnd(3)}.${rnd(8)}.${rnd(256)}/${[8, 16, 20, 24, 28, 32][rnd(6)]}`,
      );
      expect(noMasqueradeCidrs(cidrs).map(formatCidr)).toEqual(pairwise(cidrs));
    }
  });

  it('keeps 5,000 node subnets in well under a second', () => {
    const cidrs = Array.from({ length: 5000 }, (_, i) => `10.${128 + (i >> 8)}.${i & 255}.0/24`);
    const t = performance.now();
    expect(noMasqueradeCidrs(cidrs)).toHaveLength(5000);
    expect(performance.now() - t).toBeLessThan(500);
  });
});

function fakeNft(sets: { 4: Set<string>; 6: Set<string> }) {
  const scripts: string[] = [];
  let lists = 0;
  const runner: AsyncRunner = async (argv, opts) => {
    if (argv.includes('list')) {
      lists += 1;
      const f = argv.at(-1) === 'nomasq6' ? 6 : 4;
      return { stdout: JSON.stringify({ nftables: [{ set: { elem: [...sets[f]] } }] }), stderr: '' };
    }
    const script = opts?.input ?? '';
    scripts.push(script);
    for (const m of script.matchAll(/^flush set inet twill nomasq(4|6)$/gm)) sets[m[1] === '6' ? 6 : 4].clear();
    for (const m of script.matchAll(/^(delete|add) element inet twill nomasq(4|6) \{ (.*) \}$/gm)) {
      const set = sets[m[2] === '6' ? 6 : 4];
      for (const k of m[3].split(', ')) {
        if (m[1] === 'delete' && !set.delete(k)) throw new CommandError({ argv, exitCode: 1, stderr: `Error: Could not process rule: No such file or directory (${k})` });
        if (m[1] === 'add') set.add(k);
      }
    }
    return { stdout: '', stderr: '' };
  };
  return { runner, scripts, lists: () => lists };
}

describe('NoMasqueradeSets', () => {
  it('writes deletes before adds, each family in its set', () => {
    expect(noMasqueradeDelta(['10.1.0.0/24', 'fd00::/64'], ['10.0.0.0/8'])).toBe(
      [
        'add table inet twill',
        'add set inet twill nomasq4 { type ipv4_addr; flags interval; }',
        'add set inet twill nomasq6 { type ipv6_addr; flags interval; }',
        'delete element inet twill nomasq4 { 10.1.0.0/24 }',
        'delete element inet twill nomasq6 { fd00::/64 }',
        'add element inet twill nomasq4 { 10.0.0.0/8 }',
        '',
      ].join('\n'),
    );
  });

  it('after a verified pass writes only the change, without reading the sets back', async () => {
    const nft = fakeNft({ 4: new Set(['10.1.0.0/24', '10.1.1.0/24']), 6: new Set() });
    const sets = new NoMasqueradeSets(nft.runner);
    expect(await sets.sync(['10.1.0.0/24', '10.1.1.0/24'], true)).toBe(false);
    expect([nft.lists(), nft.scripts.length]).toEqual([2, 0]);
    expect(await sets.sync(['10.1.0.0/24', '10.1.2.0/24'], false)).toBe(true);
    expect(nft.lists()).toBe(2);
    expect(nft.scripts).toHaveLength(1);
    expect(nft.scripts[0]).toMatch(/^delete element inet twill nomasq4 \{ 10\.1\.1\.0\/24 \}\nadd element inet twill nomasq4 \{ 10\.1\.2\.0\/24 \}$/m);
    expect(await sets.sync(['10.1.2.0/24', '10.1.0.0/24'], false)).toBe(false);
    expect(nft.scripts).toHaveLength(1);
  });

  it('reads back and rewrites when a delta is refused (the sets changed behind its back)', async () => {
    const state = { 4: new Set(['10.1.0.0/24']), 6: new Set<string>() };
    const nft = fakeNft(state);
    const sets = new NoMasqueradeSets(nft.runner);
    await sets.sync(['10.1.0.0/24'], true);
    state[4].clear();
    expect(await sets.sync(['10.1.2.0/24'], false)).toBe(true);
    expect(nft.lists()).toBe(4);
    expect(nft.scripts.at(-1)).toMatch(/^flush set inet twill nomasq4$/m);
    expect([...state[4]]).toEqual(['10.1.2.0/24']);
    expect(await sets.sync(['10.1.2.0/24'], true)).toBe(false);
  });
});
