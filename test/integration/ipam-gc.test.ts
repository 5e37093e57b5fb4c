// GC: the runtime lists the attachments still in use; everything else is released, including
// reservations whose attachment entry vanished and temp files a killed process left.
import { readdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { NETWORK, NO_ATTACHMENT, expectCniError, expectOk, readStore, run, snapshotTree, useFixture, type Json } from './ipam-support';

const fixture = useFixture();

type Valid = Array<{ containerID: string; ifname: string }>;

function gc(conf: Json, key: string, valid: Valid) {
  return run('GC', { ...conf, [key]: valid }, NO_ATTACHMENT);
}

/** Four attachments on a dual-stack network: a/eth0, b/eth0, b/net1, c/eth0. */
function populate(conf: Json): void {
  const fx = fixture();
  fx.add(conf, { containerId: 'a' });
  fx.add(conf, { containerId: 'b' });
  fx.add(conf, { containerId: 'b', ifname: 'net1' });
  fx.add(conf, { containerId: 'c' });
}

const DUAL = { ranges: [[{ subnet: '10.250.11.0/24' }], [{ subnet: 'fd00:250:11::/64' }]] };

describe.each(['cni.dev/valid-attachments', 'cni.dev/attachments'])('GC with %s', (key) => {
  test('releases everything not listed and keeps what is listed', () => {
    const fx = fixture();
    const conf = fx.conf(DUAL);
    populate(conf);
    const valid = [{ containerID: 'a', ifname: 'eth0' }, { containerID: 'b', ifname: 'net1' }, { containerID: 'gone', ifname: 'eth0' }];
    expect(expectOk(gc(conf, key, valid)).stdout).toBe('');
    fx.keepOnly(NETWORK, valid);
    expect(readStore(fx.storeDir()).reservations.size).toBe(4);
    // The kept ones are still what CHECK and a repeated ADD see.
    expectOk(run('CHECK', conf, { containerId: 'b', ifname: 'net1' }));
    expectCniError(run('CHECK', conf, { containerId: 'b', ifname: 'eth0' }), 103);
  });

  test('an empty list releases everything', () => {
    const fx = fixture();
    const conf = fx.conf(DUAL);
    populate(conf);
    expectOk(gc(conf, key, []));
    fx.keepOnly(NETWORK, []);
    expect(readStore(fx.storeDir()).reservations.size).toBe(0);
  });

  test('listing everything releases nothing and changes nothing', () => {
    const fx = fixture();
    const conf = fx.conf(DUAL);
    populate(conf);
    const before = snapshotTree(fx.storeDir());
    const all = ['a', 'b', 'c'].map((id) => ({ containerID: id, ifname: 'eth0' })).concat({ containerID: 'b', ifname: 'net1' });
    expectOk(gc(conf, key, all));
    expect(snapshotTree(fx.storeDir())).toEqual(before);
  });
});

describe('GC', () => {
  test('a null list (an empty Go slice as libcni sends it, under both keys) releases everything', () => {
    const fx = fixture();
    const conf = fx.conf();
    populate(conf);
    expectOk(run('GC', { ...conf, 'cni.dev/valid-attachments': null, 'cni.dev/attachments': null }, NO_ATTACHMENT));
    fx.keepOnly(NETWORK, []);
  });

  test('libcni sends both keys; the newer one is used', () => {
    const fx = fixture();
    const conf = fx.conf();
    populate(conf);
    const valid = [{ containerID: 'a', ifname: 'eth0' }];
    expectOk(run('GC', { ...conf, 'cni.dev/valid-attachments': valid, 'cni.dev/attachments': valid }, NO_ATTACHMENT));
    fx.keepOnly(NETWORK, valid);
  });

  test('only touches its own network', () => {
    const fx = fixture();
    const other = fx.conf({}, { name: 'twt-other' });
    fx.add(other, { containerId: 'a' });
    const conf = fx.conf();
    populate(conf);
    expectOk(gc(conf, 'cni.dev/valid-attachments', []));
    fx.keepOnly(NETWORK, []);
    expect(readStore(fx.storeDir('twt-other')).reservations.size).toBe(1);
  });

  test('recovers a reservation whose attachment entry was lost, and removes temp-file debris', () => {
    const fx = fixture();
    const conf = fx.conf();
    populate(conf);
    // Simulate damage: c's entry directory removed by hand, a hint write cut short.
    rmSync(join(fx.storeDir(), 'attachments', 'c:eth0'), { recursive: true });
    writeFileSync(join(fx.storeDir(), '.last_reserved_ip.0.deadbeef'), '10.250.1.9');
    const valid = [{ containerID: 'a', ifname: 'eth0' }, { containerID: 'b', ifname: 'eth0' }, { containerID: 'b', ifname: 'net1' }];
    expectOk(gc(conf, 'cni.dev/valid-attachments', valid));
    fx.keepOnly(NETWORK, valid);
    expect(readdirSync(fx.storeDir()).filter((n) => n.startsWith('.'))).toEqual([]);
  });

  test('on a network that has no store yet succeeds and creates nothing', () => {
    const fx = fixture();
    expectOk(gc(fx.conf(), 'cni.dev/valid-attachments', []));
    expect(() => readdirSync(fx.dataDir)).toThrow(/ENOENT/);
  });

  test('twice in a row is harmless', () => {
    const fx = fixture();
    const conf = fx.conf();
    populate(conf);
    const valid = [{ containerID: 'c', ifname: 'eth0' }];
    expectOk(gc(conf, 'cni.dev/valid-attachments', valid));
    expectOk(gc(conf, 'cni.dev/valid-attachments', valid));
    fx.keepOnly(NETWORK, valid);
  });

  test('a released address can be allocated again afterwards', () => {
    const fx = fixture();
    const conf = fx.conf({ ranges: [[{ subnet: '10.250.12.0/30' }]] });
    fx.add(conf, { containerId: 'leaked' });
    expectCniError(run('ADD', conf, { containerId: 'new' }), 100);
    expectOk(gc(conf, 'cni.dev/valid-attachments', []));
    fx.keepOnly(NETWORK, []);
    fx.add(conf, { containerId: 'new' });
  });
});
