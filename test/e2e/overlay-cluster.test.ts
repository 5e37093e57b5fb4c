// twilld end to end: real agents (dist/twilld) on harness nodes (test/helpers/cluster/) against
// the test API server, pods ADDed from the installed layout (each node's bin dir filled by
// `twilld install` as the init container fills /opt/cni/bin, the conflist its agent wrote into
// its conf dir; the harness refuses a plugin from anywhere else), and the kernel state the
// agents programmed read back with `ip -j` / `bridge -j` inside the node namespaces.
// What the tests rely on: /healthz on `listen` answers 200 once the first sync is done; the conflist is
// <cniConfDir>/10-<network>.conflist with `ipam.ranges` holding the node's subnets; peers'
// routes are `proto 116` on twill.<vni> via a gateway whose neighbour entry is the peer's
// twill.dev/vtep-mac and whose FDB entry sends that MAC to the peer's twill.dev/underlay-ip.
import { isIP } from 'node:net';
import { nodes } from '../kube/apiserver';
import { eventually } from '../kube/client';
import { withCluster } from '../helpers/cluster/with-cluster';
import { describeRoot } from '../helpers/netns';
import { requireTools } from '../helpers/os-packages';
import {
  AGENT_ROUTE_PROTO, Cluster, execIn, fdb, peerEntries, readConflist, routes, vxlanDevice,
  type Agent, type AgentFileConfig, type ClusterNode, type NodeSpec, type Pod,
} from '../helpers/cluster';

jest.setTimeout(120_000);

const DEV = vxlanDevice(1);
const family = (cidr: string): 4 | 6 => (isIP(cidr.split('/')[0]) === 6 ? 6 : 4);

/** Starts an agent on every node (all at once) and waits until each is ready (subnet, overlay, conflist, Node published). */
async function startAgents(cluster: Cluster, config: Partial<AgentFileConfig> = {}): Promise<Agent[]> {
  const agents = cluster.nodes.map((node) => cluster.startAgent({ node, config }));
  await Promise.all(agents.map((a) => a.waitHealthy('/readyz', 60_000)));
  await Promise.all(agents.map((a) => eventually(() => readConflist(a.node.paths.cniConfDir, 'twill'), 20_000, 100)));
  return agents;
}

/** The node's pod subnets, as the agent handed them to the plugin. */
function subnetsOf(node: ClusterNode): string[] {
  const plugin = readConflist(node.paths.cniConfDir, 'twill').plugins.find((p) => p.type === 'twill')!;
  return (plugin.ipam.ranges as Array<Array<{ subnet: string }>>).flat().map((r) => r.subnet);
}

function annotation(cluster: Cluster, node: ClusterNode, key: 'vtep-mac' | 'underlay-ip'): string {
  return (cluster.api.get(nodes, node.name) as any)?.metadata.annotations?.[`twill.dev/${key}`];
}

/** `node` reaches `peer` through the overlay: one route per subnet, neighbour → VTEP MAC, FDB → underlay IP. */
async function expectProgrammed(cluster: Cluster, node: ClusterNode, peer: ClusterNode): Promise<void> {
  const subnets = subnetsOf(peer);
  const e = await peerEntries(node, subnets);
  expect(e.routes.map((r) => r.dst).sort()).toEqual([...subnets].sort());
  const mac = annotation(cluster, peer, 'vtep-mac');
  expect(e.neighs.map((n) => n.lladdr)).toEqual(subnets.map(() => mac));
  expect(e.fdb.map((f) => f.dst)).toContain(annotation(cluster, peer, 'underlay-ip'));
}

async function podsEverywhere(cluster: Cluster, name = 'p'): Promise<Pod[]> {
  return Promise.all(cluster.nodes.map((node) => cluster.addPod({ node, name })));
}

/** Every pod pings every other pod, in both families; returns the failures ("n1 → 10.213.2.2"). */
async function meshFailures(cluster: Cluster, pods: Pod[], o: { size?: number; df?: boolean } = {}): Promise<string[]> {
  const failures: string[] = [];
  for (const from of pods) {
    for (const to of pods.filter((p) => p !== from)) {
      for (const ip of [to.ipv4!, to.ipv6!]) if (!(await cluster.ping({ from, to: ip, ...o }))) failures.push(`${from.node.name} → ${ip}${o.size ? ` (${o.size} B${o.df ? ', DF' : ''})` : ''}`);
    }
  }
  return failures;
}


describeRoot("twilld end to end", () => {
  beforeAll(() => requireTools(['ip', 'bridge', 'ss', 'socat', 'curl', 'ping']));

  it('pods on every node reach pods on every other node, IPv4 and IPv6, from self-allocated dual-stack subnets; 1400-byte DF pings pass', async () => {
    await withCluster(3, async (cluster) => {
      await startAgents(cluster);
      const subnets = cluster.nodes.map(subnetsOf);
      for (const s of subnets) expect(s.map(family)).toEqual([4, 6]);
      expect(new Set(subnets.flat()).size).toBe(6);
      for (const s of subnets.flat()) expect(s).toMatch(family(s) === 4 ? /^10\.213\.\d+\.0\/24$/ : /^fd13:(0:0:[0-9a-f]{1,2}:)?:\/64$/);
      const pods = await podsEverywhere(cluster);
      expect(await meshFailures(cluster, pods)).toEqual([]);
      // VXLAN costs 50 bytes of the underlay's 1500: a 1400-byte payload (1428 on the wire) fits unfragmented.
      const [a, b] = pods;
      expect(await cluster.ping({ from: a, to: b.ipv4!, size: 1400, df: true })).toBe(true);
      expect(await cluster.ping({ from: a, to: b.ipv6!, size: 1350, df: true })).toBe(true);
      for (const node of cluster.nodes) {
        for (const peer of cluster.nodes.filter((p) => p !== node)) await expectProgrammed(cluster, node, peer);
      }
    });
  });

  it('a node deleted from the API: its routes, neighbours and FDB entries go on every other node', async () => {
    await withCluster(3, async (cluster) => {
      await startAgents(cluster);
      const [n1, n2, n3] = cluster.nodes;
      const gone = subnetsOf(n3);
      await eventually(() => expectProgrammed(cluster, n1, n3), 10_000, 200);
      await cluster.agentOn(n3)!.stop();
      cluster.deleteNode(n3);
      for (const node of [n1, n2]) {
        await eventually(async () => expect(await peerEntries(node, gone)).toEqual({ routes: [], neighs: [], fdb: [] }), 10_000, 200);
        const fdbToN3 = (await fdb(node, DEV)).filter((e) => e.dst === n3.ipv4 || e.dst === n3.ipv6);
        expect(fdbToN3).toEqual([]);
      }
      await expectProgrammed(cluster, n1, n2); // the rest stays
    });
  });

  it('kill -9 of an agent and a restart during a running ping lose at most a couple of replies', async () => {
    await withCluster(2, async (cluster) => {
      await startAgents(cluster);
      const [a, b] = await podsEverywhere(cluster);
      expect(await cluster.ping({ from: a, to: b.ipv4! })).toBe(true);
      const loop = cluster.pingLoop({ from: a, to: b.ipv4!, intervalMs: 100 });
      await eventually(() => expect(loop.replies).toBeGreaterThanOrEqual(10), 5000, 50);
      const agent = cluster.agentOn('n1')!;
      expect(await agent.kill()).toEqual({ code: null, signal: 'SIGKILL' });
      await new Promise((r) => setTimeout(r, 1000)); // the datapath is the kernel's: it must not notice
      agent.start();
      await agent.waitHealthy('/healthz', 60_000);
      await new Promise((r) => setTimeout(r, 2000));
      const summary = await loop.stop();
      expect(summary.transmitted).toBeGreaterThanOrEqual(30);
      expect(summary.lost).toBeLessThanOrEqual(2);
    });
  });

  it('a deleted FDB entry and a deleted route come back within 10 s', async () => {
    await withCluster(2, async (cluster) => {
      await startAgents(cluster);
      const [n1, n2] = cluster.nodes;
      // n1 programs n2 once n2's annotations reach it (a watch event after n2 is ready).
      await eventually(() => expectProgrammed(cluster, n1, n2), 10_000, 100);
      const [subnet4] = subnetsOf(n2);
      const mac = annotation(cluster, n2, 'vtep-mac');
      await execIn(n1, ['bridge', 'fdb', 'del', mac, 'dev', DEV, 'dst', annotation(cluster, n2, 'underlay-ip')]);
      await execIn(n1, ['ip', 'route', 'del', subnet4, 'dev', DEV]);
      // The agent may put them back before a read here could see them gone (tens of ms): its
      // log proves it saw both deletions; the kernel proves it healed them.
      await eventually(() => {
        const log = cluster.agentOn(n1)?.output(200) ?? '';
        expect(log).toContain('"event":"kernel entry deleted, healing","kind":"fdb"');
        expect(log).toContain(`"event":"kernel entry deleted, healing","kind":"route","key":"${subnet4}"`);
      }, 10_000, 100);
      await eventually(() => expectProgrammed(cluster, n1, n2), 10_000, 250);
    });
  });

  it('direct routing: on-link peers get a plain route via their underlay address, peers across the router get VXLAN', async () => {
    await withCluster([{}, {}, { link: 1 }], async (cluster) => {
      await startAgents(cluster, { directRouting: true });
      const [n1, n2, n3] = cluster.nodes;
      const [n2v4, n2v6] = subnetsOf(n2);
      await eventually(async () => {
        const direct4 = (await routes(n1, { family: 4, proto: AGENT_ROUTE_PROTO })).find((r) => r.dst === n2v4);
        expect(direct4).toMatchObject({ gateway: n2.ipv4, dev: 'eth0' });
        await expectProgrammed(cluster, n1, n3);
      }, 10_000, 100);
      // The underlay is IPv4 (the nodes' first InternalIP): direct routes are for that family; the
      // IPv6 pod subnet still crosses the overlay (daemonset/overlay/plan.ts says why).
      expect((await peerEntries(n1, [n2v4])).routes).toEqual([]); // nothing for n2's IPv4 subnet on twill.1
      expect((await peerEntries(n1, [n2v6])).routes.map((r) => r.dst)).toEqual([n2v6]);
      const pods = await podsEverywhere(cluster);
      expect(await meshFailures(cluster, pods)).toEqual([]);
      // No encapsulation between n1 and n2: the pod packets cross eth0 as they are.
      const txPackets = async () => JSON.parse(await execIn(n1, ['ip', '-s', '-j', 'link', 'show', 'dev', DEV]))[0].stats64.tx.packets as number;
      const before = await txPackets();
      expect(await cluster.ping({ from: pods[0], to: pods[1].ipv4! })).toBe(true);
      expect(await txPackets()).toBe(before);
    });
  });

  it('uses spec.podCIDRs when the cluster allocates them, sets NetworkUnavailable=False, and SIGTERM leaves the dataplane', async () => {
    const specs: NodeSpec[] = [{ podCIDRs: ['10.214.1.0/24', 'fd14:0:0:1::/64'] }, { podCIDRs: ['10.214.2.0/24', 'fd14:0:0:2::/64'] }];
    await withCluster(specs, async (cluster) => {
      const net = { name: 'twill', bridge: 'twill0', vni: 1, clusterCIDRs: [], nodePrefixLength: { ipv4: 24, ipv6: 64 }, ipMasq: true };
      await startAgents(cluster, { networks: [net] });
      const [n1, n2] = cluster.nodes;
      expect(subnetsOf(n1)).toEqual(specs[0].podCIDRs);
      const node1 = cluster.api.get(nodes, 'n1') as any;
      expect(node1.metadata.annotations['twill.dev/pod-cidrs']).toBeUndefined(); // peers read spec.podCIDRs
      expect(node1.status.conditions.find((c: any) => c.type === 'NetworkUnavailable')).toMatchObject({ status: 'False', reason: 'TwillIsUp' });
      await eventually(() => expectProgrammed(cluster, n1, n2), 10_000, 100);
      const [a, b] = await podsEverywhere(cluster);
      expect(await cluster.ping({ from: a, to: b.ipv6! })).toBe(true);
      const stopped = await cluster.agentOn('n1')!.stop('SIGTERM');
      expect(stopped).toEqual({ code: 0, signal: null });
      expect(cluster.agentOn('n1')!.lines.some((l) => l.json?.event === 'twilld stopped; the dataplane stays in place')).toBe(true);
      await expectProgrammed(cluster, n1, n2);
      expect(await cluster.ping({ from: a, to: b.ipv4! })).toBe(true);
    });
  });

  it('agents started at the same moment claim distinct subnets', async () => {
    await withCluster(5, async (cluster) => {
      await startAgents(cluster);
      const all = cluster.nodes.flatMap(subnetsOf);
      expect(all).toHaveLength(10);
      expect(new Set(all).size).toBe(10);
      const published = cluster.nodes.map((n) => (cluster.api.get(nodes, n.name) as any).metadata.annotations['twill.dev/pod-cidrs']);
      expect(published).toEqual(cluster.nodes.map((n) => subnetsOf(n).join(',')));
    });
  });
});
