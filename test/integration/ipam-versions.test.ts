// Every verb in every spec version twill-ipam speaks, run as a runtime runs it, plus version
// negotiation (`cniVersions`) and unsupported versions.
import { LATEST, NETWORK, NO_ATTACHMENT, VERSIONS, expectCniError, expectOk, readStore, run, snapshotTree, useFixture, versionBefore, type Json } from './ipam-support';

const fixture = useFixture();

/** Dual-stack, so the result shape is checked for both families. */
function dualStack(version: string): Json {
  return fixture().conf(
    { ranges: [[{ subnet: '10.250.1.0/24' }], [{ subnet: 'fd00:250:1::/64' }]], routes: [{ dst: '0.0.0.0/0' }] },
    { cniVersion: version },
  );
}

describe.each(VERSIONS)('cniVersion %s', (version) => {
  test('ADD returns an abbreviated result in this version\'s shape', () => {
    const fx = fixture();
    const r = fx.add(dualStack(version));
    const withVersion = versionBefore(version, '1.0.0');
    expect(r.json).toEqual({
      cniVersion: version,
      ips: [
        { ...(withVersion ? { version: '4' } : {}), address: '10.250.1.2/24', gateway: '10.250.1.1' },
        { ...(withVersion ? { version: '6' } : {}), address: 'fd00:250:1::2/64', gateway: 'fd00:250:1::1' },
      ],
      routes: [{ dst: '0.0.0.0/0' }],
      dns: {},
    });
    expect(r.json).not.toHaveProperty('interfaces');
  });

  test('DEL releases the attachment\'s addresses', () => {
    const fx = fixture();
    const conf = dualStack(version);
    fx.add(conf);
    expect(readStore(fx.storeDir()).reservations.size).toBe(2);
    const r = fx.del(conf);
    expect(r.stdout).toBe('');
    expect(readStore(fx.storeDir()).reservations.size).toBe(0);
  });

  test(`CHECK ${versionBefore(version, '0.4.0') ? 'is refused (code 1)' : 'passes for a live attachment'}`, () => {
    const fx = fixture();
    const conf = dualStack(version);
    const added = fx.add(conf);
    const r = run('CHECK', { ...conf, prevResult: added.json });
    if (versionBefore(version, '0.4.0')) {
      expectCniError(r, 1, /CHECK.*0\.4\.0|CHECK is not defined/, version);
    } else {
      expectOk(r);
      expect(r.stdout).toBe('');
      // and fails for an attachment that holds nothing
      expectCniError(run('CHECK', conf, { containerId: 'ctr-unknown' }), 103, /ctr-unknown/, version);
    }
  });

  test(`STATUS ${versionBefore(version, '1.1.0') ? 'is refused (code 1)' : 'succeeds'}`, () => {
    const r = run('STATUS', dualStack(version), NO_ATTACHMENT);
    if (versionBefore(version, '1.1.0')) expectCniError(r, 1, /STATUS/, version);
    else expect(expectOk(r).stdout).toBe('');
  });

  test(`GC ${versionBefore(version, '1.1.0') ? 'is refused (code 1) and releases nothing' : 'releases what is not listed'}`, () => {
    const fx = fixture();
    const conf = dualStack(version);
    fx.add(conf, { containerId: 'keep' });
    fx.add(conf, { containerId: 'drop' });
    const valid = [{ containerID: 'keep', ifname: 'eth0' }];
    const before = snapshotTree(fx.storeDir());
    const r = run('GC', { ...conf, 'cni.dev/valid-attachments': valid }, NO_ATTACHMENT);
    if (versionBefore(version, '1.1.0')) {
      expectCniError(r, 1, /GC/, version);
      expect(snapshotTree(fx.storeDir())).toEqual(before);
    } else {
      expect(expectOk(r).stdout).toBe('');
      fx.keepOnly(NETWORK, valid);
    }
  });

  test('VERSION lists every supported version', () => {
    const r = expectOk(run('VERSION', { cniVersion: version }, NO_ATTACHMENT));
    expect(r.json).toEqual({ cniVersion: LATEST, supportedVersions: [...VERSIONS] });
  });
});

describe('version negotiation', () => {
  test('VERSION needs neither a config nor the other variables', () => {
    const r = expectOk(run('VERSION', '', { ...NO_ATTACHMENT, env: { CNI_PATH: undefined } }));
    expect(r.json).toEqual({ cniVersion: LATEST, supportedVersions: [...VERSIONS] });
  });

  test('without cniVersion, the highest common entry of cniVersions is spoken', () => {
    const fx = fixture();
    const { cniVersion: _, ...conf } = fx.conf({}, { cniVersions: ['0.3.1', '1.0.0', '0.4.0', '2.0.0'] });
    const r = fx.add(conf);
    expect(r.json.cniVersion).toBe('1.0.0');
    expect(r.json.ips[0]).not.toHaveProperty('version');
  });

  test('negotiation down to an old version gives the old result shape', () => {
    const fx = fixture();
    const { cniVersion: _, ...conf } = fx.conf({}, { cniVersions: ['0.3.1', '0.4.0', '0.1.0'] });
    const r = fx.add(conf, { containerId: 'old' });
    expect(r.json).toMatchObject({ cniVersion: '0.4.0', ips: [{ version: '4', address: '10.250.1.2/24' }] });
  });

  test('cniVersion wins over cniVersions when both are given', () => {
    const fx = fixture();
    const r = fx.add(fx.conf({}, { cniVersion: '0.3.1', cniVersions: ['1.0.0', '1.1.0'] }));
    expect(r.json.cniVersion).toBe('0.3.1');
  });

  test.each(['0.1.0', '0.2.0', '1.2.0', '2.0.0', 'latest'])('unsupported cniVersion %s → code 1, nothing allocated', (v) => {
    const fx = fixture();
    const r = run('ADD', fx.conf({}, { cniVersion: v }));
    expectCniError(r, 1, new RegExp(`cniVersion: "${v.replace(/\./g, '\\.')}" is not supported`));
    expect(r.json.details).toContain(VERSIONS.join(', '));
  });

  test('cniVersions with no common version → code 1', () => {
    const fx = fixture();
    const { cniVersion: _, ...conf } = fx.conf({}, { cniVersions: ['0.1.0', '0.2.0', '3.0.0'] });
    expectCniError(run('ADD', conf), 1, /cniVersions/);
  });

  test('an error in an old dialect is reported in that dialect', () => {
    const fx = fixture();
    expectCniError(run('ADD', fx.conf({ ranges: 'nope' }, { cniVersion: '0.3.1' })), 7, /ipam\.ranges/, '0.3.1');
  });
});
