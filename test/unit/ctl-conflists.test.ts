import { getsStatusAndGc, parseConfFile, twillNetworks } from '../../cni/ctl/read/conflists';

describe('twillctl reads the CNI config directory as libcni does', () => {
  test('the highest of cniVersion and cniVersions decides STATUS/GC', () => {
    const f = parseConfFile('10-pods.conflist', JSON.stringify({ cniVersion: '1.0.0', cniVersions: ['1.0.0', '1.1.0'], name: 'pods', plugins: [{ type: 'twill', bridge: 'tw0', mtu: 1450, ipam: { type: 'twill-ipam' } }] }));
    expect(f).toMatchObject({ network: 'pods', cniVersion: '1.0.0', highest: '1.1.0', types: ['twill'], twill: { bridge: 'tw0', mtu: 1450, ipMasq: false } });
    expect(getsStatusAndGc(f.highest)).toBe(true);
    expect(getsStatusAndGc('0.4.0')).toBe(false);
    expect(getsStatusAndGc(undefined)).toBe(false);
  });

  test('a single-plugin .conf is a one-plugin list; other files are not twill networks; garbage is an error', () => {
    const conf = parseConfFile('99-x.conf', JSON.stringify({ cniVersion: '0.3.1', name: 'x', type: 'twill' }));
    expect(conf).toMatchObject({ network: 'x', types: ['twill'], twill: { bridge: 'twill0' } });
    const other = parseConfFile('05-flannel.conflist', JSON.stringify({ cniVersion: '0.3.1', name: 'cbr0', plugins: [{ type: 'flannel' }] }));
    expect(other.twill).toBeUndefined();
    expect(parseConfFile('bad.conflist', '{').error).toMatch(/not JSON/);
    expect(twillNetworks([conf, other]).map((f) => f.network)).toEqual(['x']);
    expect(twillNetworks([conf, other], 'y')).toEqual([]);
  });
});
