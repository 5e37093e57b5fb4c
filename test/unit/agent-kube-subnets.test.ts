// Per-node subnets: pool math, Lease claims against the test API server (atomic create, 409,
// ownerReferences, garbage collection), with many agents at once, restarts, deleted nodes
// and a collector that does not run.
import type { KubeClient } from '../../daemonset/kube/client';
import { NodeSubnetUnavailableError, SubnetConfigError, SubnetPoolExhaustedError } from '../../daemonset/kube/errors';
import { ensureNodeSubnets } from '../../daemonset/kube/node-subnets';
import { slimNode, type NodeJson, type SlimNode } from '../../daemonset/kube/slim-node';
import { claimNodeSubnet } from '../../daemonset/kube/subnet-claim';
import { nodeLabelValue, subnetLeaseName } from '../../daemonset/kube/subnet-lease';
import { indexOfSubnet, parseSubnetPools, startIndexFor, subnetAt } from '../../daemonset/kube/subnet-pool';
import { formatCidr, parseCidr } from '../../ipam/net/cidr';
import { leases, nodes, TestApiServer } from '../kube/apiserver';
import { eventually } from '../kube/client';
import { AGENT_USER, agentClientFor } from '../helpers/kube-agent';

const NS = 'twill-system';
const [V4_POOL] = parseSubnetPools([{ clusterCidr: '10.244.0.0/16', nodePrefixLength: 24 }]);
// 8 subnets: small enough to fill.
const [TINY_POOL] = parseSubnetPools([{ clusterCidr: '10.9.0.0/27', nodePrefixLength: 30 }]);

describe('pool math', () => {
  test('index <-> subnet, both families', () => {
    const [v4, v6] = parseSubnetPools([
      { clusterCidr: '10.244.0.0/16', nodePrefixLength: 24 },
      { clusterCidr: 'fd00:10:244::/56', nodePrefixLength: 64 },
    ]);
    expect([v4.size, v6.size]).toEqual([256n, 256n]);
    expect(formatCidr(subnetAt(v4, 3n))).toBe('10.244.3.0/24');
    expect(formatCidr(subnetAt(v6, 255n))).toBe('fd00:10:244:ff::/64');
    expect(indexOfSubnet(v6, parseCidr('fd00:10:244:ff::/64')!)).toBe(255n);
    expect(indexOfSubnet(v4, parseCidr('10.245.0.0/24')!)).toBeUndefined();
    expect(indexOfSubnet(v4, parseCidr('10.244.3.0/25')!)).toBeUndefined();
    expect(() => subnetAt(v4, 256n)).toThrow(RangeError);
  });

  test('bad settings name the field', () => {
    const bad = (clusterCidr: string, nodePrefixLength: number) => () => parseSubnetPools([{ clusterCidr, nodePrefixLength }]);
    expect(bad('10.244.1.0/16', 24)).toThrow('clusterCidrs[0].clusterCidr: "10.244.1.0/16" has host bits set (did you mean 10.244.0.0/16?)');
    expect(bad('10.244.0.0/16', 12)).toThrow('clusterCidrs[0].nodePrefixLength: 12 must be an integer from 16');
    expect(bad('10.244.0.0/16', 33)).toThrow(SubnetConfigError);
    expect(bad('nope', 24)).toThrow('"nope" is not a CIDR');
    const twoV4 = () => parseSubnetPools([{ clusterCidr: '10.0.0.0/8', nodePrefixLength: 24 }, { clusterCidr: '11.0.0.0/8', nodePrefixLength: 24 }]);
    expect(twoV4).toThrow('clusterCidrs: at most one cluster CIDR per address family');
  });

  test('lease names are valid, one per subnet; long node names become label-sized hashes', () => {
    expect(subnetLeaseName(parseCidr('10.244.3.0/24')!)).toBe('twill-subnet-10-244-3-0-24');
    expect(subnetLeaseName(parseCidr('fd00:10:244:3::/64')!)).toBe('twill-subnet-fd00-10-244-3---64');
    expect(nodeLabelValue('n1')).toBe('n1');
    expect(nodeLabelValue('x'.repeat(64))).toMatch(/^h-[0-9a-f]{40}$/);
  });

  test('start points spread over the pool', () => {
    const starts = new Set(Array.from({ length: 20 }, (_, i) => startIndexFor(V4_POOL, `node-${i}`)));
    expect(starts.size).toBeGreaterThanOrEqual(18);
  });
});

describe('claims on the API server', () => {
  let api: TestApiServer;
  let client: KubeClient;

  async function startServer(opts: { gcDelayMs?: number } = {}) {
    api = await TestApiServer.start({ users: [AGENT_USER], namespaces: ['default', NS], ...opts });
    client = agentClientFor(api, { user: AGENT_USER.name });
  }
  afterEach(() => api.close());

  const addNode = (name: string, spec: NodeJson['spec'] = {}): SlimNode => slimNode(api.create(nodes, { metadata: { name }, spec }) as NodeJson);
  const claim = (node: SlimNode, pool = TINY_POOL, liveNodes?: ReadonlyMap<string, { uid: string }>) =>
    claimNodeSubnet({ client: agentClientFor(api, { user: AGENT_USER.name }), namespace: NS, node, pool, liveNodes });
  const claimLeases = () => api.store.list(leases).filter((l) => l.metadata.namespace === NS);

  test('20 agents starting at once all get distinct subnets, each owned by its node', async () => {
    await startServer();
    const all = Array.from({ length: 20 }, (_, i) => addNode(`node-${i}`));
    const got = await Promise.all(all.map((n) => claim(n, V4_POOL)));
    expect(new Set(got.map((c) => c.subnet)).size).toBe(20);
    expect(got.every((c) => c.outcome === 'claimed')).toBe(true);
    const held = claimLeases();
    expect(held).toHaveLength(20);
    for (const lease of held) {
      const owner = all.find((n) => n.name === lease.metadata.labels?.['twill.dev/node'])!;
      expect(lease.metadata.ownerReferences).toEqual([{ apiVersion: 'v1', kind: 'Node', name: owner.name, uid: owner.uid }]);
      expect(lease.metadata.annotations?.['twill.dev/subnet']).toBe(got[all.indexOf(owner)].subnet);
    }
  });

  test('a full pool: 8 concurrent agents fill 8 subnets, the 9th gets a clear error', async () => {
    await startServer();
    const got = await Promise.all(Array.from({ length: 8 }, (_, i) => claim(addNode(`n${i}`))));
    expect(got.map((c) => c.subnet).sort()).toEqual(Array.from({ length: 8 }, (_, i) => `10.9.0.${i * 4}/30`).sort());
    const err = await claim(addNode('n8')).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(SubnetPoolExhaustedError);
    expect((err as Error).message).toBe('no free /30 subnet left in cluster CIDR 10.9.0.0/27: all 8 are claimed by live nodes');
  });

  test('an agent restart keeps its subnet (no new claim)', async () => {
    await startServer();
    const n1 = addNode('n1');
    const first = await claim(n1);
    const again = await claim(n1);
    expect(again).toEqual({ ...first, outcome: 'kept' });
    expect(claimLeases()).toHaveLength(1);
  });

  test('two agents of the same node at once (a surge rollout) end up with one subnet', async () => {
    await startServer();
    const n1 = addNode('n1');
    const [a, b] = await Promise.all([claim(n1), claim(n1)]);
    expect(a.subnet).toBe(b.subnet);
    expect([a.outcome, b.outcome].sort()).toEqual(['claimed', 'kept']);
    expect(claimLeases()).toHaveLength(1);
  });

  test("a deleted node's subnet returns to the pool through the garbage collector", async () => {
    await startServer();
    const got = await Promise.all(Array.from({ length: 8 }, (_, i) => claim(addNode(`n${i}`))));
    api.delete(nodes, 'n3');
    await eventually(() => expect(claimLeases()).toHaveLength(7));
    const next = await claim(addNode('n9'));
    expect(next).toEqual({ subnet: got[3].subnet, lease: got[3].lease, outcome: 'claimed' });
  });

  test('without a garbage collector, a claim whose owner is gone is reclaimed', async () => {
    await startServer({ gcDelayMs: 2 ** 31 - 1 });
    const got = await Promise.all(Array.from({ length: 8 }, (_, i) => claim(addNode(`n${i}`))));
    api.delete(nodes, 'n5');
    expect(claimLeases()).toHaveLength(8);
    const n9 = addNode('n9');
    expect(await claim(n9)).toEqual({ subnet: got[5].subnet, lease: got[5].lease, outcome: 'reclaimed' });
    expect(api.get(leases, got[5].lease, NS)?.metadata.ownerReferences?.[0]).toMatchObject({ name: 'n9', uid: n9.uid });
  });

  test('a node re-created under its name (new uid) gets a fresh claim, its old one reclaimed', async () => {
    await startServer({ gcDelayMs: 2 ** 31 - 1 });
    const old = await claim(addNode('n1'));
    api.delete(nodes, 'n1');
    const reborn = addNode('n1');
    const got = await claim(reborn);
    // Same name, same hash start: the old subnet, now held by the new incarnation.
    expect(got).toEqual({ ...old, outcome: 'reclaimed' });
    expect(api.get(leases, got.lease, NS)?.metadata.ownerReferences?.[0].uid).toBe(reborn.uid);
  });

  test('live owners are never reclaimed, even when the informer does not know them yet', async () => {
    await startServer({ gcDelayMs: 2 ** 31 - 1 });
    await Promise.all(Array.from({ length: 8 }, (_, i) => claim(addNode(`n${i}`))));
    const uids = claimLeases().map((l) => l.metadata.uid);
    // the 8 claims above may look up each other's owners too, as their requests interleave
    const nodeGets = () => api.requests.filter((r) => r.verb === 'get' && r.resource === 'nodes').length;
    const before = nodeGets();
    const err = await claim(addNode('late'), TINY_POOL, new Map()).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(SubnetPoolExhaustedError);
    expect(claimLeases().map((l) => l.metadata.uid)).toEqual(uids);
    expect(nodeGets() - before).toBe(8);
  });

  test('a stale claim re-made by another agent while we looked is not deleted (uid + resourceVersion preconditions)', async () => {
    await startServer({ gcDelayMs: 2 ** 31 - 1 });
    const got = await Promise.all(Array.from({ length: 8 }, (_, i) => claim(addNode(`n${i}`))));
    api.delete(nodes, 'n2');
    const rival = addNode('rival');
    const base = agentClientFor(api, { user: AGENT_USER.name });
    // Between our GET of the gone owner and our DELETE, a rival agent reclaims the subnet.
    const racing: KubeClient = Object.assign(Object.create(base) as KubeClient, {
      getNode: async (name: string) => {
        const answer = await base.getNode(name);
        if (name === 'n2') await claim(rival);
        return answer;
      },
    });
    const late = addNode('late');
    const err = await claimNodeSubnet({ client: racing, namespace: NS, node: late, pool: TINY_POOL }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(SubnetPoolExhaustedError);
    expect(api.get(leases, got[2].lease, NS)?.metadata.ownerReferences?.[0]).toMatchObject({ name: 'rival', uid: rival.uid });
  });

  test('a claim without a Node owner (made by hand) is never reclaimed', async () => {
    await startServer();
    const name = subnetLeaseName(subnetAt(TINY_POOL, startIndexFor(TINY_POOL, 'n1')));
    const annotations = { 'twill.dev/subnet': formatCidr(subnetAt(TINY_POOL, startIndexFor(TINY_POOL, 'n1'))), 'twill.dev/cluster-cidr': TINY_POOL.text };
    api.create(leases, { metadata: { name, labels: { 'app.kubernetes.io/managed-by': 'twilld' }, annotations }, spec: {} }, NS);
    const got = await claim(addNode('n1'));
    expect(got.lease).not.toBe(name);
    expect(api.get(leases, name, NS)).toBeDefined();
  });

  test('dual-stack: one IPv4 and one IPv6 subnet, IPv4 first; the cluster\'s podCIDRs win when set', async () => {
    await startServer();
    const pools = parseSubnetPools([
      { clusterCidr: 'fd00:10:244::/56', nodePrefixLength: 64 },
      { clusterCidr: '10.244.0.0/16', nodePrefixLength: 24 },
    ]);
    const got = await ensureNodeSubnets({ client, namespace: NS, node: addNode('n1'), pools });
    expect(got.source).toBe('claimed');
    expect(got.cidrs).toHaveLength(2);
    expect(got.cidrs[0]).toMatch(/^10\.244\.\d+\.0\/24$/);
    expect(got.cidrs[1]).toMatch(/^fd00:10:244:[0-9a-f]{0,2}::\/64$/);
    const allocated = addNode('n2', { podCIDRs: ['10.1.2.0/24', 'fd00::/64'] });
    expect(await ensureNodeSubnets({ client, namespace: NS, node: allocated, pools })).toEqual({ source: 'cluster', cidrs: ['10.1.2.0/24', 'fd00::/64'], claims: [] });
    expect(claimLeases()).toHaveLength(2);
  });

  test("a further network claims from its own pool beside the pod network's claim, whatever spec.podCIDRs say", async () => {
    await startServer();
    const podPool = parseSubnetPools([{ clusterCidr: '10.244.0.0/16', nodePrefixLength: 24 }]);
    const bluePool = parseSubnetPools([{ clusterCidr: '10.215.0.0/16', nodePrefixLength: 24 }]);
    const n1 = addNode('n1');
    const pod = await ensureNodeSubnets({ client, namespace: NS, node: n1, pools: podPool });
    const blue = await ensureNodeSubnets({ client, namespace: NS, node: n1, pools: bluePool, clusterAllocates: false });
    expect(pod.cidrs[0]).toMatch(/^10\.244\./);
    expect(blue.cidrs[0]).toMatch(/^10\.215\./);
    expect(claimLeases()).toHaveLength(2);
    // Kept across restarts, each from its own pool.
    expect((await ensureNodeSubnets({ client, namespace: NS, node: n1, pools: bluePool, clusterAllocates: false })).claims[0].outcome).toBe('kept');
    const allocated = addNode('n2', { podCIDRs: ['10.1.2.0/24'] });
    expect((await ensureNodeSubnets({ client, namespace: NS, node: allocated, pools: bluePool, clusterAllocates: false })).cidrs[0]).toMatch(/^10\.215\./);
  });

  test('no podCIDRs and nothing to allocate from: NodeSubnetUnavailableError', async () => {
    await startServer();
    await expect(ensureNodeSubnets({ client, namespace: NS, node: addNode('n1'), pools: [] })).rejects.toThrow(NodeSubnetUnavailableError);
  });
});
