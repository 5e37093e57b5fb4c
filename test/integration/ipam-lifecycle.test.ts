// One attachment's life: ADD is idempotent, addresses go round-robin, DEL is idempotent and
// needs no netns, CHECK tells a live attachment from a released one.
import { existsSync } from 'node:fs';
import { addressesOf, expectCniError, expectOk, readStore, run, useFixture } from './ipam-support';

const fixture = useFixture();

describe('ADD', () => {
  test('the same container ID + ifname gets the same addresses again', () => {
    const fx = fixture();
    const conf = fx.conf({ ranges: [[{ subnet: '10.250.1.0/24' }], [{ subnet: 'fd00:250:1::/64' }]] });
    const first = fx.add(conf);
    fx.add(conf, { containerId: 'other' });
    const again = fx.add(conf);
    expect(again.stdout).toBe(first.stdout);
    expect(readStore(fx.storeDir()).reservations.size).toBe(4);
  });

  test('another interface of the same container is another attachment', () => {
    const fx = fixture();
    const conf = fx.conf();
    expect(addressesOf(fx.add(conf, { ifname: 'eth0' }))).toEqual(['10.250.1.2']);
    expect(addressesOf(fx.add(conf, { ifname: 'net1' }))).toEqual(['10.250.1.3']);
  });

  test('the data dir is created on first use', () => {
    const fx = fixture();
    expect(existsSync(fx.dataDir)).toBe(false);
    fx.add(fx.conf());
    expect(existsSync(fx.storeDir())).toBe(true);
  });

  test('networks with different names keep separate stores', () => {
    const fx = fixture();
    expect(addressesOf(fx.add(fx.conf({}, { name: 'net-a' })))).toEqual(['10.250.1.2']);
    expect(addressesOf(fx.add(fx.conf({}, { name: 'net-b' })))).toEqual(['10.250.1.2']);
    fx.del(fx.conf({}, { name: 'net-a' }));
    expect(readStore(fx.storeDir('net-b')).reservations.has('10.250.1.2')).toBe(true);
  });
});

describe('round-robin', () => {
  test('a released address is not handed out again at once', () => {
    const fx = fixture();
    const conf = fx.conf();
    expect(addressesOf(fx.add(conf, { containerId: 'a' }))).toEqual(['10.250.1.2']);
    fx.del(conf, { containerId: 'a' });
    expect(addressesOf(fx.add(conf, { containerId: 'b' }))).toEqual(['10.250.1.3']);
    expect(addressesOf(fx.add(conf, { containerId: 'c' }))).toEqual(['10.250.1.4']);
  });

  test('wraps around to free addresses at the start of the range', () => {
    const fx = fixture();
    const conf = fx.conf({ ranges: [[{ subnet: '10.250.1.0/24', rangeStart: '10.250.1.10', rangeEnd: '10.250.1.12' }]] });
    for (const id of ['a', 'b', 'c']) fx.add(conf, { containerId: id });
    fx.del(conf, { containerId: 'b' });
    fx.del(conf, { containerId: 'a' });
    // .12 was handed out last: the search wraps to .10 (a's, freed) before .11 (b's).
    expect(addressesOf(fx.add(conf, { containerId: 'd' }))).toEqual(['10.250.1.10']);
    expect(addressesOf(fx.add(conf, { containerId: 'e' }))).toEqual(['10.250.1.11']);
  });
});

describe('DEL', () => {
  test('twice in a row succeeds both times', () => {
    const fx = fixture();
    const conf = fx.conf();
    fx.add(conf);
    fx.del(conf);
    fx.del(conf);
  });

  test('for a container that never had an address succeeds', () => {
    const fx = fixture();
    const conf = fx.conf();
    fx.add(conf, { containerId: 'real' });
    expectOk(run('DEL', conf, { containerId: 'never-added' }));
    expect(readStore(fx.storeDir()).reservations.size).toBe(1);
  });

  test('before the store exists succeeds and creates nothing', () => {
    const fx = fixture();
    expectOk(run('DEL', fx.conf()));
    expect(existsSync(fx.dataDir)).toBe(false);
  });

  test('works with CNI_NETNS unset (the runtime lost the namespace)', () => {
    const fx = fixture();
    const conf = fx.conf();
    fx.add(conf);
    fx.del(conf, { netns: undefined });
  });

  test('works with CNI_NETNS empty', () => {
    const fx = fixture();
    const conf = fx.conf();
    fx.add(conf);
    fx.del(conf, { netns: '' });
  });

  test('releases only the given interface', () => {
    const fx = fixture();
    const conf = fx.conf();
    fx.add(conf, { ifname: 'eth0' });
    fx.add(conf, { ifname: 'net1' });
    fx.del(conf, { ifname: 'eth0' });
    expect([...readStore(fx.storeDir()).reservations.keys()]).toEqual(['10.250.1.3']);
  });

  test('still releases when the rest of the config has since become invalid', () => {
    const fx = fixture();
    fx.add(fx.conf());
    fx.del(fx.conf({ ranges: [[{ subnet: 'garbage' }]], routes: 'not a list' }));
  });

  test('ignores the prevResult it is given', () => {
    const fx = fixture();
    const conf = fx.conf();
    const added = fx.add(conf);
    fx.del({ ...conf, prevResult: added.json });
  });
});

describe('CHECK', () => {
  test('passes while the attachment holds its addresses, fails (code 103) once released', () => {
    const fx = fixture();
    const conf = fx.conf();
    const added = fx.add(conf);
    expectOk(run('CHECK', { ...conf, prevResult: added.json }));
    fx.del(conf);
    expectCniError(run('CHECK', { ...conf, prevResult: added.json }), 103, /twt-ipam.*ctr-1\/eth0 holds no address/);
  });

  test('fails (code 103) when the config gained a range set the attachment has no address in', () => {
    const fx = fixture();
    const conf = fx.conf();
    fx.add(conf);
    const dual = fx.conf({ ranges: [[{ subnet: '10.250.1.0/24' }], [{ subnet: 'fd00:250:1::/64' }]] });
    expectCniError(run('CHECK', dual), 103, /range set 1/);
  });
});
