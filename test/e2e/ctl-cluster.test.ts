// twillctl end to end: the copy `twilld install` put into a node's bin dir, run inside node n1
// of a real 3-node cluster (test/helpers/cluster/) whose conflist, readiness file, peers file,
// VXLAN device and per-peer entries were all made by running twilld agents, and whose pods were
// ADDed from that bin dir with kubelet's CNI_ARGS. The ctl-*.test.ts integration tests build the
// same state from the agent's code in-process; this one checks that twillctl reads what the
// real agent and plugin leave on a node, and reports the damage an operator meets.
import { nodes } from '../kube/apiserver';
import { eventually } from '../kube/client';
import { withCluster } from '../helpers/cluster/with-cluster';
import { describeRoot } from '../helpers/netns';
import { requireTools } from '../helpers/os-packages';
import { execIn, readConflist, twillctl, vxlanDevice, type Agent, type Cluster, type ClusterNode, type CtlOutcome, type Pod } from '../helpers/cluster';

jest.setTimeout(180_000);

const DEV = vxlanDevice(1);
const VERSION = /^\d+\.\d+\.\d+/;

const re = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
/** The bridge address the plugin gives a subnet: its first host. */
const gatewayOf = (subnet: string) => subnet.replace(/0\/24$/, '1/24').replace(/::\/64$/, '::1/64');

/** Exit code and stderr first: a failing run's own account is what a failure message needs. */
const outcome = (r: CtlOutcome) => ({ code: r.code, stderr: r.stderr });

/** The node's pod subnets, as its agent handed them to the plugin. */
function subnetsOf(node: ClusterNode): string[] {
  const plugin = readConflist(node.paths.cniConfDir, 'twill').plugins.find((p) => p.type === 'twill')!;
  return (plugin.ipam.ranges as Array<Array<{ subnet: string }>>).flat().map((r) => r.subnet);
}

function annotation(cluster: Cluster, node: ClusterNode, key: 'vtep-mac' | 'underlay-ip'): string {
  return (cluster.api.get(nodes, node.name) as any)?.metadata.annotations?.[`twill.dev/${key}`];
}

async function startAgents(cluster: Cluster): Promise<Agent[]> {
  const agents = cluster.nodes.map((node) => cluster.startAgent({ node }));
  await Promise.all(agents.map((a) => a.waitHealthy('/readyz', 60_000)));
  return agents;
}

/** What `peers --json` should say of `peer` seen from any other node, entries as given. */
function peerRow(cluster: Cluster, peer: ClusterNode, entries: { route?: string; fdb?: string } = {}) {
  const route = entries.route ?? 'ok';
  const fdb = entries.fdb ?? 'ok';
  const drift = route !== 'ok' || fdb !== 'ok';
  return { name: peer.name, subnets: subnetsOf(peer), vtepMac: annotation(cluster, peer, 'vtep-mac'), underlayIp: peer.ipv4, route, neighbour: 'ok', fdb, drift, skipped: '' };
}

/** `twillctl peers` on `node` says every other node is programmed as the agents published it. */
async function expectPeersOk(cluster: Cluster, node: ClusterNode): Promise<void> {
  const others = cluster.nodes.filter((n) => n !== node);
  const table = await twillctl(node, ['peers']);
  expect(outcome(table)).toEqual({ code: 0, stderr: '' });
  for (const peer of others) {
    const [v4, v6] = subnetsOf(peer);
    const row = `${peer.name}\\s+${re(v4)}\\s+${annotation(cluster, peer, 'vtep-mac')}\\s+${re(peer.ipv4)}\\s+ok\\s+ok\\s+ok\\s*\\n\\s+${re(v6)}`;
    expect(table.stdout).toMatch(new RegExp(row));
  }
  expect(table.stdout).toContain('drift: 0');
  const json = (await twillctl(node, ['peers', '--json'])).json;
  expect(json).toEqual({ command: 'peers', problems: 0, drift: 0, networks: [{ network: 'twill', device: DEV, stale: [], error: null, peers: others.map((p) => peerRow(cluster, p)) }] });
}

async function checkStatus(cluster: Cluster, node: ClusterNode): Promise<void> {
  const text = await twillctl(node, ['status']);
  expect(outcome(text)).toEqual({ code: 0, stderr: '' });
  expect(text.stdout).toContain(`binaries in ${node.paths.cniBinDir}`);
  for (const bin of ['twill', 'twill-ipam', 'twillctl']) expect(text.stdout).toMatch(new RegExp(`\\n${bin}\\s+\\d+\\.\\d+\\.\\d+\\n`));
  const [v4, v6] = subnetsOf(node);
  // The table fits 80 columns: "1.1.0)" may wrap onto the row's second line.
  expect(text.stdout).toMatch(new RegExp(`\\ntwill\\s+1\\.0\\.0 \\(max(?: 1\\.1\\.0\\))?\\s+yes\\s+twill0 UP\\s+${re(v4)}\\s+ok\\n`));
  for (const s of ['1.1.0)', gatewayOf(v4), gatewayOf(v6), v6, 'mtu 1450']) expect(text.stdout).toContain(s);
  expect(text.stdout).toMatch(new RegExp(`${re(DEV)}\\s+1\\s+1450\\s+\\S+\\s+${annotation(cluster, node, 'vtep-mac')}`));
  const json = (await twillctl(node, ['status', '--json'])).json;
  expect(json).toMatchObject({ command: 'status', problems: 0, binDir: node.paths.cniBinDir });
  expect(json.binaries.map((b: { name: string }) => b.name)).toEqual(['twill', 'twill-ipam', 'twillctl']);
  for (const b of json.binaries) expect(b.version).toMatch(VERSION);
  expect(json.runtimes.length).toBeGreaterThanOrEqual(1);
  expect(json.networks).toEqual([expect.objectContaining({ network: 'twill', statusAndGc: true, gated: true, status: 'ok', readiness: { subnets: [v4, v6], mtu: 1450 } })]);
  expect(json.networks[0].bridge).toEqual({ name: 'twill0', present: true, state: 'UP', mtu: 1450, addresses: [gatewayOf(v4), gatewayOf(v6)] });
  expect(json.vxlan).toEqual([{ name: DEV, vni: 1, mtu: 1450, state: expect.any(String), mac: annotation(cluster, node, 'vtep-mac') }]);
}

/** `ls` lists the node's own pods (never another node's) by namespace/name, with their addresses. */
async function checkLs(node: ClusterNode, pods: Pod[]): Promise<void> {
  const text = await twillctl(node, ['ls']);
  expect(outcome(text)).toEqual({ code: 0, stderr: '' });
  for (const p of pods) expect(text.stdout).toMatch(new RegExp(`${p.containerId}\\s+${p.namespace}/${p.name}\\s+${re(p.ipv4!)}\\s+-\\s*\\n\\s+${re(p.ipv6!)}\\n`));
  const json = await twillctl(node, ['ls', '--json']);
  expect(outcome(json)).toEqual({ code: 0, stderr: '' });
  expect(json.json.networks).toEqual([expect.objectContaining({ network: 'twill', bridge: 'twill0', pods: pods.length })]);
  const listed = [...json.json.pods].sort((a, b) => a.containerId.localeCompare(b.containerId));
  const expected = [...pods].sort((a, b) => a.containerId.localeCompare(b.containerId));
  expect(listed).toEqual(expected.map((p) => expect.objectContaining({
    network: 'twill', containerId: p.containerId, ifname: 'eth0', pod: `${p.namespace}/${p.name}`, netns: `/run/netns/${p.ns}`,
    ips: [p.ipv4, p.ipv6], vethPresent: true, netnsPresent: true, ports: [], leaked: false,
  })));
}

/** With its agent stopped (SIGTERM: the dataplane stays), n2's FDB entry and n3's IPv4 route deleted by hand are MISSING. */
async function checkDrift(cluster: Cluster, node: ClusterNode): Promise<void> {
  const [, n2, n3] = cluster.nodes;
  expect(await cluster.agentOn(node)!.stop('SIGTERM')).toEqual({ code: 0, signal: null });
  await execIn(node, ['bridge', 'fdb', 'del', annotation(cluster, n2, 'vtep-mac'), 'dev', DEV, 'dst', annotation(cluster, n2, 'underlay-ip')]);
  await execIn(node, ['ip', 'route', 'del', subnetsOf(n3)[0], 'dev', DEV]);
  const table = await twillctl(node, ['peers']);
  expect(outcome(table)).toEqual({ code: 1, stderr: '' });
  expect(table.stdout).toMatch(new RegExp(`\\nn2\\s+${re(subnetsOf(n2)[0])}\\s+\\S+\\s+\\S+\\s+ok\\s+ok\\s+MISSING\\s*\\n`));
  expect(table.stdout).toMatch(new RegExp(`\\nn3\\s+${re(subnetsOf(n3)[0])}\\s+\\S+\\s+\\S+\\s+MISSING\\s+ok\\s+ok\\s*\\n`));
  expect(table.stdout).toContain('drift: 2');
  const json = await twillctl(node, ['peers', '--json']);
  expect(json.code).toBe(1);
  expect(json.json).toMatchObject({ problems: 2, drift: 2 });
  expect(json.json.networks[0].peers).toEqual([peerRow(cluster, n2, { fdb: 'missing' }), peerRow(cluster, n3, { route: 'missing' })]);
}

/** A healthy node passes every check; with table inet twill deleted, "rules" fails with its fix. */
async function checkDoctor(node: ClusterNode): Promise<void> {
  const healthy = await twillctl(node, ['doctor', '--json']);
  expect(healthy.json.checks.filter((c: { ok: boolean }) => !c.ok)).toEqual([]);
  expect(outcome(healthy)).toEqual({ code: 0, stderr: '' });
  expect((await twillctl(node, ['doctor'])).stdout).toMatch(/\nok\s+rules\s+table inet twill in place for twill0\n[^]*0 problems found/);
  await execIn(node, ['nft', 'delete', 'table', 'inet', 'twill']);
  const sick = await twillctl(node, ['doctor']);
  expect(outcome(sick)).toEqual({ code: 1, stderr: '' });
  expect(sick.stdout).toMatch(/\nFAIL\s+rules\s+table inet twill is gone: no NAT/);
  expect(sick.stdout).toMatch(/fix: rules come back with the next ADD/);
  expect(sick.stdout).toContain('1 problem found');
  const failed = (await twillctl(node, ['doctor', '--json'])).json.checks.filter((c: { ok: boolean }) => !c.ok);
  expect(failed).toEqual([{ id: 'rules', ok: false, detail: expect.stringMatching(/^table inet twill is gone/), fix: expect.stringContaining('next ADD') }]);
}

describeRoot('twillctl on a node of a running cluster', () => {
  beforeAll(() => requireTools(['ip', 'bridge', 'ss', 'socat', 'curl', 'ping', 'nft']));

  it('status, ls, peers and doctor read what the agents and the plugin made; drift and flushed rules are reported', async () => {
    await withCluster(3, async (cluster) => {
      await startAgents(cluster);
      const [n1, n2] = cluster.nodes;
      const pods = [await cluster.addPod({ node: n1, name: 'web', namespace: 'shop' }), await cluster.addPod({ node: n1, name: 'job7', namespace: 'batch' })];
      await cluster.addPod({ node: n2, name: 'db', namespace: 'shop' }); // n2's: not in n1's list
      await checkStatus(cluster, n1);
      await checkLs(n1, pods);
      await eventually(() => expectPeersOk(cluster, n1), 15_000, 250);
      await checkDrift(cluster, n1);
      cluster.agentOn(n1)!.start();
      await cluster.agentOn(n1)!.waitHealthy('/readyz', 60_000);
      await eventually(() => expectPeersOk(cluster, n1), 15_000, 250);
      await checkDoctor(n1);
      // Clean up: the rules return only at an ADD after the plugin's marker expires (a minute);
      // DEL must not need them, and the reservations go with it.
      for (const p of pods) await cluster.delPod(p);
      expect((await twillctl(n1, ['ls', '--json'])).json.pods).toEqual([]);
    });
  });
});
