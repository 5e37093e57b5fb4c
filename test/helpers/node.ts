// A "node" for plugin tests: a test-owned network namespace the plugin runs in (so its bridge,
// nft table and sysctls never touch the host), pod namespaces, background listeners, and the
// readers each test uses to assert exactly what exists afterwards (veths, nft elements, IPAM
// reservations, conntrack entries). cleanup() removes all of it, even when a test failed.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { isIP } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execPlugin, execPluginAsync, type PluginCall, type PluginRun } from './exec-plugin';
import { Namespaces, sh } from './netns';

export const HOST_VETH = /^tw[0-9a-f]{12}$/;

export interface Outcome {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** A link as `ip -d -j link` prints it (the fields tests look at). */
export interface LinkInfo {
  ifname: string;
  address?: string;
  mtu?: number;
  master?: string;
  flags?: string[];
  promiscuity?: number;
  linkinfo?: { info_kind?: string; info_slave_kind?: string; info_slave_data?: Record<string, unknown> };
  addr_info?: Array<{ family: string; local: string; prefixlen: number }>;
}

/** One element of a set or map in `table inet twill`. */
export interface TableElement {
  set: string;
  key: string;
  comment?: string;
}

/** Who a pod is to the plugin: its namespace, container ID and interface name. */
export interface Attachment {
  pod?: string;
  containerId: string;
  ifname: string;
}

export interface CallOptions {
  /** Pod namespace name; CNI_NETNS is /run/netns/<pod>. Absent: CNI_NETNS unset. */
  pod?: string;
  containerId?: string;
  ifname?: string;
  args?: string;
  env?: Record<string, string | undefined>;
  /** Overrides CNI_NETNS as given (e.g. a path that does not exist). */
  netns?: string;
}

type Json = Record<string, unknown>;

function renderNft(v: unknown): string {
  if (v === null || typeof v !== 'object') return String(v);
  const o = v as { concat?: unknown[]; prefix?: { addr: string; len: number } };
  if (o.concat) return o.concat.map(renderNft).join(' . ');
  if (o.prefix) return `${o.prefix.addr}/${o.prefix.len}`;
  return JSON.stringify(v);
}

function toElement(set: string, k: unknown): TableElement {
  const tagged = typeof k === 'object' && k !== null && 'elem' in k ? (k as { elem: { val: unknown; comment?: string } }).elem : undefined;
  return { set, key: renderNft(tagged ? tagged.val : k), comment: tagged?.comment };
}

function socatAddress(proto: 'TCP' | 'UDP', host: string, port: number): string {
  return host.includes(':') ? `${proto}6:[${host}]:${port}` : `${proto}4:${host}:${port}`;
}

export class TestNode {
  readonly namespaces = new Namespaces();
  /** The node's namespace name. */
  readonly name: string;
  /** A fresh ipam.dataDir for this node. */
  readonly dataDir: string;
  /** The node namespace's inode: twill keys its /run/twill rule markers by it. */
  readonly inode: number;
  private readonly procs: Array<{ ns: string; child: ChildProcess }> = [];
  /** Every attachment a test ADDed (successful or not), so teardown can DEL what remains. */
  readonly attachments: Array<Attachment & { conf: unknown }> = [];
  private seq = 0;

  constructor() {
    this.name = this.namespaces.create('twn');
    try {
      this.inode = statSync(`/run/netns/${this.name}`).ino;
      this.ipIn(this.name, ['link', 'set', 'lo', 'up']);
    } catch (err) {
      this.namespaces.cleanup(); // no node object to clean up later
      throw err;
    }
    this.dataDir = mkdtempSync(join(tmpdir(), 'twill-plugin-'));
  }

  /** A new, empty pod namespace (the plugin brings its loopback up). */
  pod(): string {
    return this.namespaces.create('twp');
  }

  nextContainerId(): string {
    this.seq += 1;
    return `ctr-${this.seq}`;
  }

  /** `ip -n NS ARGS`, throwing on failure. */
  ipIn(ns: string, args: string[]): string {
    return sh('ip', ['-n', ns, ...args]);
  }

  /** Runs a command inside a namespace and reports how it went; never throws. */
  tryExec(ns: string, argv: string[], opts: { input?: string; timeoutMs?: number } = {}): Outcome {
    const r = spawnSync('ip', ['netns', 'exec', ns, ...argv], { encoding: 'utf8', input: opts.input ?? '', timeout: opts.timeoutMs ?? 10_000 });
    return { code: r.status, stdout: r.stdout ?? '', stderr: r.stderr ?? '' };
  }

  exec(ns: string, argv: string[], input?: string): string {
    const r = this.tryExec(ns, argv, { input });
    if (r.code !== 0) throw new Error(`${argv.join(' ')} in ${ns} failed (${r.code}): ${r.stderr.trim()}`);
    return r.stdout;
  }

  /** The call a runtime would make, run inside this node. */
  call(command: string, conf: unknown, o: CallOptions = {}): PluginCall {
    return {
      plugin: 'twill',
      command,
      config: conf,
      node: this.name,
      timeoutMs: 30_000,
      containerId: o.containerId,
      ifname: o.ifname,
      netns: o.netns ?? (o.pod ? `/run/netns/${o.pod}` : undefined),
      args: o.args,
      env: o.env,
    };
  }

  run(command: string, conf: unknown, o: CallOptions = {}): PluginRun {
    return execPlugin(this.call(command, conf, o));
  }

  runAsync(command: string, conf: unknown, o: CallOptions = {}): Promise<PluginRun> {
    return execPluginAsync(this.call(command, conf, o));
  }

  /** ADD of a new pod (namespace created unless given); the attachment is remembered for teardown. */
  add(conf: unknown, o: CallOptions = {}): { run: PluginRun; att: Attachment } {
    const att = this.attachment(conf, o);
    return { run: this.run('ADD', conf, { ...o, ...att }), att };
  }

  async addAsync(conf: unknown, o: CallOptions = {}): Promise<{ run: PluginRun; att: Attachment }> {
    const att = this.attachment(conf, o);
    return { run: await this.runAsync('ADD', conf, { ...o, ...att }), att };
  }

  private attachment(conf: unknown, o: CallOptions): Attachment {
    const att = { pod: o.pod ?? this.pod(), containerId: o.containerId ?? this.nextContainerId(), ifname: o.ifname ?? 'eth0' };
    this.attachments.push({ ...att, conf });
    return att;
  }

  /** DEL of an attachment as the runtime sends it (its namespace still present unless `o` says otherwise). */
  del(conf: unknown, att: Attachment, o: CallOptions = {}): PluginRun {
    return this.forgetOnSuccess(att, this.run('DEL', conf, { ...att, ...o }));
  }

  async delAsync(conf: unknown, att: Attachment, o: CallOptions = {}): Promise<PluginRun> {
    return this.forgetOnSuccess(att, await this.runAsync('DEL', conf, { ...att, ...o }));
  }

  /** A DELed attachment needs no DEL at teardown. */
  private forgetOnSuccess(att: Attachment, run: PluginRun): PluginRun {
    const i = this.attachments.findIndex((a) => a.containerId === att.containerId && a.ifname === att.ifname);
    if (run.code === 0 && i >= 0) this.attachments.splice(i, 1);
    return run;
  }

  /** DELs every attachment ADDed through this node, newest first; returns the failures. */
  delAll(): string[] {
    const failures: string[] = [];
    for (const a of [...this.attachments].reverse()) {
      const r = this.run('DEL', a.conf, { containerId: a.containerId, ifname: a.ifname });
      if (r.code !== 0) failures.push(`${a.containerId}/${a.ifname}: ${r.stdout.trim()}`);
    }
    return failures;
  }

  /** Long-running command in a namespace (a listener); stopped by cleanup(). */
  background(ns: string, argv: string[]): ChildProcess {
    const child = spawn('ip', ['netns', 'exec', ns, ...argv], { stdio: 'ignore', detached: true });
    this.procs.push({ ns, child });
    return child;
  }

  /** Kills the listeners this node started (in one namespace, or all); each runs in its own process group. */
  private stopProcesses(ns?: string): void {
    for (const p of this.procs.filter((q) => ns === undefined || q.ns === ns)) {
      try {
        if (p.child.pid && p.child.exitCode === null) process.kill(-p.child.pid, 'SIGKILL');
      } catch {
        // already gone
      }
    }
    this.procs.splice(0, this.procs.length, ...this.procs.filter((q) => ns !== undefined && q.ns !== ns));
  }

  /**
   * The pod goes away without a DEL (its processes die, the runtime deletes the namespace); the
   * kernel destroys the namespace, and the veth pair with it, asynchronously: wait for the host end.
   */
  async removePod(pod: string, hostVeth: string): Promise<void> {
    this.stopProcesses(pod);
    this.namespaces.remove(pod);
    for (let i = 0; i < 200 && this.hostVeths().includes(hostVeth); i++) await new Promise((r) => setTimeout(r, 20));
    if (this.hostVeths().includes(hostVeth)) throw new Error(`${hostVeth} still present after its namespace was deleted`);
  }

  /** Waits until something listens on proto/port in the namespace. */
  async waitForListener(ns: string, proto: 'tcp' | 'udp', port: number): Promise<void> {
    for (let i = 0; i < 100; i++) {
      const out = this.tryExec(ns, ['ss', '-Hn', proto === 'tcp' ? '-lt' : '-lu', `sport = :${port}`]).stdout;
      if (out.trim()) return;
      await new Promise((r) => setTimeout(r, 20));
    }
    throw new Error(`nothing listens on ${proto}/${port} in ${ns}`);
  }

  /** A TCP listener answering every connection with `reply` (a shell command, e.g. 'echo $SOCAT_PEERADDR'); IPv6 listeners are IPv6-only so both can share a port. */
  async tcpServer(ns: string, port: number, reply: string, family: 4 | 6 = 4): Promise<void> {
    this.background(ns, ['socat', `TCP${family}-LISTEN:${port},fork,reuseaddr${family === 6 ? ',ipv6only=1' : ''}`, `SYSTEM:${reply}`]);
    await this.waitForListener(ns, 'tcp', port);
  }

  /** A UDP server answering every datagram with `reply`. */
  async udpServer(ns: string, port: number, reply: string, family: 4 | 6 = 4): Promise<void> {
    this.background(ns, ['socat', `UDP${family}-RECVFROM:${port},fork,reuseaddr${family === 6 ? ',ipv6only=1' : ''}`, `SYSTEM:${reply}`]);
    await this.waitForListener(ns, 'udp', port);
  }

  /** What a TCP client in `ns` reads from host:port (IPv6 without brackets); undefined when it cannot connect. */
  tcpRequest(ns: string, host: string, port: number): string | undefined {
    const r = this.tryExec(ns, ['timeout', '4', 'socat', '-t2', '-', `${socatAddress('TCP', host, port)},connect-timeout=2`], { timeoutMs: 6000 });
    return r.code === 0 && r.stdout ? r.stdout.trim() : undefined;
  }

  /**
   * The reply to one UDP datagram; undefined when none came. The server forks a shell per
   * datagram, so on a loaded 2-core machine a reply can take over a second: wait 2 s for it.
   */
  udpRequest(ns: string, host: string, port: number): string | undefined {
    const r = this.tryExec(ns, ['timeout', '5', 'socat', '-t2', '-T3', '-', socatAddress('UDP', host, port)], { input: 'ping\n', timeoutMs: 7000 });
    return r.stdout.trim() || undefined;
  }

  /** One ping; when success is expected, a few tries so a slow first ARP/ND does not flake. */
  ping(ns: string, addr: string, tries = 3): boolean {
    for (let i = 0; i < tries; i++) {
      if (this.tryExec(ns, ['ping', '-c1', '-W1', addr]).code === 0) return true;
    }
    return false;
  }

  // ---- readers -------------------------------------------------------------------------

  links(ns = this.name): LinkInfo[] {
    return JSON.parse(this.ipIn(ns, ['-d', '-j', 'link', 'show'])) as LinkInfo[];
  }

  link(name: string, ns = this.name): LinkInfo | undefined {
    return this.links(ns).find((l) => l.ifname === name);
  }

  addrs(name: string, ns = this.name): string[] {
    const [l] = JSON.parse(this.ipIn(ns, ['-j', 'addr', 'show', 'dev', name])) as LinkInfo[];
    return (l?.addr_info ?? []).map((a) => `${a.local}/${a.prefixlen}`);
  }

  /** Host veths (tw + 12 hex) in the node. */
  hostVeths(): string[] {
    return this.links().map((l) => l.ifname).filter((n) => HOST_VETH.test(n));
  }

  /** Every element of every set and map in the node's `table inet twill` (none when there is no table). */
  tableElements(): TableElement[] {
    const r = this.tryExec(this.name, ['nft', '-j', 'list', 'table', 'inet', 'twill']);
    if (r.code !== 0) return [];
    const items = (JSON.parse(r.stdout) as { nftables: Array<{ set?: { name: string; elem?: unknown[] }; map?: { name: string; elem?: Array<[unknown, unknown]> } }> }).nftables;
    return items.flatMap((i) => [
      ...(i.set?.elem ?? []).map((k) => toElement(i.set!.name, k)),
      ...(i.map?.elem ?? []).map(([k]) => toElement(i.map!.name, k)),
    ]);
  }

  /** Port-mapping elements (maps hostports*). */
  portMappings(): TableElement[] {
    return this.tableElements().filter((e) => e.set.startsWith('hostports'));
  }

  /** Addresses reserved in the IPAM store for a network, and the attachments holding entries. */
  reservations(network: string): { ips: string[]; attachments: string[] } {
    const dir = join(this.dataDir, network);
    const list = (d: string) => {
      try {
        return readdirSync(d);
      } catch {
        return [];
      }
    };
    return { ips: list(dir).filter((n) => isIP(n) !== 0).sort(), attachments: list(join(dir, 'attachments')).sort() };
  }

  /** Networks that have a directory in the IPAM store. */
  networks(): string[] {
    try {
      return readdirSync(this.dataDir);
    } catch {
      return [];
    }
  }

  /** conntrack entries in the node for proto with that original destination port. */
  conntrack(proto: 'tcp' | 'udp', port: number): string[] {
    const r = this.tryExec(this.name, ['conntrack', '-L', '-p', proto, '--orig-port-dst', String(port)]);
    return r.stdout.split('\n').filter((l) => l.trim());
  }

  /** What the node looks like, for before/after comparisons (volatile fields such as DAD flags left out). */
  snapshot(): Json {
    const links = this.links().map((l) => ({ ifname: l.ifname, mtu: l.mtu, address: l.address, master: l.master, kind: l.linkinfo?.info_kind }));
    const addrs = (JSON.parse(this.ipIn(this.name, ['-j', 'addr', 'show'])) as LinkInfo[]).map((l) => ({
      ifname: l.ifname,
      addrs: (l.addr_info ?? []).map((a) => `${a.local}/${a.prefixlen}`).sort(),
    }));
    const ruleset = this.exec(this.name, ['nft', 'list', 'ruleset']);
    // Route flags such as linkdown follow carrier changes after the fact; destinations and devices do not.
    const routes = ['-4', '-6'].flatMap((f) => JSON.parse(this.ipIn(this.name, [f, '-j', 'route', 'show'])) as Json[]).map((r) => `${r.dst} ${r.gateway ?? ''} ${r.dev}`);
    return { links, addrs, ruleset, routes };
  }

  /**
   * Nothing of any pod is left in the node: no host veth, no port mapping, no reservation
   * (for each network given), no UDP conntrack entry towards the given host ports.
   */
  leftovers(networks: string[] = this.networks(), udpPorts: number[] = []): Json {
    const out: Json = {};
    const veths = this.hostVeths();
    if (veths.length) out.veths = veths;
    const maps = this.portMappings();
    if (maps.length) out.portMappings = maps;
    for (const n of networks) {
      const r = this.reservations(n);
      if (r.ips.length || r.attachments.length) out[`ipam ${n}`] = r;
    }
    for (const p of udpPorts) {
      const ct = this.conntrack('udp', p);
      if (ct.length) out[`conntrack udp/${p}`] = ct;
    }
    return out;
  }

  /** Stops listeners, deletes every namespace (their links and nft tables go with them) and temp dirs. */
  cleanup(): void {
    this.stopProcesses();
    // The plugin's "rules applied" marker for this namespace (cni/plugin/firewall.ts), removed while
    // the namespace still exists: once it is gone, its inode number may name someone else's.
    rmSync(`/run/twill/ns-${this.inode}`, { recursive: true, force: true });
    this.namespaces.cleanup();
    rmSync(this.dataDir, { recursive: true, force: true });
  }
}
