import * as fs from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { NetConf } from '../../cni/core/config';
import { ErrorCode } from '../../cni/core/errors';
import { allocate, checkAvailable, collectGarbage, toIpConfigs, verify, type Allocated } from '../../ipam/allocator';
import { loadIpamConfig, type IpamConfig } from '../../ipam/config';
import { formatIp } from '../../ipam/net/ip';
import { Store, type Attachment } from '../../ipam/store';
import { failure } from '../helpers/failure';

let dataDir: string;
beforeEach(() => {
  dataDir = fs.mkdtempSync(join(tmpdir(), 'twill-unit-alloc-'));
});
afterEach(() => fs.rmSync(dataDir, { recursive: true, force: true }));

const V4_SMALL = [{ subnet: '10.0.0.0/29' }]; // .1-.6, gateway .1: five addresses .2-.6
const V6_SMALL = [{ subnet: 'fd00::/126' }]; // ::1-::3, gateway ::1: two addresses ::2, ::3

function config(ranges: unknown[][], extra: Record<string, unknown> = {}, args: Record<string, string> = {}): IpamConfig {
  const conf = { cniVersion: '1.1.0', name: 'podnet', type: 'twill-ipam', ipam: { type: 'twill-ipam', ranges, dataDir }, ...extra } as NetConf;
  return loadIpamConfig(conf, args);
}

function setup(ranges: unknown[][] = [V4_SMALL]): { cfg: IpamConfig; store: Store } {
  const cfg = config(ranges);
  return { cfg, store: new Store(cfg.dataDir, cfg.network) };
}

const att = (containerId: string, ifname = 'eth0'): Attachment => ({ containerId, ifname });

function addrs(allocated: Allocated[]): string[] {
  return allocated.map((a) => formatIp(a.ip));
}

function add(store: Store, cfg: IpamConfig, a: Attachment): string[] {
  return addrs(allocate({ store, cfg, attachment: a }));
}

/** Reservation names in the network directory. */
function reservations(store: Store): string[] {
  return fs.readdirSync(store.dir).filter((n) => !n.startsWith('.') && n !== 'attachments' && !n.startsWith('last_reserved_ip.')).sort();
}

describe('allocate', () => {
  test('hands out distinct addresses in order, skipping the gateway', () => {
    const { cfg, store } = setup();
    const got = ['a', 'b', 'c', 'd', 'e'].map((id) => add(store, cfg, att(id))[0]);
    expect(got).toEqual(['10.0.0.2', '10.0.0.3', '10.0.0.4', '10.0.0.5', '10.0.0.6']);
    expect(reservations(store)).toEqual([...got].sort());
  });

  test('one address per range set: dual stack', () => {
    const { cfg, store } = setup([V4_SMALL, V6_SMALL]);
    const allocated = allocate({ store, cfg, attachment: att('a') });
    expect(allocated.map((a) => a.set)).toEqual([0, 1]);
    expect(addrs(allocated)).toEqual(['10.0.0.2', 'fd00::2']);
    expect(toIpConfigs(cfg, allocated)).toEqual([
      { address: '10.0.0.2/29', gateway: '10.0.0.1' },
      { address: 'fd00::2/126', gateway: 'fd00::1' },
    ]);
    expect(add(store, cfg, att('b'))).toEqual(['10.0.0.3', 'fd00::3']);
  });

  test('the same container on two interfaces gets two addresses', () => {
    const { cfg, store } = setup();
    expect(add(store, cfg, att('a', 'eth0'))).toEqual(['10.0.0.2']);
    expect(add(store, cfg, att('a', 'net1'))).toEqual(['10.0.0.3']);
  });

  test('re-ADD of the same attachment is idempotent', () => {
    const { cfg, store } = setup([V4_SMALL, V6_SMALL]);
    const first = add(store, cfg, att('a'));
    add(store, cfg, att('b'));
    const before = reservations(store);
    expect(add(store, cfg, att('a'))).toEqual(first);
    expect(add(store, cfg, att('a'))).toEqual(first);
    expect(reservations(store)).toEqual(before);
    expect(store.holdings(att('a'))).toEqual([
      { set: 0, ip: '10.0.0.2' },
      { set: 1, ip: 'fd00::2' },
    ]);
  });

  test('round robin: a freed address is not reused at once', () => {
    const { cfg, store } = setup();
    expect(add(store, cfg, att('a'))).toEqual(['10.0.0.2']);
    expect(add(store, cfg, att('b'))).toEqual(['10.0.0.3']);
    store.release(att('a'));
    expect(add(store, cfg, att('c'))).toEqual(['10.0.0.4']);
    expect(store.lastReserved(0)).toBe('10.0.0.4');
  });

  test('round robin wraps around to freed addresses', () => {
    const { cfg, store } = setup();
    for (const id of ['a', 'b', 'c', 'd', 'e']) add(store, cfg, att(id));
    store.release(att('b')); // 10.0.0.3
    store.release(att('d')); // 10.0.0.5
    expect(add(store, cfg, att('f'))).toEqual(['10.0.0.3']);
    expect(add(store, cfg, att('g'))).toEqual(['10.0.0.5']);
  });

  test('a hint outside the ranges (config changed) is ignored', () => {
    const { cfg, store } = setup();
    store.ensure();
    store.setLastReserved(0, '10.9.9.9');
    expect(add(store, cfg, att('a'))).toEqual(['10.0.0.2']);
  });

  test('exhaustion is code 100 naming the network and the range set, and reserves nothing', () => {
    const { cfg, store } = setup();
    for (const id of ['a', 'b', 'c', 'd', 'e']) add(store, cfg, att(id));
    const before = reservations(store);
    const err = failure(() => add(store, cfg, att('f')));
    expect(err.code).toBe(ErrorCode.rangeExhausted);
    expect(err.message).toBe('network "podnet": no free address in range set 0 (10.0.0.1-10.0.0.6 in 10.0.0.0/29)');
    expect(err.details).toContain('all 5 addresses are allocated');
    expect(reservations(store)).toEqual(before);
    expect(store.holdings(att('f'))).toEqual([]);
    expect(store.attachments().map((a) => a.containerId).sort()).toEqual(['a', 'b', 'c', 'd', 'e']);
  });

  test('dual stack with the second set exhausted rolls back the first', () => {
    const { cfg, store } = setup([V4_SMALL, V6_SMALL]);
    add(store, cfg, att('a'));
    add(store, cfg, att('b'));
    const before = reservations(store);
    const err = failure(() => add(store, cfg, att('c')));
    expect(err.code).toBe(ErrorCode.rangeExhausted);
    expect(err.message).toContain('range set 1');
    expect(reservations(store)).toEqual(before);
    expect(store.isTaken('10.0.0.4')).toBe(false);
    expect(store.holdings(att('c'))).toEqual([]);
    expect(fs.existsSync(join(store.dir, 'attachments', 'c:eth0'))).toBe(false);
    // the IPv4 address it briefly held is free again
    store.release(att('a'));
    expect(add(store, config([V4_SMALL, V6_SMALL], { runtimeConfig: { ips: ['10.0.0.4'] } }), att('d'))).toEqual(['10.0.0.4', 'fd00::2']);
  });

  test('a failed re-ADD keeps what the attachment held before', () => {
    const dual = [V4_SMALL, V6_SMALL];
    const { cfg, store } = setup(dual);
    expect(add(store, cfg, att('a'))).toEqual(['10.0.0.2', 'fd00::2']);
    add(store, cfg, att('b')); // holds fd00::3
    const moved = config(dual, { runtimeConfig: { ips: ['fd00::3'] } });
    expect(failure(() => add(store, moved, att('a'))).code).toBe(ErrorCode.addressInUse);
    expect(store.holdings(att('a'))).toContainEqual({ set: 0, ip: '10.0.0.2' });
    expect(store.holdings(att('b'))).toEqual([
      { set: 0, ip: '10.0.0.3' },
      { set: 1, ip: 'fd00::3' },
    ]);
  });

  test('a requested address is reserved, and does not move the hint', () => {
    const cfg = config([V4_SMALL], { runtimeConfig: { ips: ['10.0.0.5'] } });
    const store = new Store(cfg.dataDir, cfg.network);
    expect(add(store, cfg, att('a'))).toEqual(['10.0.0.5']);
    expect(store.lastReserved(0)).toBeUndefined();
    const plain = config([V4_SMALL]);
    expect(['b', 'c', 'd', 'e'].map((id) => add(store, plain, att(id))[0])).toEqual(['10.0.0.2', '10.0.0.3', '10.0.0.4', '10.0.0.6']);
  });

  test('a requested address in use is code 101 naming the holder', () => {
    const { cfg, store } = setup();
    add(store, cfg, att('holder', 'net1'));
    const wants = config([V4_SMALL], {}, { IP: '10.0.0.2' });
    const err = failure(() => add(store, wants, att('b')));
    expect(err.code).toBe(ErrorCode.addressInUse);
    expect(err.message).toBe('requested address 10.0.0.2 is already allocated to container holder (net1)');
    expect(store.holdings(att('b'))).toEqual([]);
    expect(store.holdings(att('holder', 'net1'))).toEqual([{ set: 0, ip: '10.0.0.2' }]);
  });

  test('a requested address already held by the same attachment is idempotent', () => {
    const cfg = config([V4_SMALL], {}, { IP: '10.0.0.4' });
    const store = new Store(cfg.dataDir, cfg.network);
    expect(add(store, cfg, att('a'))).toEqual(['10.0.0.4']);
    expect(add(store, cfg, att('a'))).toEqual(['10.0.0.4']);
  });

  test('re-ADD asking for another address moves the attachment', () => {
    const { cfg, store } = setup();
    expect(add(store, cfg, att('a'))).toEqual(['10.0.0.2']);
    const moved = config([V4_SMALL], { runtimeConfig: { ips: ['10.0.0.6'] } });
    expect(add(store, moved, att('a'))).toEqual(['10.0.0.6']);
    expect(reservations(store)).toEqual(['10.0.0.6']);
  });

  test('re-ADD after the ranges changed releases the old address', () => {
    const { store } = setup();
    const old = config([V4_SMALL]);
    expect(add(store, old, att('a'))).toEqual(['10.0.0.2']);
    const changed = config([[{ subnet: '10.0.0.0/29', rangeStart: '10.0.0.4' }]]);
    expect(add(store, changed, att('a'))).toEqual(['10.0.0.4']);
    expect(reservations(store)).toEqual(['10.0.0.4']);
  });

  test('re-ADD with fewer range sets drops the extra holding', () => {
    const { cfg, store } = setup([V4_SMALL, V6_SMALL]);
    add(store, cfg, att('a'));
    expect(add(store, config([V4_SMALL]), att('a'))).toEqual(['10.0.0.2']);
    expect(store.holdings(att('a'))).toEqual([{ set: 0, ip: '10.0.0.2' }]);
    expect(store.isTaken('fd00::2')).toBe(false);
  });

  test('a reservation lost to a concurrent writer is skipped, not stolen', () => {
    const { cfg, store } = setup();
    add(store, cfg, att('a')); // 10.0.0.2
    add(store, cfg, att('b')); // 10.0.0.3
    store.setLastReserved(0, '10.0.0.6'); // next search starts at .2
    jest.spyOn(store, 'isTaken').mockReturnValue(false); // the pre-check misses them: link() must refuse
    expect(add(store, cfg, att('c'))).toEqual(['10.0.0.4']);
    expect(store.holdings(att('a'))).toEqual([{ set: 0, ip: '10.0.0.2' }]);
    expect(store.holdings(att('b'))).toEqual([{ set: 0, ip: '10.0.0.3' }]);
    expect(store.holdings(att('c'))).toEqual([{ set: 0, ip: '10.0.0.4' }]);
    expect(store.holder('10.0.0.2')).toEqual(att('a'));
  });

  test('finds the last free address of a large, nearly full range (past the probing phase)', () => {
    const { cfg, store } = setup([[{ subnet: '10.1.0.0/24' }]]); // .2-.254: 253 addresses
    store.ensure();
    const free = '10.1.0.200';
    for (let i = 2; i <= 254; i++) {
      const ip = `10.1.0.${i}`;
      if (ip !== free) expect(store.reserve(att(`c${i}`), 0, ip)).toEqual({ ip, own: true });
    }
    expect(add(store, cfg, att('last'))).toEqual([free]);
    expect(failure(() => add(store, cfg, att('one-more'))).code).toBe(ErrorCode.rangeExhausted);
  });

  test('networks sharing a dataDir are independent', () => {
    const cfg = config([V4_SMALL]);
    const other = { ...cfg, network: 'othernet' };
    const a = new Store(cfg.dataDir, cfg.network);
    const b = new Store(cfg.dataDir, 'othernet');
    expect(add(a, cfg, att('x'))).toEqual(['10.0.0.2']);
    expect(add(b, other, att('x'))).toEqual(['10.0.0.2']);
    a.release(att('x'));
    expect(b.holdings(att('x'))).toEqual([{ set: 0, ip: '10.0.0.2' }]);
  });
});

describe('on-disk layout', () => {
  test('reservation content, mode 0600, and the entry is the same inode', () => {
    const { cfg, store } = setup([V4_SMALL, V6_SMALL]);
    add(store, cfg, att('ctr-1', 'eth0'));
    expect(store.dir).toBe(join(dataDir, 'podnet'));
    for (const [set, ip] of [[0, '10.0.0.2'], [1, 'fd00::2']] as const) {
      const reservation = join(store.dir, ip);
      const entry = join(store.dir, 'attachments', 'ctr-1:eth0', String(set));
      expect(fs.readFileSync(reservation, 'utf8')).toBe(`ctr-1\neth0\n${ip}\n`);
      const r = fs.lstatSync(reservation);
      const e = fs.lstatSync(entry);
      expect(r.isFile()).toBe(true);
      expect(r.mode & 0o777).toBe(0o600);
      expect(e.ino).toBe(r.ino);
      expect(e.dev).toBe(r.dev);
      expect(r.nlink).toBe(2);
    }
    expect(fs.readFileSync(join(store.dir, 'last_reserved_ip.0'), 'utf8')).toBe('10.0.0.2');
    expect(fs.readFileSync(join(store.dir, 'last_reserved_ip.1'), 'utf8')).toBe('fd00::2');
  });

  test('directories are owner-only', () => {
    const { cfg, store } = setup();
    add(store, cfg, att('a'));
    for (const dir of [store.dir, join(store.dir, 'attachments'), join(store.dir, 'attachments', 'a:eth0')]) {
      expect(fs.statSync(dir).mode & 0o777).toBe(0o700);
    }
  });

  test('release removes both names and is idempotent', () => {
    const { cfg, store } = setup([V4_SMALL, V6_SMALL]);
    add(store, cfg, att('a'));
    add(store, cfg, att('b'));
    expect(store.release(att('a'))).toEqual([
      { set: 0, ip: '10.0.0.2' },
      { set: 1, ip: 'fd00::2' },
    ]);
    expect(reservations(store)).toEqual(['10.0.0.3', 'fd00::3']);
    expect(fs.existsSync(join(store.dir, 'attachments', 'a:eth0'))).toBe(false);
    expect(store.release(att('a'))).toEqual([]);
    expect(store.release(att('never'))).toEqual([]);
    expect(store.holdings(att('b'))).toHaveLength(2);
  });

  test('release of an attachment whose entry was rewritten leaves the other holder alone', () => {
    const { cfg, store } = setup();
    add(store, cfg, att('a')); // 10.0.0.2
    // debris: b's entry names a's address but was never linked to it
    fs.mkdirSync(join(store.dir, 'attachments', 'b:eth0'), { recursive: true });
    fs.writeFileSync(join(store.dir, 'attachments', 'b:eth0', '0'), 'b\neth0\n10.0.0.2\n');
    expect(store.holdings(att('b'))).toEqual([]);
    store.release(att('b'));
    expect(store.holdings(att('a'))).toEqual([{ set: 0, ip: '10.0.0.2' }]);
  });
});

describe('verify', () => {
  test('passes when every range set is held', () => {
    const { cfg, store } = setup([V4_SMALL, V6_SMALL]);
    add(store, cfg, att('a'));
    expect(() => verify({ store, cfg, attachment: att('a') })).not.toThrow();
  });

  test('an attachment holding nothing is code 103', () => {
    const { cfg, store } = setup();
    const err = failure(() => verify({ store, cfg, attachment: att('ghost') }));
    expect(err.code).toBe(ErrorCode.drift);
    expect(err.message).toBe('network "podnet": ghost/eth0 holds no address in range set 0 (10.0.0.1-10.0.0.6 in 10.0.0.0/29)');
  });

  test('a missing set is named', () => {
    const { cfg, store } = setup([V4_SMALL, V6_SMALL]);
    add(store, cfg, att('a'));
    store.releaseSet(att('a'), 1);
    expect(failure(() => verify({ store, cfg, attachment: att('a') })).message).toContain('range set 1');
  });

  test('a reservation someone else overwrote is not held', () => {
    const { cfg, store } = setup();
    add(store, cfg, att('a'));
    const reservation = join(store.dir, '10.0.0.2');
    fs.rmSync(reservation);
    fs.writeFileSync(reservation, 'other\neth0\n10.0.0.2\n');
    expect(failure(() => verify({ store, cfg, attachment: att('a') })).code).toBe(ErrorCode.drift);
  });
});

describe('collectGarbage', () => {
  test('keeps valid attachments and releases the rest', () => {
    const { cfg, store } = setup([V4_SMALL, [{ subnet: 'fd00::/120' }]]);
    add(store, cfg, att('keep'));
    add(store, cfg, att('gone'));
    add(store, cfg, att('keep', 'net1')); // same container, other interface: not in the valid list
    const outcome = collectGarbage(store, [att('keep'), att('not-allocated')]);
    expect(outcome.released.map((a) => `${a.containerId}/${a.ifname}`).sort()).toEqual(['gone/eth0', 'keep/net1']);
    expect(outcome.orphans).toEqual([]);
    expect(outcome.failures).toEqual([]);
    expect(store.attachments()).toEqual([att('keep')]);
    expect(reservations(store)).toEqual(['10.0.0.2', 'fd00::2']);
    expect(store.holdings(att('keep'))).toHaveLength(2);
  });

  test('with no valid attachments everything goes', () => {
    const { cfg, store } = setup();
    add(store, cfg, att('a'));
    add(store, cfg, att('b'));
    expect(collectGarbage(store, []).released).toHaveLength(2);
    expect(reservations(store)).toEqual([]);
    expect(store.attachments()).toEqual([]);
  });

  test('removes orphan reservations and temp debris, keeps the hints', () => {
    const { cfg, store } = setup([V4_SMALL, V6_SMALL]);
    add(store, cfg, att('keep'));
    add(store, cfg, att('lost'));
    // someone deleted lost's entries by hand: its reservations are orphans
    fs.rmSync(join(store.dir, 'attachments', 'lost:eth0'), { recursive: true });
    fs.writeFileSync(join(store.dir, '.last_reserved_ip.0.abc123'), '10.0.0.9');
    fs.writeFileSync(join(store.dir, 'README'), 'not an address');
    const outcome = collectGarbage(store, [att('keep')]);
    expect(outcome.released).toEqual([]);
    expect(outcome.orphans.sort()).toEqual(['10.0.0.3', 'fd00::3']);
    expect(reservations(store)).toEqual(['10.0.0.2', 'README', 'fd00::2']);
    expect(fs.existsSync(join(store.dir, '.last_reserved_ip.0.abc123'))).toBe(false);
    expect(store.lastReserved(0)).toBe('10.0.0.3');
    expect(store.holdings(att('keep'))).toHaveLength(2);
  });

  test('on an empty store does nothing', () => {
    const { store } = setup();
    expect(collectGarbage(store, [att('a')])).toEqual({ released: [], orphans: [], failures: [] });
  });

  test('released addresses can be allocated again', () => {
    const { cfg, store } = setup();
    for (const id of ['a', 'b', 'c', 'd', 'e']) add(store, cfg, att(id));
    collectGarbage(store, [att('a')]);
    expect(add(store, cfg, att('f'))).toEqual(['10.0.0.3']);
  });
});

describe('checkAvailable', () => {
  test('passes while a set has room, creating the store', () => {
    const { cfg, store } = setup([V4_SMALL, V6_SMALL]);
    expect(() => checkAvailable(store, cfg)).not.toThrow();
    expect(fs.existsSync(store.dir)).toBe(true);
    add(store, cfg, att('a'));
    expect(() => checkAvailable(store, cfg)).not.toThrow();
  });

  test('an exhausted set is code 50', () => {
    const { cfg, store } = setup([V4_SMALL, V6_SMALL]);
    add(store, cfg, att('a'));
    add(store, cfg, att('b')); // the IPv6 set (two addresses) is now full
    const err = failure(() => checkAvailable(store, cfg));
    expect(err.code).toBe(ErrorCode.notAvailable);
    expect(err.message).toBe('network "podnet": range set 1 (fd00::1-fd00::3 in fd00::/126) is exhausted');
    expect(err.details).toBe('2 of 2 addresses allocated');
    store.release(att('a'));
    expect(() => checkAvailable(store, cfg)).not.toThrow();
  });

  test('reservations outside the configured ranges do not count', () => {
    const { cfg, store } = setup([[{ subnet: '10.0.0.0/30' }]]); // one address: .2
    store.ensure();
    store.reserve(att('old'), 0, '10.9.0.5');
    expect(() => checkAvailable(store, cfg)).not.toThrow();
    add(store, cfg, att('a'));
    expect(failure(() => checkAvailable(store, cfg)).code).toBe(ErrorCode.notAvailable);
  });

  // root writes anywhere, so this one only runs unprivileged
  (process.getuid?.() === 0 ? test.skip : test)('an unwritable store is code 50', () => {
    const { cfg, store } = setup();
    store.ensure();
    fs.chmodSync(store.dir, 0o500);
    try {
      const err = failure(() => checkAvailable(store, cfg));
      expect(err.code).toBe(ErrorCode.notAvailable);
      expect(err.message).toBe(`ipam.dataDir: ${store.dir} is not writable`);
    } finally {
      fs.chmodSync(store.dir, 0o700);
    }
  });
});

/** Files in an attachment's directory (entries and pending reservations). */
function entryFiles(store: Store, a: Attachment): string[] {
  const dir = join(store.dir, 'attachments', `${a.containerId}:${a.ifname}`);
  return fs.existsSync(dir) ? fs.readdirSync(dir).sort() : [];
}

/** What a killed ADD leaves between its two links: a pending file that is already the address's reservation. */
function leavePending(store: Store, a: Attachment, set: number, ip: string): void {
  const dir = join(store.dir, 'attachments', `${a.containerId}:${a.ifname}`);
  fs.mkdirSync(dir, { recursive: true });
  fs.writeFileSync(join(dir, `.${set}.killed`), `${a.containerId}\n${a.ifname}\n${ip}\n`);
  fs.linkSync(join(dir, `.${set}.killed`), join(store.dir, ip));
}

describe('concurrent ADDs of one attachment (the store side of the race)', () => {
  test('a reservation made after another ADD of the attachment claimed the set is given back; the winner\'s address is returned', () => {
    const { cfg, store } = setup();
    expect(add(store, cfg, att('a'))).toEqual(['10.0.0.2']);
    // A second ADD that looked before the first claimed, and found .3 free:
    expect(store.reserve(att('a'), 0, '10.0.0.3')).toEqual({ ip: '10.0.0.2', own: false });
    expect(reservations(store)).toEqual(['10.0.0.2']);
    expect(entryFiles(store, att('a'))).toEqual(['0']);
    expect(store.holdings(att('a'))).toEqual([{ set: 0, ip: '10.0.0.2' }]);
  });

  test('a live entry is never moved aside as stale, even when it appears between the look and the move', () => {
    const { cfg, store } = setup();
    add(store, cfg, att('a')); // 10.0.0.2
    const entry = join(store.dir, 'attachments', 'a:eth0', '0');
    const ino = fs.lstatSync(entry).ino;
    jest.spyOn(store, 'holding').mockReturnValueOnce(undefined); // the look misses the winner's entry
    expect(store.reserve(att('a'), 0, '10.0.0.3')).toEqual({ ip: '10.0.0.2', own: false });
    expect(fs.lstatSync(entry).ino).toBe(ino);
    expect(reservations(store)).toEqual(['10.0.0.2']);
    expect(entryFiles(store, att('a'))).toEqual(['0']);
  });

  test('an entry that holds nothing (a DEL killed half-way) does not block a new claim', () => {
    const { cfg, store } = setup();
    const dir = join(store.dir, 'attachments', 'a:eth0');
    fs.mkdirSync(dir, { recursive: true });
    fs.writeFileSync(join(dir, '0'), 'a\neth0\n10.0.0.5\n');
    expect(add(store, cfg, att('a'))).toEqual(['10.0.0.2']);
    expect(entryFiles(store, att('a'))).toEqual(['0']);
    expect(reservations(store)).toEqual(['10.0.0.2']);
  });

  test('a retried ADD takes over the reservation a killed ADD left pending', () => {
    const { cfg, store } = setup();
    store.ensure();
    leavePending(store, att('a'), 0, '10.0.0.4');
    expect(add(store, cfg, att('a'))).toEqual(['10.0.0.4']);
    expect(reservations(store)).toEqual(['10.0.0.4']);
    expect(entryFiles(store, att('a'))).toEqual(['0']);
    expect(store.holdings(att('a'))).toEqual([{ set: 0, ip: '10.0.0.4' }]);
  });

  test('DEL releases a pending reservation too', () => {
    const { store } = setup();
    store.ensure();
    leavePending(store, att('a'), 0, '10.0.0.4');
    store.release(att('a'));
    expect(reservations(store)).toEqual([]);
    expect(store.attachments()).toEqual([]);
  });

  test('GC frees what killed ADDs left pending beside a valid attachment, and keeps its entries', () => {
    const { cfg, store } = setup();
    add(store, cfg, att('a')); // 10.0.0.2
    leavePending(store, att('a'), 0, '10.0.0.5');
    const outcome = collectGarbage(store, [att('a')]);
    expect(outcome).toEqual({ released: [], orphans: ['10.0.0.5'], failures: [] });
    expect(reservations(store)).toEqual(['10.0.0.2']);
    expect(entryFiles(store, att('a'))).toEqual(['0']);
  });

  test('DEL releases every name an older twill linked to the entry\'s file', () => {
    const { cfg, store } = setup();
    add(store, cfg, att('a')); // 10.0.0.2
    add(store, cfg, att('b')); // 10.0.0.3
    for (const extra of ['10.0.0.5', '10.0.0.6']) fs.linkSync(join(store.dir, '10.0.0.2'), join(store.dir, extra));
    expect(store.release(att('a'))).toEqual([{ set: 0, ip: '10.0.0.2' }]);
    expect(reservations(store)).toEqual(['10.0.0.3']);
  });
});
