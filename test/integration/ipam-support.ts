// Shared by the ipam-*.test.ts files: a throw-away data dir per test, config builders, calls to
// the built dist/twill-ipam as a runtime makes them, and a reader for the on-disk store so each
// test can assert exactly which reservations exist afterwards.
import { spawn, type ChildProcess } from 'node:child_process';
import { lstatSync, mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { isIP } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DIST, cniEnv, execPlugin, execPluginAsync, type PluginCall, type PluginRun } from '../helpers/exec-plugin';

export const PLUGIN = 'twill-ipam';
export const VERSIONS = ['0.3.0', '0.3.1', '0.4.0', '1.0.0', '1.1.0'] as const;
export const LATEST = '1.1.0';
export const NETWORK = 'twt-ipam';
/** IPAM never opens the namespace; ADD and CHECK only need an absolute path. */
export const NETNS = '/var/run/netns/twt-ipam-unused';

export type Json = Record<string, unknown>;

/**
 * What a runtime varies per call. A key left out gets the default below; a key given as
 * undefined leaves the variable unset.
 */
export interface Call {
  containerId?: string;
  ifname?: string;
  netns?: string;
  args?: string;
  env?: Record<string, string | undefined>;
  /** Kills the plugin after this long (a spinning plugin then fails its test instead of hanging the suite). */
  timeoutMs?: number;
}

/** STATUS, GC and VERSION concern no attachment: the runtime sets none of these. */
export const NO_ATTACHMENT: Call = { containerId: undefined, ifname: undefined, netns: undefined };

export function pluginCall(command: string, config: unknown, call: Call = {}): PluginCall {
  return {
    plugin: PLUGIN,
    command,
    config,
    containerId: 'containerId' in call ? call.containerId : 'ctr-1',
    ifname: 'ifname' in call ? call.ifname : 'eth0',
    netns: 'netns' in call ? call.netns : NETNS,
    args: call.args,
    env: call.env,
    timeoutMs: call.timeoutMs,
  };
}

export function run(command: string, config: unknown, call: Call = {}): PluginRun {
  return execPlugin(pluginCall(command, config, call));
}

export function runAsync(command: string, config: unknown, call: Call = {}): Promise<PluginRun> {
  return execPluginAsync(pluginCall(command, config, call));
}

export interface Spawned {
  child: ChildProcess;
  done: Promise<PluginRun>;
  /** Writes the configuration to stdin (spawnPlugin does at once; spawnWaiting leaves it to the test). */
  feed: () => void;
}

/**
 * The same fresh process as execPluginAsync, but the test keeps the child so it can kill it
 * mid-flight (crash tests). Environment and stdin are built exactly as the helper builds them.
 */
export function spawnPlugin(command: string, config: unknown, call: Call = {}): Spawned {
  const spawned = spawnWaiting(command, config, call);
  spawned.feed();
  return spawned;
}

/** A started plugin that blocks reading stdin until the test calls feed(). */
export function spawnWaiting(command: string, config: unknown, call: Call = {}): Spawned {
  const pc = pluginCall(command, config, call);
  const child = spawn(join(DIST, PLUGIN), [], { env: cniEnv(pc) });
  const done = new Promise<PluginRun>((resolve, reject) => {
    let stdout = '';
    let stderr = '';
    child.stdout!.on('data', (d) => (stdout += d));
    child.stderr!.on('data', (d) => (stderr += d));
    child.on('error', reject);
    child.on('close', (code) => {
      let json: unknown;
      try {
        json = JSON.parse(stdout);
      } catch {
        json = undefined;
      }
      resolve({ code, stdout, stderr, json });
    });
  });
  child.stdin!.on('error', () => undefined); // a child killed before reading stdin closes the pipe
  return { child, done, feed: () => child.stdin!.end(JSON.stringify(config)) };
}

/** /proc/PID/syscall while a process sits in read(0, …): syscall 0 on fd 0 (x86-64). */
const READING_STDIN = /^0 0x0 /;

/**
 * Waits until every child sits in read(2) on stdin, so feeding them all at once starts their real
 * work within microseconds of each other (a race needs them there, not staggered by start-up).
 * Gives up waiting after `timeoutMs`: the test still runs, with a less tight start.
 */
export async function untilAllReadStdin(children: ChildProcess[], timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  const reading = (pid: number | undefined): boolean => {
    try {
      return READING_STDIN.test(readFileSync(`/proc/${pid}/syscall`, 'utf8'));
    } catch {
      return false;
    }
  };
  while (Date.now() < deadline && !children.every((c) => reading(c.pid))) await new Promise((r) => setTimeout(r, 10));
}

/** A network configuration for twill-ipam: `ipam` fields merge over the defaults, `top` over the top level. */
export function ipamConf(dataDir: string, ipam: Json = {}, top: Json = {}): Json {
  return {
    cniVersion: LATEST,
    name: NETWORK,
    type: PLUGIN,
    ...top,
    ipam: { type: PLUGIN, dataDir, ranges: [[{ subnet: '10.250.1.0/24' }]], ...ipam },
  };
}

/** "10.250.1.2/24" → "10.250.1.2". */
export function bare(address: string): string {
  return address.split('/')[0];
}

/** The addresses of an ADD result, without prefix lengths. */
export function addressesOf(r: PluginRun): string[] {
  return ((r.json?.ips ?? []) as Array<{ address: string }>).map((ip) => bare(ip.address));
}

/** Asserts the call succeeded; on failure jest prints the whole run (stdout carries the error JSON). */
export function expectOk(r: PluginRun): PluginRun {
  expect({ code: r.code, stdout: r.stdout, stderr: r.stderr }).toMatchObject({ code: 0 });
  return r;
}

/**
 * Asserts a spec error: non-zero exit and stdout exactly {cniVersion, code, msg[, details]}, with
 * the expected code and a msg matching `msg`. One assertion, so a failure shows the whole reply.
 */
export function expectCniError(r: PluginRun, code: number, msg?: RegExp, version?: string): void {
  const body = (r.json ?? {}) as Json;
  expect({ failed: r.code !== 0, body: r.json ?? r.stdout }).toEqual({
    failed: true,
    body: {
      cniVersion: version ?? expect.stringMatching(/^(0\.3\.0|0\.3\.1|0\.4\.0|1\.0\.0|1\.1\.0)$/),
      code,
      msg: msg ? expect.stringMatching(msg) : expect.any(String),
      ...('details' in body ? { details: expect.any(String) } : {}),
    },
  });
}

// ---- the on-disk store ---------------------------------------------------------------------

export interface FileView {
  ino: number;
  nlink: number;
  content: string;
}

export interface StoreView {
  /** Reservation files by name (the names that are IP addresses). */
  reservations: Map<string, FileView>;
  /** attachments/<containerId>:<ifname>/<set> files. */
  entries: Map<string, Map<string, FileView>>;
  /** Everything else at the top (hints, temp files, the attachments dir). */
  others: string[];
}

function readView(path: string): FileView | undefined {
  try {
    const st = lstatSync(path);
    return { ino: st.ino, nlink: st.nlink, content: st.isFile() ? readFileSync(path, 'utf8') : '' };
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw err;
  }
}

function list(dir: string): string[] {
  try {
    return readdirSync(dir).sort();
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw err;
  }
}

export function storeDir(dataDir: string, network = NETWORK): string {
  return join(dataDir, network);
}

export function readStore(dir: string): StoreView {
  const view: StoreView = { reservations: new Map(), entries: new Map(), others: [] };
  for (const name of list(dir)) {
    const f = isIP(name) ? readView(join(dir, name)) : undefined;
    if (f) view.reservations.set(name, f);
    else view.others.push(name);
  }
  const attachments = join(dir, 'attachments');
  for (const key of list(attachments)) {
    const sets = new Map<string, FileView>();
    for (const set of list(join(attachments, key))) {
      const f = readView(join(attachments, key, set));
      if (f) sets.set(set, f);
    }
    view.entries.set(key, sets);
  }
  return view;
}

/** One spelling per address, so "fd00::5" and "fd00:0::5" count as the same one. */
export function canonicalIp(ip: string): string {
  return isIP(ip) === 6 ? new URL(`http://[${ip}]/`).hostname.slice(1, -1) : ip;
}

/** Attachment key → the addresses it really holds (entry and reservation are one inode), sorted. */
export function holdings(view: StoreView): Map<string, string[]> {
  const out = new Map<string, string[]>();
  for (const [key, sets] of view.entries) {
    // Entries are named by range set; ".<set>.<random>" files are reservations still pending.
    for (const entry of [...sets].filter(([name]) => /^\d+$/.test(name)).map(([, e]) => e)) {
      const ip = entry.content.split('\n')[2];
      const r = ip ? view.reservations.get(ip) : undefined;
      if (r && r.ino === entry.ino) out.set(key, [...(out.get(key) ?? []), ip].sort());
    }
  }
  return out;
}

/**
 * The store's invariants, as a list of violations (empty when sound): every reservation parses
 * as "containerID\nifname\nip\n" (then, from an ADD, "namespace/pod\nnetns\n") with ip equal to its name, is held by exactly one attachment
 * (the one its content names) and nothing else links to it, and no address is reserved twice
 * under different spellings.
 */
export function storeProblems(view: StoreView): string[] {
  const problems: string[] = [];
  const spellings = new Map<string, string[]>();
  for (const [ip, r] of view.reservations) {
    const lines = r.content.split('\n');
    if (![4, 6].includes(lines.length) || lines[lines.length - 1] !== '' || !lines[0] || !lines[1] || lines[2] !== ip) {
      problems.push(`${ip}: content ${JSON.stringify(r.content)} is not "containerID\\nifname\\n${ip}\\n"`);
    }
    // Names under attachments/ that are this file: an entry, or a pending one (an ADD killed
    // between its two links may leave both, of one attachment).
    const holders = [...view.entries].flatMap(([key, sets]) => [...sets].filter(([, e]) => e.ino === r.ino).map(([set]) => `${key}/${set}`));
    const attachments = new Set(holders.map((h) => h.slice(0, h.lastIndexOf('/'))));
    if (attachments.size !== 1) problems.push(`${ip}: held by ${attachments.size} attachments (${holders.join(', ')})`);
    else if (!holders[0].startsWith(`${lines[0]}:${lines[1]}/`)) problems.push(`${ip}: names ${lines[0]}/${lines[1]} but is held by ${holders[0]}`);
    if (r.nlink !== 1 + holders.length) problems.push(`${ip}: link count ${r.nlink}, expected ${1 + holders.length} (the address and ${holders.join(', ')})`);
    const c = canonicalIp(ip);
    spellings.set(c, [...(spellings.get(c) ?? []), ip]);
  }
  for (const [c, names] of spellings) if (names.length > 1) problems.push(`${c}: reserved ${names.length} times (${names.join(', ')})`);
  return problems;
}

// ---- a per-test fixture that knows what should be allocated --------------------------------

function attachmentKey(call: Call): string {
  return `${call.containerId ?? 'ctr-1'}:${call.ifname ?? 'eth0'}`;
}

/**
 * A fresh data dir plus a ledger of what the test's successful ADDs allocated (minus its DELs
 * and GCs). verify() asserts the store holds exactly the ledger and nothing else: no stray
 * reservation, no leftover attachment entry, every invariant intact.
 */
export class IpamFixture {
  /** Removed by dispose(); tests may put their own files (resolv.conf …) here. */
  readonly root = mkdtempSync(join(tmpdir(), 'twill-ipam-it-'));
  /** ipam.dataDir; does not exist until the plugin creates it. */
  readonly dataDir = join(this.root, 'data');
  /** network → attachment key → addresses. */
  private readonly ledger = new Map<string, Map<string, string[]>>();

  conf(ipam: Json = {}, top: Json = {}): Json {
    return ipamConf(this.dataDir, ipam, top);
  }

  storeDir(network = NETWORK): string {
    return storeDir(this.dataDir, network);
  }

  private book(network: string): Map<string, string[]> {
    if (!this.ledger.has(network)) this.ledger.set(network, new Map());
    return this.ledger.get(network)!;
  }

  /** ADD that must succeed; its addresses go into the ledger (replacing what the attachment had). */
  add(config: Json, call: Call = {}): PluginRun {
    const r = expectOk(run('ADD', config, call));
    this.book(String(config.name)).set(attachmentKey(call), addressesOf(r).sort());
    return r;
  }

  /** DEL that must succeed; the attachment leaves the ledger. */
  del(config: Json, call: Call = {}): PluginRun {
    const r = expectOk(run('DEL', config, call));
    this.book(String(config.name)).delete(attachmentKey(call));
    return r;
  }

  /** Records the outcome of a GC: only the listed attachments keep their addresses. */
  keepOnly(network: string, valid: Array<{ containerID: string; ifname: string }>): void {
    const keep = new Set(valid.map((a) => `${a.containerID}:${a.ifname}`));
    const book = this.book(network);
    for (const key of [...book.keys()]) if (!keep.has(key)) book.delete(key);
  }

  /** Records allocations made outside add() (e.g. concurrent ADDs). */
  record(network: string, call: Call, addresses: string[]): void {
    this.book(network).set(attachmentKey(call), [...addresses].sort());
  }

  expected(network = NETWORK): Map<string, string[]> {
    return new Map([...this.book(network)].sort());
  }

  /** The store of every network the test touched holds exactly the ledger. */
  verify(): void {
    for (const network of new Set([...this.ledger.keys(), ...list(this.dataDir)])) {
      const view = readStore(this.storeDir(network));
      expect({ network, problems: storeProblems(view) }).toEqual({ network, problems: [] });
      const held = new Map([...holdings(view)].sort());
      expect({ network, held }).toEqual({ network, held: this.expected(network) });
      // No entry directory without a live allocation behind it (failed ADDs roll back fully).
      expect({ network, entries: [...view.entries.keys()].sort() }).toEqual({ network, entries: [...this.expected(network).keys()] });
      const stray = view.others.filter((n) => n !== 'attachments' && !/^last_reserved_ip\.\d+$/.test(n));
      expect({ network, stray }).toEqual({ network, stray: [] });
    }
  }

  dispose(): void {
    rmSync(this.root, { recursive: true, force: true });
  }
}

/** beforeEach/afterEach wiring: a fresh fixture per test, verified and removed after it. */
export function useFixture(): () => IpamFixture {
  let fx: IpamFixture | undefined;
  beforeEach(() => {
    fx = new IpamFixture();
  });
  afterEach(() => {
    try {
      fx?.verify();
    } finally {
      fx?.dispose();
      fx = undefined;
    }
  });
  return () => fx!;
}

// ---- snapshots for "the store is unchanged" ------------------------------------------------

/** Every name under `root` with type, mode, inode, link count, size, mtime and file content. */
export function snapshotTree(root: string): Record<string, string> {
  const out: Record<string, string> = {};
  const walk = (rel: string): void => {
    const path = join(root, rel);
    const st = lstatSync(path);
    const meta = `mode=${st.mode.toString(8)} ino=${st.ino} nlink=${st.nlink} size=${st.size} mtime=${st.mtimeMs}`;
    if (st.isDirectory()) {
      out[rel || '.'] = `dir ${meta}`;
      for (const name of readdirSync(path).sort()) walk(join(rel, name));
    } else {
      out[rel] = `file ${meta} ${JSON.stringify(st.isFile() ? readFileSync(path, 'utf8') : '')}`;
    }
  };
  walk('');
  return out;
}

/** Compares versions like "0.4.0" < "1.0.0". */
export function versionBefore(v: string, min: string): boolean {
  const [a, b] = [v, min].map((s) => s.split('.').map(Number));
  for (let i = 0; i < 3; i++) if (a[i] !== b[i]) return a[i] < b[i];
  return false;
}
