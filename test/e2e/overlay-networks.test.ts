// twilld with two overlay networks end to end: real agents (dist/twilld) on harness nodes (pods
// run from each node's installed bin dir with the conflists its agent wrote), each
// configured with the pod network (networks[0], "twill", VNI 1) and a further isolated network
// ("blue", VNI 42, its own cluster CIDRs), as Docker's overlay driver has them. Pods on either
// network reach their own network's pods on other nodes; across networks the agents' `inet
// twilld` table drops the traffic; and a full pass of one network leaves the other's proto-116
// routes alone (every network's routes share that protocol).
import { readdirSync } from 'node:fs';
import { nodes } from '../kube/apiserver';
import { eventually } from '../kube/client';
import { withCluster as withClusterBase } from '../helpers/cluster/with-cluster';
import { describeRoot } from '../helpers/netns';
import { requireTools } from '../helpers/os-packages';
import {
  AGENT_ROUTE_PROTO, Cluster, execIn, podNetwork, readConflist, routes, run, sleep, tryRun, vxlanDevice,
  type Agent, type AgentFileConfig, type ClusterNode, type NodeSpec, type Pod,
} from '../helpers/cluster';
import type { NetworkSettings } from '../../daemonset/config/types';

jest.setTimeout(180_000);

const BLUE: NetworkSettings = { name: 'blue', bridge: 'twill1', vni: 42, clusterCIDRs: ['10.215.0.0/16', 'fd15::/56'], nodePrefixLength: { ipv4: 24, ipv6: 64 }, ipMasq: true };
const POD_V4 = '10.213.0.0/16';
const BLUE_DEV = vxlanDevice(BLUE.vni);

function twoNetworks(o: Partial<AgentFileConfig> = {}): Partial<AgentFileConfig> {
  // A full pass every second: the ownership checks below watch several of them.
  return { networks: [podNetwork(), BLUE], resyncSeconds: 1, ...o };
}

async function startAgents(cluster: Cluster, config: Partial<AgentFileConfig>): Promise<Agent[]> {
  const agents = cluster.nodes.map((node) => cluster.startAgent({ node, config }));
  await Promise.all(agents.map((a) => a.waitHealthy('/readyz', 60_000)));
  for (const a of agents) for (const net of ['twill', 'blue']) await eventually(() => readConflist(a.node.paths.cniConfDir, net), 20_000, 100);
  return agents;
}

function subnetsOf(node: ClusterNode, network: string): string[] {
  const plugin = readConflist(node.paths.cniConfDir, network).plugins.find((p) => p.type === 'twill')!;
  return (plugin.ipam.ranges as Array<Array<{ subnet: string }>>).flat().map((r) => r.subnet);
}

function annotations(cluster: Cluster, node: ClusterNode): Record<string, string> {
  return (cluster.api.get(nodes, node.name) as any).metadata.annotations ?? {};
}

/** Every pod pings every other pod of the list (both families); the failures. */
async function meshFailures(cluster: Cluster, pods: Pod[], families: Array<4 | 6> = [4, 6]): Promise<string[]> {
  const failures: string[] = [];
  for (const from of pods) {
    for (const to of pods.filter((p) => p !== from)) {
      for (const ip of families.map((f) => (f === 4 ? to.ipv4! : to.ipv6!))) if (!(await cluster.ping({ from, to: ip }))) failures.push(`${from.ns} → ${ip}`);
    }
  }
  return failures;
}

/** Lines of passes that changed the kernel, after `since` (Date.now()), by network. */
function kernelChanges(agents: Agent[], since: number): string[] {
  return agents.flatMap((a) =>
    a.lines.filter((l) => l.at > since && l.json?.event === 'overlay synced' && Number(l.json.kernelChanges) > 0).map((l) => `${a.node.name} ${l.json!.network}: ${l.line}`),
  );
}

/** The node's proto-116 routes, "dst dev", sorted. */
async function twillRoutes(node: ClusterNode): Promise<string[]> {
  const all = [...(await routes(node, { family: 4, proto: AGENT_ROUTE_PROTO })), ...(await routes(node, { family: 6, proto: AGENT_ROUTE_PROTO }))];
  return all.map((r) => `${r.dst} ${r.dev}`).sort();
}

function conflists(node: ClusterNode): string[] {
  return readdirSync(node.paths.cniConfDir).filter((f) => f.endsWith('.conflist')).sort();
}

async function hasIsolationTable(ns?: string): Promise<boolean> {
  const argv = ['nft', 'list', 'table', 'inet', 'twilld'];
  return (await tryRun(ns ? ['ip', 'netns', 'exec', ns, ...argv] : argv)).code === 0;
}

/**
 * Gives a blue pod a route back to the pod network, so that only the agents' isolation table
 * stands between a pod-network pod and it (a blue pod otherwise routes only blue's CIDRs).
 */
async function routeBackToPodNetwork(pod: Pod): Promise<void> {
  const gw = ((pod.result.ips ?? []) as Array<{ address: string; gateway?: string }>).find((i) => !i.address.includes(':'))!.gateway!;
  await run(['ip', '-n', pod.ns, 'route', 'add', POD_V4, 'via', gw]);
}

function withCluster(specs: number | NodeSpec[], body: (c: Cluster) => Promise<void>): Promise<void> {
  // The host never had an isolation table: the agents ran in the nodes.
  return withClusterBase(specs, body, async () => expect(await hasIsolationTable()).toBe(false));
}

describeRoot('twilld with two overlay networks', () => {
  beforeAll(() => requireTools(['ip', 'bridge', 'nft', 'ss', 'socat', 'curl', 'ping']));

  it('each network reaches its own pods on every node, not the other network; a full pass of one leaves the other alone', async () => {
    await withCluster(3, async (cluster) => {
      const agents = await startAgents(cluster, twoNetworks());
      const [n1, n2] = cluster.nodes;
      // Files: the pod network's conflist sorts first (the runtime's pick), blue's after it.
      expect(conflists(n1)).toEqual(['10-twill.conflist', '80-blue.conflist']);
      for (const node of cluster.nodes) {
        expect(subnetsOf(node, 'blue')).toEqual([expect.stringMatching(/^10\.215\.\d+\.0\/24$/), expect.stringMatching(/^fd15:/)]);
        const a = annotations(cluster, node);
        expect(a['twill.dev/blue.pod-cidrs']).toBe(subnetsOf(node, 'blue').join(','));
        expect(a['twill.dev/pod-cidrs']).toBe(subnetsOf(node, 'twill').join(','));
        expect(a['twill.dev/blue.vtep-mac']).toMatch(/^[0-9a-f:]{17}$/);
        expect(a['twill.dev/blue.vtep-mac']).not.toBe(a['twill.dev/vtep-mac']);
      }
      const podPods = await Promise.all(cluster.nodes.map((node) => cluster.addPod({ node, name: 'a' })));
      const bluePods = await Promise.all(cluster.nodes.map((node) => cluster.addPod({ node, name: 'b', network: 'blue' })));
      expect(bluePods[0].ipv4).toMatch(/^10\.215\./);
      expect(await meshFailures(cluster, podPods)).toEqual([]);
      expect(await meshFailures(cluster, bluePods)).toEqual([]);

      // Across networks and nodes: dropped by the agents' table, and only by it.
      await routeBackToPodNetwork(bluePods[1]);
      expect(await cluster.ping({ from: podPods[0], to: bluePods[1].ipv4! })).toBe(false);
      // The agents stopped (the dataplane stays) so they cannot put the table back mid-ping.
      for (const node of [n1, n2]) {
        expect(await cluster.agentOn(node)!.stop()).toEqual({ code: 0, signal: null });
        await execIn(node, ['nft', 'delete', 'table', 'inet', 'twilld']);
      }
      expect(await cluster.ping({ from: podPods[0], to: bluePods[1].ipv4! })).toBe(true);
      for (const node of [n1, n2]) cluster.agentOn(node)!.start();
      await Promise.all([n1, n2].map((node) => cluster.agentOn(node)!.waitHealthy('/readyz', 60_000)));
      await eventually(async () => {
        for (const node of [n1, n2]) expect(await hasIsolationTable(node.ns)).toBe(true);
      }, 10_000, 200);
      expect(await cluster.ping({ from: podPods[0], to: bluePods[1].ipv4! })).toBe(false);

      // Full passes of both networks (one a second) change nothing: neither sweeps the other's routes.
      const settled = Date.now();
      const before = await twillRoutes(n1);
      expect(before.filter((r) => r.endsWith(` ${vxlanDevice(1)}`))).toHaveLength(4);
      expect(before.filter((r) => r.endsWith(` ${BLUE_DEV}`))).toHaveLength(4);
      await sleep(3500);
      expect(kernelChanges(agents, settled)).toEqual([]);

      // A blue route deleted by hand comes back; the pod network's routes are never touched.
      const [blue4] = subnetsOf(n2, 'blue');
      const damaged = Date.now();
      await execIn(n1, ['ip', 'route', 'del', blue4, 'dev', BLUE_DEV]);
      await eventually(async () => expect(await twillRoutes(n1)).toEqual(before), 10_000, 100);
      await sleep(2000);
      expect(kernelChanges(agents, damaged).filter((l) => !l.startsWith('n1 blue:'))).toEqual([]);
      expect(kernelChanges(agents, damaged).length).toBeGreaterThanOrEqual(1);
    });
  });

  it('direct routing: both networks route on-link peers via the underlay, stay isolated, and keep each other’s routes', async () => {
    await withCluster(2, async (cluster) => {
      const agents = await startAgents(cluster, twoNetworks({ directRouting: true }));
      const [n1, n2] = cluster.nodes;
      const direct = [subnetsOf(n2, 'twill')[0], subnetsOf(n2, 'blue')[0]].map((s) => `${s} eth0`);
      await eventually(async () => expect(await twillRoutes(n1)).toEqual(expect.arrayContaining(direct)), 10_000, 100);
      const [a1, a2] = await Promise.all(cluster.nodes.map((node) => cluster.addPod({ node, name: 'a' })));
      const [b1, b2] = await Promise.all(cluster.nodes.map((node) => cluster.addPod({ node, name: 'b', network: 'blue' })));
      expect(await meshFailures(cluster, [a1, a2], [4])).toEqual([]);
      expect(await meshFailures(cluster, [b1, b2], [4])).toEqual([]);
      await routeBackToPodNetwork(b2);
      expect(await cluster.ping({ from: a1, to: b2.ipv4! })).toBe(false);
      const settled = Date.now();
      const before = await twillRoutes(n1);
      await sleep(3500);
      expect(kernelChanges(agents, settled)).toEqual([]);
      expect(await twillRoutes(n1)).toEqual(before);
    });
  });
});
