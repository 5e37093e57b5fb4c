// The multi-node harness itself (test/helpers/cluster/), without twilld: three node namespaces
// on an underlay come up with their addresses and sysctls, each reaches the in-process test API
// server over HTTPS through the relay with its own kubeconfig (agent token, RBAC enforced), each
// node's bin dir holds what `twilld install` put there, the nodes ping each other over both
// families, pods ADDed (from that bin dir) from a conflist in a node's cniConfDir
// ping each other, the agent process handling works, and teardown leaves nothing behind.
import { createHash } from 'node:crypto';
import { chmodSync, lstatSync, readdirSync, readFileSync, renameSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { isIP } from 'node:net';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { nodes, TestApiServer } from '../kube/apiserver';
import { eventually } from '../kube/client';
import { describeRoot } from '../helpers/netns';
import { requireTools } from '../helpers/os-packages';
import { overlayConfig, syncOverlay, vtepMac } from '../../daemonset/overlay';
import { createAsyncRunner, type AsyncRunner } from '../../cni/host/run-async';
import { HEAD_BYTES, launcherRuntime } from '../../daemonset/install/layout';
import { DIST } from '../helpers/exec-plugin';
import { Cluster, describeEntries, isClean, peerEntries, leftovers, link, namespacesWithPrefix, PREFIX, processesMentioning, tryRun, inNs, type ClusterNode, type Leftovers } from '../helpers/cluster';

jest.setTimeout(60_000);

const sha256 = (path: string) => createHash('sha256').update(readFileSync(path)).digest('hex');

/** The conflist twilld would write for a node (static node subnets here: no agent runs). */
function writeConflist(node: ClusterNode, subnets: string[]): void {
  const plugin = { type: 'twill', bridge: 'twill0', isDefaultGateway: true, ipMasq: false, ipam: { type: 'twill-ipam', ranges: subnets.map((subnet) => [{ subnet }]), dataDir: node.paths.ipamDataDir } };
  writeFileSync(join(node.paths.cniConfDir, '10-twill.conflist'), JSON.stringify({ cniVersion: '1.1.0', name: 'twill', plugins: [plugin] }));
}

/**
 * A stand-in for dist/twilld (a real process, not a mock of the harness): says what it was
 * given as one JSON line, answers /healthz on the agent's port, exits 0 on SIGTERM.
 */
function standInAgent(dir: string): string {
  const path = join(dir, 'stand-in-twilld.sh');
  const script = String.raw`#!/bin/sh
addr=$(ip -4 -o addr show dev eth0 | awk '{print $4}')
printf '{"msg":"started","node":"%s","kubeconfig":"%s","args":"%s","eth0":"%s"}\n' "$NODE_NAME" "$KUBECONFIG" "$*" "$addr"
socat TCP-LISTEN:9765,bind=127.0.0.1,fork,reuseaddr SYSTEM:'echo HTTP/1.0 200 OK; echo; printf ok' &
srv=$!
stopping() { printf '%s\n' '{"msg":"stopping"}'; kill $srv; exit 0; }
trap stopping TERM
while :; do sleep 1 & wait $!; done
`;
  writeFileSync(path, script);
  chmodSync(path, 0o755);
  return path;
}

/** The agent's kernel runner, entering the node's namespace (as twilld runs there). */
function nodeRunner(node: ClusterNode): AsyncRunner {
  const base = createAsyncRunner({ PATH: '/usr/sbin:/usr/bin:/sbin:/bin' });
  return (argv, opts) => base(inNs(node.ns, argv), opts);
}

/** What a node's kubeconfig says: server, CA (PEM), bearer token. */
function kubeconfigOf(node: ClusterNode): { server: string; ca: string; token: string } {
  const text = readFileSync(node.paths.kubeconfig, 'utf8');
  const field = (key: string) => new RegExp(`^\\s*${key}: (.+)$`, 'm').exec(text)?.[1] ?? '';
  return { server: field('server'), ca: Buffer.from(field('certificate-authority-data'), 'base64').toString(), token: field('token') };
}

/** curl inside the node, as a client with the node's kubeconfig; HTTP code and body. */
async function apiRequest(node: ClusterNode, path: string, o: { token?: string | null; method?: string } = {}): Promise<{ code: number; body: string }> {
  const kc = kubeconfigOf(node);
  const caFile = join(node.paths.dir, 'ca.crt');
  writeFileSync(caFile, kc.ca);
  const token = o.token === undefined ? kc.token : o.token;
  const auth = token === null ? [] : ['-H', `Authorization: Bearer ${token}`];
  const argv = ['curl', '-sS', '--max-time', '5', '--cacert', caFile, ...auth, '-X', o.method ?? 'GET', '-o', '-', '-w', '\n%{http_code}', `${kc.server}${path}`];
  const r = await tryRun(inNs(node.ns, argv));
  const cut = r.stdout.lastIndexOf('\n');
  if (cut < 0) throw new Error(`curl in ${node.ns} failed (${r.code}): ${r.stderr}`);
  return { code: Number(r.stdout.slice(cut + 1)), body: r.stdout.slice(0, cut) };
}

describeRoot('e2e cluster harness (no agent)', () => {
  let cluster: Cluster;
  let left: Leftovers | undefined;

  beforeAll(async () => {
    requireTools(['ip', 'ss', 'socat', 'curl', 'ping', 'bridge']);
    cluster = await Cluster.start({ nodes: 3 });
  });

  afterAll(async () => {
    if (!left) await cluster?.teardown();
  });

  it('brings up 3 node namespaces on the underlay: eth0 MTU 1500 with both addresses, forwarding on, registered in the API', async () => {
    expect(cluster.nodes.map((n) => [n.name, n.ipv4, n.ipv6])).toEqual([
      ['n1', '192.168.77.11', 'fd77::11'],
      ['n2', '192.168.77.12', 'fd77::12'],
      ['n3', '192.168.77.13', 'fd77::13'],
    ]);
    for (const n of cluster.nodes) {
      const eth0 = await link(n, 'eth0');
      expect({ mtu: eth0?.mtu, up: eth0?.operstate }).toEqual({ mtu: 1500, up: 'UP' });
      const addrs = JSON.parse(await cluster.exec(n, ['ip', '-j', 'addr', 'show', 'dev', 'eth0'])) as Array<{ addr_info: Array<{ local: string; prefixlen: number }> }>;
      expect(addrs[0].addr_info.map((a) => `${a.local}/${a.prefixlen}`)).toEqual(expect.arrayContaining([`${n.ipv4}/24`, `${n.ipv6}/64`]));
      const sysctl = (key: string) => cluster.exec(n, ['cat', `/proc/sys/net/${key}`]);
      expect([await sysctl('ipv4/ip_forward'), await sysctl('ipv6/conf/all/forwarding')]).toEqual(['1\n', '1\n']);
      const obj = cluster.api.get(nodes, n.name) as any;
      expect(obj.status.addresses.filter((a: any) => a.type === 'InternalIP').map((a: any) => a.address)).toEqual([n.ipv4, n.ipv6]);
      expect(obj.spec.podCIDRs).toBeUndefined();
    }
  });

  it('serves the API inside every node at https://127.0.0.1:<port> with the node kubeconfig (agent token, RBAC enforced)', async () => {
    const results = await Promise.all(cluster.nodes.map((n) => apiRequest(n, '/api/v1/nodes')));
    for (const [k, r] of results.entries()) {
      expect({ node: cluster.nodes[k].name, code: r.code }).toEqual({ node: cluster.nodes[k].name, code: 200 });
      expect((JSON.parse(r.body).items as any[]).map((i) => i.metadata.name)).toEqual(['n1', 'n2', 'n3']);
    }
    const n1 = cluster.nodes[0];
    expect(kubeconfigOf(n1).server).toBe(`https://127.0.0.1:${cluster.api.port}`);
    // The agent's ClusterRole has no namespaces and no node deletion; no token is a 401.
    expect((await apiRequest(n1, '/api/v1/namespaces')).code).toBe(403);
    expect((await apiRequest(n1, '/api/v1/nodes/n2', { method: 'DELETE' })).code).toBe(403);
    expect((await apiRequest(n1, '/api/v1/nodes', { token: null })).code).toBe(401);
    // The requests really went through the server (and over the relay, from the node's own loopback).
    expect(cluster.api.requests.filter((r) => r.resource === 'nodes' && r.verb === 'list' && r.code === 200).length).toBeGreaterThanOrEqual(3);
  });

  it('the nodes ping each other over the underlay, IPv4 and IPv6', async () => {
    const pairs = cluster.nodes.flatMap((a) => cluster.nodes.filter((b) => b !== a).flatMap((b) => [[a, b.ipv4], [a, b.ipv6]] as const));
    const failed: string[] = [];
    for (const [from, to] of pairs) if (!(await cluster.ping({ from: from.ns, to }))) failed.push(`${from.name} → ${to}`);
    expect(failed).toEqual([]);
  });

  it("fills each node's bin dir with `twilld install` (dist/'s files, real copies); a plugin missing there fails the ADD instead of falling back to dist/", async () => {
    const runtime = launcherRuntime(readFileSync(join(DIST, 'twill'), 'latin1').slice(0, HEAD_BYTES))!;
    for (const n of cluster.nodes) {
      const bin = n.paths.cniBinDir;
      expect(readdirSync(bin).sort()).toEqual(['twill', 'twill-ipam', 'twillctl', runtime].sort());
      for (const f of readdirSync(bin)) expect({ f, real: lstatSync(join(bin, f)).isFile(), sha: sha256(join(bin, f)) }).toEqual({ f, real: true, sha: sha256(join(DIST, f)) });
    }
    const n3 = cluster.node('n3');
    writeConflist(n3, ['10.213.3.0/24', 'fd13:0:0:3::/64']);
    renameSync(join(n3.paths.cniBinDir, 'twill'), join(n3.paths.dir, 'twill.away'));
    try {
      await expect(cluster.addPod({ node: n3, name: 'x' })).rejects.toThrow(`plugin twill not found in ${n3.paths.cniBinDir}`);
      // A link into dist/ is not the installed layout either.
      symlinkSync(join(DIST, 'twill'), join(n3.paths.cniBinDir, 'twill'));
      await expect(cluster.addPod({ node: n3, name: 'x' })).rejects.toThrow(/pods must run the installed layout/);
    } finally {
      rmSync(join(n3.paths.cniBinDir, 'twill'), { force: true });
      renameSync(join(n3.paths.dir, 'twill.away'), join(n3.paths.cniBinDir, 'twill'));
      rmSync(join(n3.paths.cniConfDir, '10-twill.conflist'));
    }
    expect(await namespacesWithPrefix(`${n3.ns}-`)).toEqual([]); // the failed pods' namespaces went
  });

  it('ADDs pods from the conflist in the node cniConfDir, pings between them, DELs them', async () => {
    const n1 = cluster.nodes[0];
    writeConflist(n1, ['10.213.1.0/24', 'fd13:0:0:1::/64']);
    const a = await cluster.addPod({ node: 'n1', name: 'a' });
    const b = await cluster.addPod({ node: n1, name: 'b' });
    expect([a.ipv4, a.ipv6, b.ipv4, b.ipv6].map((ip) => ip?.split(/[.:]/).slice(0, 2).join('.'))).toEqual(['10.213', 'fd13.0', '10.213', 'fd13.0']);
    expect(a.ns.startsWith(`${PREFIX}`)).toBe(true);
    expect(await cluster.ping({ from: a, to: b.ipv4! })).toBe(true);
    expect(await cluster.ping({ from: b, to: a.ipv6! })).toBe(true);
    expect(await cluster.ping({ from: a, to: b.ipv4!, size: 1400, df: true })).toBe(true);
    // Beyond the pods' MTU (1500 here) a DF ping fails instead of being fragmented: `df` is really sent.
    expect(await cluster.ping({ from: a, to: b.ipv4!, size: 1480, df: true, tries: 1 })).toBe(false);
    const loop = cluster.pingLoop({ from: a, to: b.ipv4!, intervalMs: 50 });
    await eventually(() => expect(loop.replies).toBeGreaterThanOrEqual(10), 5000, 50);
    const summary = await loop.stop();
    expect(summary.transmitted).toBeGreaterThanOrEqual(10);
    expect(summary.lost).toBeLessThanOrEqual(1); // the request in flight when SIGINT came
    await cluster.delPod(b);
    expect(await cluster.ping({ from: a, to: b.ipv4!, tries: 1 })).toBe(false);
    expect(readdirSync(join(n1.paths.ipamDataDir, 'twill')).filter((f) => isIP(f))).toEqual([a.ipv4, a.ipv6].sort());
  });

  it('runs an agent process in the node namespace with NODE_NAME, KUBECONFIG and its config; stop, restart, kill -9', async () => {
    const binary = standInAgent(cluster.root);
    const agent = cluster.startAgent({ node: 'n2', config: { resyncSeconds: 3 }, binary });
    const started = await agent.waitForLine((l) => l.json?.msg === 'started');
    const n2 = cluster.node('n2');
    expect(started.json).toEqual({ msg: 'started', node: 'n2', kubeconfig: n2.paths.kubeconfig, args: `--config ${n2.paths.agentConfig}`, eth0: `${n2.ipv4}/24` });
    const config = JSON.parse(readFileSync(n2.paths.agentConfig, 'utf8'));
    expect(config).toMatchObject({ resyncSeconds: 3, listen: '127.0.0.1:9765', paths: { cniConfDir: n2.paths.cniConfDir, cniBinDir: n2.paths.cniBinDir, runDir: n2.paths.runDir, ipamDataDir: n2.paths.ipamDataDir } });
    expect(config).not.toHaveProperty('nodeName');
    await agent.waitHealthy('/healthz');
    expect(await agent.http('/healthz')).toEqual({ code: 200, body: 'ok' });
    expect(await agent.stop()).toEqual({ code: 0, signal: null });
    expect(agent.lines.some((l) => l.json?.msg === 'stopping')).toBe(true);
    expect((await agent.http('/healthz')).code).toBe(0);
    const second = await agent.restart();
    await agent.waitHealthy('/healthz');
    expect(second.pid).not.toBe(agent.pids[0]);
    expect(await agent.kill()).toEqual({ code: null, signal: 'SIGKILL' });
    // The group went with it: its health listener too.
    expect((await agent.http('/healthz')).code).toBe(0);
    expect(agent.lines.filter((l) => l.json?.msg === 'started')).toHaveLength(2);
  });

  it("reads back what the agent's overlay reconciler programs (the end-to-end tests' kernel assertions), and pods ping across nodes", async () => {
    const subnets = (n: ClusterNode) => [`10.213.${n.index}.0/24`, `fd13:0:0:${n.index}::/64`];
    const peers = cluster.nodes.map((n) => ({ name: n.name, podCIDRs: subnets(n), underlayIp: n.ipv4, vtepMac: vtepMac(n.name, 1) }));
    const sync = (n: ClusterNode, except: string[] = []) =>
      syncOverlay(nodeRunner(n), { config: overlayConfig({ nodeName: n.name, podCIDRs: subnets(n), underlay: { address: n.ipv4 } }), peers: peers.filter((p) => p.name !== n.name && !except.includes(p.name)) });
    for (const n of cluster.nodes) await sync(n);
    const [n1, n2, n3] = cluster.nodes;
    expect(describeEntries(await peerEntries(n1, subnets(n2)))).toEqual({
      routes: ['10.213.2.0/24 via 10.213.2.0', 'fd13:0:0:2::/64 via fd13:0:0:2::'],
      neighs: [`10.213.2.0 ${vtepMac('n2', 1)}`, `fd13:0:0:2:: ${vtepMac('n2', 1)}`],
      fdb: [`${vtepMac('n2', 1)} ${n2.ipv4}`],
    });
    for (const n of [n2, n3]) writeConflist(n, subnets(n));
    const [a] = cluster.pods; // n1's pod from the pod test
    const far = await Promise.all([n2, n3].map((node) => cluster.addPod({ node, name: 'far' })));
    for (const p of far) {
      expect({ to: p.node.name, v4: await cluster.ping({ from: a, to: p.ipv4! }), v6: await cluster.ping({ from: p, to: a.ipv6! }) }).toEqual({ to: p.node.name, v4: true, v6: true });
    }
    expect(await cluster.ping({ from: a, to: far[0].ipv4!, size: 1400, df: true })).toBe(true);
    await sync(n1, ['n3']);
    expect(describeEntries(await peerEntries(n1, subnets(n3)))).toEqual({ routes: [], neighs: [], fdb: [] });
    expect(await cluster.ping({ from: a, to: far[1].ipv4!, tries: 1 })).toBe(false);
    for (const p of far) await cluster.delPod(p);
  });

  it('teardown leaves no namespace, process or file (and the check sees them while the cluster runs)', async () => {
    cluster.pingLoop({ from: cluster.nodes[0].ns, to: cluster.nodes[1].ipv4 });
    const before = await leftovers({ prefix: `${PREFIX}`, root: cluster.root });
    expect(before.namespaces.length).toBeGreaterThanOrEqual(5); // underlay, 3 nodes, pod a
    expect(before.processes.length).toBeGreaterThanOrEqual(3); // a relay per node
    expect(before.files).toEqual([cluster.root]);
    left = await cluster.teardown();
    expect(left).toEqual({ namespaces: [], processes: [], files: [] });
    expect(isClean(left)).toBe(true);
  });
});

/** `ip -j route get` from a node: the gateway, when the destination is not on-link. */
async function gatewayTo(cluster: Cluster, from: ClusterNode, to: string): Promise<string | undefined> {
  const [route] = JSON.parse(await cluster.exec(from, ['ip', '-j', 'route', 'get', to])) as Array<{ gateway?: string; dev: string }>;
  expect(route.dev).toBe('eth0');
  return route.gateway;
}

describeRoot('e2e cluster harness: two underlay links, one router hop apart', () => {
  let cluster: Cluster;
  let left: Leftovers | undefined;

  beforeAll(async () => {
    requireTools(['ip', 'ss', 'socat', 'ping']);
    cluster = await Cluster.start({ nodes: [{}, {}, { link: 1, podCIDRs: ['10.213.9.0/24', 'fd13:0:0:9::/64'] }] });
  });

  afterAll(async () => {
    if (!left) await cluster?.teardown();
  });

  it('n1 and n2 are on-link, n3 is behind the router; all reach each other in both families', async () => {
    const [n1, n2, n3] = cluster.nodes;
    expect([n3.ipv4, n3.ipv6, n3.link]).toEqual(['192.168.78.13', 'fd78::13', 1]);
    expect(await gatewayTo(cluster, n1, n2.ipv4)).toBeUndefined();
    expect(await gatewayTo(cluster, n1, n2.ipv6)).toBeUndefined();
    expect(await gatewayTo(cluster, n1, n3.ipv4)).toBe('192.168.77.254');
    expect(await gatewayTo(cluster, n1, n3.ipv6)).toBe('fd77::fe');
    expect(await gatewayTo(cluster, n3, n2.ipv4)).toBe('192.168.78.254');
    for (const [from, to] of [[n1, n3.ipv4], [n1, n3.ipv6], [n3, n2.ipv4], [n3, n2.ipv6]] as const) {
      expect({ from: from.name, to, ok: await cluster.ping({ from: from.ns, to }) }).toEqual({ from: from.name, to, ok: true });
    }
    // One hop: the reply crossed the router (TTL 63), the on-link one did not (64).
    expect(await cluster.exec(n1, ['ping', '-n', '-c1', '-W2', n3.ipv4])).toMatch(/ttl=63/);
    expect(await cluster.exec(n1, ['ping', '-n', '-c1', '-W2', n2.ipv4])).toMatch(/ttl=64/);
  });

  it('registers spec.podCIDRs where a node spec gives them (a controller-manager allocating)', () => {
    expect((cluster.api.get(nodes, 'n3') as any).spec).toEqual({ podCIDR: '10.213.9.0/24', podCIDRs: ['10.213.9.0/24', 'fd13:0:0:9::/64'] });
    expect((cluster.api.get(nodes, 'n1') as any).spec.podCIDRs).toBeUndefined();
    cluster.deleteNode('n1');
    expect(cluster.api.get(nodes, 'n1')).toBeUndefined();
    cluster.registerNode('n1');
    expect(cluster.api.get(nodes, 'n1')).toBeDefined();
  });

  it('teardown leaves nothing', async () => {
    left = await cluster.teardown();
    expect(left).toEqual({ namespaces: [], processes: [], files: [] });
  });
});

describeRoot('e2e cluster harness: a start that fails half-way', () => {
  it('removes what it had built before failing', async () => {
    const api = await TestApiServer.start(); // without AGENT_USER: the first node's kubeconfig cannot be written
    try {
      await expect(Cluster.start({ nodes: 2, api })).rejects.toThrow(/no such user/);
      const mine = `${PREFIX}${process.pid.toString(36)}`;
      expect(await namespacesWithPrefix(mine)).toEqual([]);
      expect(processesMentioning([mine])).toEqual([]);
      expect(readdirSync(tmpdir()).filter((f) => f.startsWith(mine))).toEqual([]);
      expect(api.running).toBe(true); // a server the caller gave stays the caller's
    } finally {
      await api.close();
    }
  });
});
