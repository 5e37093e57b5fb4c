// Where ipam.dataDir really is. A path that reaches a kernel file system through a symlink or a
// mount is refused at once with code 7 by every verb (Node's recursive mkdir spins for ever under
// /proc), a read-only file system is named as such (EROFS), never as "ENOENT", and nothing found
// inside the store (a FIFO where a file belongs) can make a verb wait for ever.
import { execFileSync } from 'node:child_process';
import { lstatSync, mkdirSync, mkdtempSync, readdirSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  NETWORK, NO_ATTACHMENT, addressesOf, expectCniError, expectOk, holdings, ipamConf, readStore, run, snapshotTree, storeProblems, type Call,
} from './ipam-support';

/** A spinning plugin is killed after this long, so the test fails instead of hanging the suite. */
const TIMEOUT_MS = 10_000;
const VERBS = ['ADD', 'DEL', 'STATUS', 'GC'] as const;
type Verb = (typeof VERBS)[number];

let root: string;
/** Symlinks live here, mounts under root/mnt: snapshots of `links` never walk into a mount. */
let links: string;
const mounts: string[] = [];

function mount(args: string[], target: string): void {
  mkdirSync(target, { recursive: true });
  execFileSync('mount', [...args, target]);
  mounts.push(target);
}

function unmount(target: string): void {
  execFileSync('umount', [target]);
  mounts.splice(mounts.indexOf(target), 1);
}

beforeAll(() => {
  root = mkdtempSync(join(tmpdir(), 'twill-ipam-datadir-'));
  links = join(root, 'links');
  mkdirSync(links);
});

afterAll(() => {
  for (const target of [...mounts].reverse()) unmount(target);
  rmSync(root, { recursive: true, force: true });
  // Nothing this file mounted is still mounted.
  expect(execFileSync('findmnt', ['-rno', 'TARGET'], { encoding: 'utf8' })).not.toContain(root);
});

/** One verb on a store at `dataDir`, as a runtime calls it; killed if it does not finish in time. */
function runVerb(verb: Verb, dataDir: string, call: Call = {}) {
  const conf = { ...ipamConf(dataDir), 'cni.dev/valid-attachments': [] };
  const base = verb === 'STATUS' || verb === 'GC' ? NO_ATTACHMENT : {};
  return run(verb, conf, { ...base, ...call, timeoutMs: TIMEOUT_MS });
}

describe.each([
  ['a symlink into /proc', '/proc/sys', 'to-proc', '/proc/sys'],
  ['a path below a symlink into /proc', '/proc/sys/net', 'to-proc-net/twill', '/proc/sys/net/twill'],
  ['a symlink to /proc/self', '/proc/self', 'to-self/data', '/proc/\\d+/data'],
  ['a symlink into /sys', '/sys/kernel', 'to-sys', '/sys/kernel'],
  ['a dangling symlink into /proc', '/proc/sys/twill-none/store', 'dangling', '/proc/sys/twill-none/store'],
])('dataDir through %s', (_what, target, rel, resolved) => {
  test.each(VERBS)('%s fails fast with code 7 naming ipam.dataDir and the resolved path', (verb) => {
    const link = join(links, rel.split('/')[0]);
    symlinkSync(target, link);
    try {
      const before = snapshotTree(links);
      const dataDir = join(links, rel);
      const r = runVerb(verb, dataDir);
      expectCniError(r, 7, new RegExp(`^ipam\\.dataDir: "${dataDir}" resolves to ${resolved}, on a kernel file system`));
      expect(snapshotTree(links)).toEqual(before);
    } finally {
      rmSync(link);
    }
  }, TIMEOUT_MS + 5_000);
});

test.each(VERBS)('%s on a dataDir inside a bind mount of /proc/sys is refused with code 7 (the file system, not the path)', (verb) => {
  const target = join(root, 'mnt', `proc-${verb}`);
  mount(['--bind', '/proc/sys'], target);
  try {
    const dataDir = join(target, 'twill');
    expectCniError(runVerb(verb, dataDir), 7, new RegExp(`^ipam\\.dataDir: "${dataDir}" is on a kernel file system \\(proc\\)`));
  } finally {
    unmount(target);
  }
}, TIMEOUT_MS + 5_000);

describe('a read-only dataDir', () => {
  test('whose store does not exist yet: ADD is 5 and STATUS 50, both naming EROFS and the path; DEL and GC have nothing to do', () => {
    const target = join(root, 'mnt', 'ro');
    mount(['-t', 'tmpfs', '-o', 'ro,size=1m', 'tmpfs'], target);
    try {
      const dataDir = join(target, 'data');
      const msg = new RegExp(`^ipam\\.dataDir: cannot create ${dataDir}: EROFS \\(read-only file system\\)`);
      expectCniError(runVerb('ADD', dataDir), 5, msg);
      expectCniError(runVerb('STATUS', dataDir), 50, msg);
      expectOk(runVerb('DEL', dataDir));
      expectOk(runVerb('GC', dataDir));
      expect(readdirSync(target)).toEqual([]);
    } finally {
      unmount(target);
    }
  });

  test('that turned read-only under a store: ADD and DEL fail with 5 naming EROFS (a DEL never claims a release it could not make)', () => {
    const target = join(root, 'mnt', 'remounted');
    mount(['-t', 'tmpfs', '-o', 'size=1m', 'tmpfs'], target);
    try {
      const dataDir = join(target, 'data');
      const [ip] = addressesOf(expectOk(runVerb('ADD', dataDir, { containerId: 'first' })));
      execFileSync('mount', ['-o', 'remount,ro', target]);
      expectCniError(runVerb('ADD', dataDir, { containerId: 'second' }), 5, new RegExp(`EROFS.*${dataDir}|${dataDir}.*EROFS`));
      expectCniError(runVerb('DEL', dataDir, { containerId: 'first' }), 5, new RegExp(`EROFS.*${dataDir}|${dataDir}.*EROFS`));
      execFileSync('mount', ['-o', 'remount,rw', target]);
      expect(readdirSync(join(dataDir, NETWORK))).toContain(ip);
      expectOk(runVerb('DEL', dataDir, { containerId: 'first' }));
      expect(readdirSync(join(dataDir, NETWORK)).filter((n) => /^\d/.test(n))).toEqual([]);
    } finally {
      unmount(target);
    }
  });
});

test('a FIFO where the store keeps a hint or an entry neither blocks ADD nor survives it', () => {
  const dataDir = join(root, 'fifo');
  const store = join(dataDir, NETWORK);
  mkdirSync(join(store, 'attachments', 'ctr-1:eth0'), { recursive: true });
  execFileSync('mkfifo', [join(store, 'last_reserved_ip.0'), join(store, 'attachments', 'ctr-1:eth0', '0')]);
  const [ip] = addressesOf(expectOk(runVerb('ADD', dataDir)));
  const view = readStore(store);
  expect({ problems: storeProblems(view), held: holdings(view).get('ctr-1:eth0') }).toEqual({ problems: [], held: [ip] });
  expect(lstatSync(join(store, 'last_reserved_ip.0')).isFile()).toBe(true);
  expect([...view.entries.get('ctr-1:eth0')!.keys()]).toEqual(['0']);
  expectOk(runVerb('DEL', dataDir));
  expect(readStore(store).reservations.size).toBe(0);
}, TIMEOUT_MS + 5_000);
