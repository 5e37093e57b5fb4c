// The isolation table between overlay networks (inet twilld): its script, and the comparison
// that keeps it from being rewritten when the kernel already holds it.
import { CommandError } from '../../cni/host/errors';
import type { AsyncRunner } from '../../cni/host/run-async';
import { isolationDelta, isolationFingerprint, isolationScript, isolationSets, IsolationTable, wantedFingerprint } from '../../daemonset/overlay/isolation';

const NETS = [['10.213.0.0/16', 'fd13::/56'], ['10.215.0.0/16', 'fd15::/56']];

describe('isolationScript', () => {
  it('replaces the table: per network and family a set, the union, and a drop from each network to any other', () => {
    const script = isolationScript(NETS);
    const lines = script.trim().split('\n');
    expect(lines.slice(0, 3)).toEqual(['add table inet twilld', 'delete table inet twilld', 'add table inet twilld']);
    expect(lines).toContain('add chain inet twilld forward { type filter hook forward priority filter; policy accept; }');
    expect(lines.filter((l) => l.startsWith('add rule'))).toEqual([
      'add rule inet twilld forward ip saddr @n0_4 ip daddr @all4 ip daddr != @n0_4 drop',
      'add rule inet twilld forward ip6 saddr @n0_6 ip6 daddr @all6 ip6 daddr != @n0_6 drop',
      'add rule inet twilld forward ip saddr @n1_4 ip daddr @all4 ip daddr != @n1_4 drop',
      'add rule inet twilld forward ip6 saddr @n1_6 ip6 daddr @all6 ip6 daddr != @n1_6 drop',
    ]);
    expect(lines).toContain('add element inet twilld all4 { 10.213.0.0/16, 10.215.0.0/16 }');
    expect(lines).toContain('add element inet twilld n1_6 { fd15::/56 }');
    expect(lines).toContain('add set inet twilld n0_6 { type ipv6_addr; flags interval; }');
  });

  it('with one network: only the removal of a table left from an earlier config', () => {
    expect(isolationScript([NETS[0]])).toBe('add table inet twilld\ndelete table inet twilld\n');
  });

  it('reduces nested destinations (node subnets inside a network) and never writes an empty element list', () => {
    const sets = isolationSets([['10.244.1.0/24', '10.244.0.0/16', '10.244.2.0/24'], ['10.215.0.0/16']]);
    expect(sets).toEqual({ n0_4: ['10.244.0.0/16'], n0_6: [], n1_4: ['10.215.0.0/16'], n1_6: [], all4: ['10.215.0.0/16', '10.244.0.0/16'], all6: [] });
    expect(isolationScript([['10.244.0.0/16'], ['10.215.0.0/16']])).not.toMatch(/n0_6 \{ \}/);
  });
});

/** `nft -j list table inet twilld` as the kernel would answer for `networks`. */
function listing(networks: string[][], o: { dropRule?: boolean; extra?: string } = {}) {
  const sets = Object.entries(isolationSets(networks)).map(([name, keys]) => ({ set: { name, elem: [...keys, ...(o.extra && name === 'all4' ? [o.extra] : [])].map((k) => (k.includes('/') ? { prefix: { addr: k.split('/')[0], len: Number(k.split('/')[1]) } } : k)) } }));
  const rules = Array.from({ length: 2 * networks.length - (o.dropRule ? 1 : 0) }, () => ({ rule: { chain: 'forward' } }));
  return { nftables: [{ metainfo: {} }, { table: { name: 'twilld' } }, ...sets, { chain: { name: 'forward', hook: 'forward' } }, ...rules] };
}

describe('IsolationTable', () => {
  it('matches what the kernel lists back, and tells a missing rule or element apart', () => {
    expect(isolationFingerprint(listing(NETS).nftables)).toBe(wantedFingerprint(NETS));
    expect(isolationFingerprint(listing(NETS, { dropRule: true }).nftables)).not.toBe(wantedFingerprint(NETS));
    expect(isolationFingerprint(listing(NETS, { extra: '10.9.0.0/16' }).nftables)).not.toBe(wantedFingerprint(NETS));
    expect(wantedFingerprint([NETS[0]])).toBeUndefined();
    expect(isolationFingerprint(undefined)).toBeUndefined();
  });

  function fakeNft(table: () => object | undefined, refuse = () => false) {
    const calls: string[][] = [];
    const scripts: string[] = [];
    const runner: AsyncRunner = async (argv, opts) => {
      calls.push([...argv]);
      if (argv[1] === '-f') {
        scripts.push(String(opts?.input));
        if (refuse()) throw new CommandError({ argv: [...argv], exitCode: 1, stderr: 'Error: Could not process rule' });
      }
      if (argv[1] === '-j') {
        const t = table();
        if (!t) throw new CommandError({ argv: [...argv], exitCode: 1, stderr: 'Error: No such file or directory' });
        return { stdout: JSON.stringify(t), stderr: '' };
      }
      return { stdout: '', stderr: '' };
    };
    return { calls, scripts, runner };
  }

  it("a node joining between full passes is an element delta, not a listing and a rewrite; a refused delta falls back to both", async () => {
    const before = [['10.244.1.0/24', '10.244.2.0/24'], ['10.215.0.0/16']];
    const after = [['10.244.1.0/24', '10.244.3.0/24'], ['10.215.0.0/16']];
    let refuse = false;
    let kernel = listing(before);
    const { calls, scripts, runner } = fakeNft(() => kernel, () => refuse);
    const table = new IsolationTable(runner);
    expect(await table.sync(before, true)).toBe(false);
    expect(await table.sync(after, false)).toBe(true);
    expect(calls.filter((c) => c[1] === '-j')).toHaveLength(1);
    expect(scripts.at(-1)).toBe([
      'delete element inet twilld n0_4 { 10.244.2.0/24 }', 'delete element inet twilld all4 { 10.244.2.0/24 }',
      'add element inet twilld n0_4 { 10.244.3.0/24 }', 'add element inet twilld all4 { 10.244.3.0/24 }', '',
    ].join('\n'));
    kernel = listing(after);
    refuse = true;
    await expect(table.sync(before, false)).rejects.toThrow(); // the delta refused, then the rewrite it fell back to
    expect(calls.filter((c) => c[1] === '-j')).toHaveLength(2);
    refuse = false;
    expect(await table.sync(before, false)).toBe(true); // unknown after a failure: read back and rewritten
    expect(calls.filter((c) => c[1] === '-j')).toHaveLength(3);
    expect(scripts.at(-1)).toMatch(/^add table inet twilld\ndelete table inet twilld\nadd table inet twilld\n/);
  });

  it('isolationDelta: nothing when equal', () => {
    const sets = isolationSets(NETS);
    expect(isolationDelta(sets, isolationSets(NETS))).toBeUndefined();
  });

  it('writes only when the kernel differs; between verifies an unchanged input reads nothing', async () => {
    let kernel: object | undefined = listing(NETS);
    const { calls, runner } = fakeNft(() => kernel);
    const table = new IsolationTable(runner);
    expect(await table.sync(NETS, true)).toBe(false);
    expect(calls).toHaveLength(1); // one listing, no write
    expect(await table.sync(NETS, false)).toBe(false);
    expect(calls).toHaveLength(1);
    kernel = undefined; // deleted by hand: the next verify puts it back
    expect(await table.sync(NETS, true)).toBe(true);
    expect(calls.at(-1)).toEqual(['nft', '-f', '-']);
  });

  it('with one network removes a table left behind, then leaves it absent without reading again', async () => {
    let kernel: object | undefined = listing(NETS);
    const { calls, runner } = fakeNft(() => kernel);
    const table = new IsolationTable(runner);
    expect(await table.sync([NETS[0]], false)).toBe(true);
    kernel = undefined;
    expect(await table.sync([['10.213.0.0/16', '10.9.0.0/16']], false)).toBe(false);
    expect(calls.filter((c) => c[1] === '-j')).toHaveLength(1);
  });
});
