// manifests/20-rbac.yaml against what twilld really calls: the manifests' ServiceAccount, Roles
// and bindings applied to the test API server, which authorizes the agent's service account
// from them alone (a Role counts only in its namespace, as on a cluster); real agents
// (dist/twilld, with the ConfigMap's settings and only the DaemonSet's capabilities) on harness
// nodes. The scenario makes every granted call happen: self-allocation from a pool mostly held
// by claims of Nodes that are gone (no garbage collector: list, GET the owner, delete, create),
// one create answered 409 (get), the informer (list, watch), the Node publication (patch
// nodes/status). Then: no call refused, every granted verb used; and without one rule an agent
// fails, so this test can fail.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse } from 'yaml';
import { subnetClaimLease } from '../../daemonset/kube/subnet-lease';
import { parseSubnetPools } from '../../daemonset/kube/subnet-pool';
import { parseCidr } from '../../ipam/net/cidr';
import { clusterRoles, findByKind, leases, nodes, TestApiServer, type KubeObject, type RequestRecord } from '../kube/apiserver';
import { eventually } from '../kube/client';
import { Cluster, podNetwork, TWILLD, type Agent, type AgentFileConfig, type NodeSpec } from '../helpers/cluster';
import { agentConfigText, findObject, grantedRules, loadManifests, type ManifestObject } from '../helpers/manifests';
import { describeRoot } from '../helpers/netns';
import { requireTools } from '../helpers/os-packages';

jest.setTimeout(180_000);

const docs = loadManifests();
const SA = findObject(docs, 'ServiceAccount').metadata;
const USER = `system:serviceaccount:${SA.namespace}:${SA.name}`;
/** Test-only: 4 node subnets, 3 of them held by claims of gone Nodes. */
const POOL = '10.213.0.0/22';
const STALE = 3;

interface DaemonSetPod {
  spec: { template: { spec: { containers: Array<{ name: string; securityContext: { capabilities: { add: string[] } }; livenessProbe: { httpGet: { path: string } }; readinessProbe: { httpGet: { path: string } } }> } } };
}
const agentContainer = findObject<DaemonSetPod>(docs, 'DaemonSet').spec.template.spec.containers.find((c) => c.name === 'twilld')!;

/** The API server with the manifests' objects of kinds it serves, and the service account as an RBAC-authorized user. */
function apiWithManifests(): TestApiServer {
  const api = new TestApiServer({ users: [{ name: USER, token: 'twilld-sa-token', rbac: true }], gcDelayMs: 3_600_000 });
  for (const { object } of docs) {
    const def = findByKind(object.apiVersion, object.kind);
    if (def) api.registry.create(def, object.metadata.namespace, object as never);
  }
  return api;
}

/** Claims of Nodes that no longer exist (their garbage collector never ran). */
function seedStaleClaims(api: TestApiServer): void {
  const [pool] = parseSubnetPools([{ clusterCidr: POOL, nodePrefixLength: 24 }]);
  for (let i = 0; i < STALE; i++) {
    const lease = subnetClaimLease({ subnet: parseCidr(`10.213.${i}.0/24`)!, pool, node: { name: `gone-${i}`, uid: `00000000-0000-0000-0000-00000000000${i}` } });
    api.create(leases, lease as never, SA.namespace);
  }
}

/** The ConfigMap's twilld.yaml, with the harness node's paths and a test-only pool. */
function configFromManifest(): Partial<AgentFileConfig> {
  const file = parse(agentConfigText(docs)) as Partial<AgentFileConfig>;
  return { ...file, networks: [podNetwork({ ...file.networks![0], clusterCIDRs: [POOL] })] };
}

/** dist/twilld with the capability bounding set the DaemonSet gives it (root keeps nothing else). */
function cappedAgent(dir: string): string {
  const caps = agentContainer.securityContext.capabilities.add.map((c) => `+${c.toLowerCase()}`).join(',');
  const path = join(dir, 'twilld-capped');
  writeFileSync(path, `#!/bin/sh\nexec setpriv --bounding-set -all,${caps} -- ${TWILLD} "$@"\n`, { mode: 0o755 });
  return path;
}

const byAgent = (api: TestApiServer): RequestRecord[] => api.requests.filter((r) => r.user === USER);
const denials = (api: TestApiServer) => byAgent(api).filter((r) => r.code === 403).map((r) => `${r.verb} ${r.resource} ${r.path}`);

function condition(api: TestApiServer, node: string) {
  const conditions = ((api.get(nodes, node) as KubeObject & { status?: { conditions?: Array<{ type: string; status: string; reason?: string }> } }).status?.conditions ?? []);
  return conditions.find((c) => c.type === 'NetworkUnavailable');
}

async function withManifestCluster(body: (o: { api: TestApiServer; cluster: Cluster; binary: string }) => Promise<void>): Promise<void> {
  const api = apiWithManifests();
  const dir = mkdtempSync(join(tmpdir(), 'twill-rbac-'));
  await api.listen();
  seedStaleClaims(api);
  const specs: NodeSpec[] = [{}, {}, {}];
  const cluster = await Cluster.start({ nodes: specs, api, agentNamespace: SA.namespace });
  try {
    await body({ api, cluster, binary: cappedAgent(dir) });
  } catch (e) {
    (e as Error).message += `\n\nagent output:\n${cluster.nodes.map((n) => cluster.agentOn(n)?.output(60) ?? '').join('\n')}`;
    throw e;
  } finally {
    const left = await cluster.teardown();
    await api.close();
    rmSync(dir, { recursive: true, force: true });
    expect(left).toEqual({ namespaces: [], processes: [], files: [] });
  }
}

describeRoot('manifests/ RBAC against the calls twilld makes', () => {
  beforeAll(() => requireTools(['ip', 'bridge', 'nft', 'ss', 'socat', 'curl', 'setpriv']));

  it('two agents converge with zero refused calls and use every verb granted; without the nodes/status rule a third never becomes ready', async () => {
    await withManifestCluster(async ({ api, cluster, binary }) => {
      const config = configFromManifest();
      // One claim answered 409 without being made: the agent must GET it to see whose it is.
      api.faults.inject({ verb: 'create', resource: 'leases', status: 409, times: 1 });
      const agents: Agent[] = ['n1', 'n2'].map((node) => cluster.startAgent({ node, config, binary }));
      for (const a of agents) {
        await a.waitHealthy(agentContainer.readinessProbe.httpGet.path, 90_000);
        expect((await a.http(agentContainer.livenessProbe.httpGet.path)).code).toBe(200);
        expect(condition(api, a.node.name)).toMatchObject({ status: 'False', reason: 'TwillIsUp' });
      }
      // A request is logged when its response ends: end the open watches (the agents resume them).
      api.closeWatches();
      await eventually(() => expect(byAgent(api).filter((r) => r.verb === 'watch').length).toBeGreaterThanOrEqual(2), 10_000, 50);
      expect(denials(api)).toEqual([]);
      const used = new Set(byAgent(api).map((r) => `${r.resource} ${r.verb}`));
      const granted = grantedRules(docs).flatMap((r) => r.resources.flatMap((res) => r.verbs.map((v) => `${res} ${v}`)));
      expect(granted.filter((g) => !used.has(g))).toEqual([]);
      expect([...used].filter((u) => !granted.includes(u))).toEqual([]);
      const leaseCalls = byAgent(api).filter((r) => r.resource === 'leases');
      expect(leaseCalls.every((r) => r.path.includes(`/namespaces/${SA.namespace}/`))).toBe(true);

      // The same service account without the nodes/status rule: the third node's agent is refused and never ready.
      const role = findObject<ManifestObject & { rules: Array<{ resources: string[] }> }>(docs, 'ClusterRole');
      const fewer = role.rules.filter((r) => !r.resources.includes('nodes/status'));
      api.patch(clusterRoles, role.metadata.name, { rules: fewer } as never, { contentType: 'application/merge-patch+json' });
      const third = cluster.startAgent({ node: 'n3', config, binary });
      await eventually(() => expect(denials(api)).toContainEqual(expect.stringMatching(/^patch nodes\/status /)), 60_000, 200);
      expect((await third.http(agentContainer.readinessProbe.httpGet.path)).code).not.toBe(200);
      expect(condition(api, 'n3')).toBeUndefined();
    });
  });
});
