// Upgrading an installed node, as applying a newer manifest rolls the DaemonSet node by node: the
// new init container runs `twilld install` over the node's bin dir while the kubelet keeps
// creating pods, then the old agent gets SIGTERM and the new one starts. The "old release" is
// these sources built on the other runtime and stamped 0.0.9 (test/helpers/builds.ts): another
// runtime file, other bundles, another version line, as the release before this one shipped.
// What must hold: every pod created during the install gets a whole plugin and networking; a
// running cross-node ping loses nothing (the dataplane stays in place while agents swap); the bin
// dir ends up holding exactly the new files (the old runtime gone); running pods keep their
// addresses and reach the other node; a pod created after the roll works; the new plugin DELs
// every pod, old or new, and nothing is left. File-level install races are install.test.ts's.
import { createHash } from 'node:crypto';
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { isIP } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { eventually } from '../kube/client';
import { bundleVersion, buildInto, otherRuntime, pluginRuntime, restampVersion } from '../helpers/builds';
import { withCluster } from '../helpers/cluster/with-cluster';
import { DIST } from '../helpers/exec-plugin';
import { describeRoot } from '../helpers/netns';
import { HOST_VETH } from '../helpers/node';
import { requireTools } from '../helpers/os-packages';
import { execIn, readConflist, run, sleep, type Cluster, type ClusterNode, type PingLoop, type Pod } from '../helpers/cluster';

jest.setTimeout(300_000);

const OLD_VERSION = '0.0.9';
const NEW_VERSION: string = JSON.parse(readFileSync(join(__dirname, '../../package.json'), 'utf8')).version;
const PLUGINS = ['twill', 'twill-ipam', 'twillctl'] as const;
const sha256 = (path: string) => createHash('sha256').update(readFileSync(path)).digest('hex');

/** What a node's bin dir holds: file names, each bundle's version line, and what the installed twillctl says it is. */
async function installedLayout(node: ClusterNode) {
  const bin = node.paths.cniBinDir;
  const versions = Object.fromEntries(PLUGINS.map((p) => [p, bundleVersion(join(bin, p))]));
  const ctl = (await run(['ip', 'netns', 'exec', node.ns, join(bin, 'twillctl'), '--version'])).stdout.trim();
  return { files: readdirSync(bin).sort(), versions, ctl };
}

const layoutOf = (version: string, runtime: string) => ({
  files: [...PLUGINS, runtime].sort(),
  versions: Object.fromEntries(PLUGINS.map((p) => [p, version])),
  ctl: version,
});

async function startAgent(cluster: Cluster, node: ClusterNode, binary?: string): Promise<void> {
  const agent = cluster.startAgent({ node, binary });
  await agent.waitHealthy('/readyz', 60_000);
  await eventually(() => readConflist(node.paths.cniConfDir, 'twill'), 20_000, 100);
}

interface Created {
  pod: Pod;
  started: number;
  ended: number;
}

/**
 * Runs the new installer on the node while two workers keep ADDing pods there (as a kubelet
 * would during the roll); every ADD must succeed. Returns the pods with when each ADD ran, and
 * the installer's output.
 */
async function podsDuringInstall(cluster: Cluster, node: ClusterNode): Promise<{ created: Created[]; output: string }> {
  let done = false;
  const created: Created[] = [];
  const worker = async (w: number) => {
    for (let k = 0; !done; k++) {
      const started = Date.now();
      const pod = await cluster.addPod({ node, name: `u${w}x${k}` });
      created.push({ pod, started, ended: Date.now() });
      await sleep(100);
    }
  };
  const install = cluster.install(node).finally(() => (done = true));
  const [output] = await Promise.all([install, worker(0), worker(1)]);
  return { created, output };
}

/** The version the node's current agent said it runs when it started. */
function agentVersion(cluster: Cluster, node: ClusterNode): unknown {
  return cluster.agentOn(node)!.lines.find((l) => l.json?.event === 'twilld started')?.json?.version;
}

/** SIGTERM to the node's old agent (it must exit 0, leaving the dataplane), then the new agent; the conflist stays as it was. */
async function rollAgent(cluster: Cluster, node: ClusterNode): Promise<void> {
  const conflist = readFileSync(join(node.paths.cniConfDir, '10-twill.conflist'), 'utf8');
  expect(agentVersion(cluster, node)).toBe(OLD_VERSION);
  expect(await cluster.agentOn(node)!.stop('SIGTERM', 15_000)).toEqual({ code: 0, signal: null });
  await startAgent(cluster, node);
  expect(agentVersion(cluster, node)).toBe(NEW_VERSION);
  expect(readFileSync(join(node.paths.cniConfDir, '10-twill.conflist'), 'utf8')).toBe(conflist);
}

/** The pod's eth0 addresses without prefix (link-local ones aside), sorted. */
async function podAddresses(pod: Pod): Promise<string[]> {
  const [eth0] = JSON.parse((await run(['ip', '-n', pod.ns, '-j', 'addr', 'show', 'dev', 'eth0'])).stdout) as Array<{ addr_info: Array<{ local: string; scope: string }> }>;
  return eth0.addr_info.filter((a) => a.scope === 'global').map((a) => a.local).sort();
}

/** Each pod pings `peer` (the pod on the other node) in both families; the failures. */
async function unreachable(cluster: Cluster, pods: Pod[], peerOf: (p: Pod) => Pod): Promise<string[]> {
  const failed: string[] = [];
  for (const p of pods) for (const ip of [peerOf(p).ipv4!, peerOf(p).ipv6!]) if (!(await cluster.ping({ from: p, to: ip }))) failed.push(`${p.ns} → ${ip}`);
  return failed;
}

/** Host-side veths and IPAM reservations left on the node (both empty once every pod is DELed). */
async function nodeLeftovers(node: ClusterNode): Promise<{ veths: string[]; reservations: string[] }> {
  const links = JSON.parse(await execIn(node, ['ip', '-j', 'link', 'show'])) as Array<{ ifname: string }>;
  const store = join(node.paths.ipamDataDir, 'twill');
  return { veths: links.map((l) => l.ifname).filter((n) => HOST_VETH.test(n)), reservations: readdirSync(store).filter((f) => isIP(f)) };
}

/** A pod on n1 and one on n2 reaching each other, and a ping loop each way (IPv4 one way, IPv6 back). */
async function pingingPods(cluster: Cluster): Promise<{ peerOf: (p: Pod) => Pod; loops: PingLoop[] }> {
  const [n1, n2] = cluster.nodes;
  const a = await cluster.addPod({ node: n1, name: 'a' });
  const b = await cluster.addPod({ node: n2, name: 'b' });
  const peerOf = (p: Pod) => (p.node === n1 ? b : a);
  expect(await unreachable(cluster, [a, b], peerOf)).toEqual([]);
  const loops = [cluster.pingLoop({ from: a, to: b.ipv4!, intervalMs: 50 }), cluster.pingLoop({ from: b, to: a.ipv6!, intervalMs: 50 })];
  await eventually(() => expect(Math.min(...loops.map((l) => l.replies))).toBeGreaterThanOrEqual(10), 5000, 50);
  return { peerOf, loops };
}

/** The new install over the node's bin dir while pods are created: it replaced runtime and bundles, and the pods straddle the switch. */
async function installWhileCreatingPods(cluster: Cluster, node: ClusterNode, oldRuntime: string): Promise<void> {
  const { created, output } = await podsDuringInstall(cluster, node);
  expect(output).toMatch(new RegExp(`^installed ${pluginRuntime()} [^]*^installed twill [^]*^removed ${oldRuntime} `, 'm'));
  // Some ADDs ended before the twill bundle's rename (old plugin), some began after it (new).
  const swapped = statSync(join(node.paths.cniBinDir, 'twill')).ctimeMs;
  expect({ before: created.some((c) => c.ended < swapped), after: created.some((c) => c.started > swapped) }).toEqual({ before: true, after: true });
}

/** After the roll: the new files only, every pod kept its addresses and reaches the other node, a new pod works, DEL of all leaves nothing. */
async function expectUpgraded(cluster: Cluster, running: Pod[], peerOf: (p: Pod) => Pod): Promise<void> {
  for (const n of cluster.nodes) {
    expect(await installedLayout(n)).toEqual(layoutOf(NEW_VERSION, pluginRuntime()));
    for (const f of readdirSync(n.paths.cniBinDir)) expect({ f, sha: sha256(join(n.paths.cniBinDir, f)) }).toEqual({ f, sha: sha256(join(DIST, f)) });
  }
  for (const p of running) expect({ pod: p.ns, addresses: await podAddresses(p) }).toEqual({ pod: p.ns, addresses: [p.ipv4!, p.ipv6!].sort() });
  expect(await unreachable(cluster, running, peerOf)).toEqual([]);
  const [n1, n2] = cluster.nodes;
  const after = [await cluster.addPod({ node: n1, name: 'c' }), await cluster.addPod({ node: n2, name: 'd' })];
  expect(await unreachable(cluster, after, peerOf)).toEqual([]);
  for (const p of [...cluster.pods]) await cluster.delPod(p); // the new plugin DELs old pods and new
  for (const n of cluster.nodes) expect(await nodeLeftovers(n)).toEqual({ veths: [], reservations: [] });
}

describeRoot('upgrading installed nodes one by one (new install over the bin dir, SIGTERM old agent, start new)', () => {
  let old: string;

  beforeAll(() => {
    requireTools(['ip', 'bridge', 'ss', 'socat', 'curl', 'ping']);
    old = mkdtempSync(join(tmpdir(), 'twill-upgrade-old-'));
    buildInto(old, otherRuntime());
    restampVersion(old, OLD_VERSION);
  }, 120_000);

  afterAll(() => old && rmSync(old, { recursive: true, force: true }));

  it('pods created during the install get networking, a running ping loses nothing, running pods keep theirs, the bin dir ends up new', async () => {
    const oldTwilld = join(old, 'twilld');
    expect((await run([oldTwilld, '--version'])).stdout.trim()).toBe(`twilld ${OLD_VERSION}`);
    await withCluster({ nodes: 2, install: { twilld: oldTwilld } }, async (cluster) => {
      for (const n of cluster.nodes) expect(await installedLayout(n)).toEqual(layoutOf(OLD_VERSION, pluginRuntime(old)));
      await Promise.all(cluster.nodes.map((n) => startAgent(cluster, n, oldTwilld)));
      const { peerOf, loops } = await pingingPods(cluster);
      for (const node of cluster.nodes) {
        await installWhileCreatingPods(cluster, node, pluginRuntime(old));
        await rollAgent(cluster, node);
      }
      await sleep(1000);
      const summaries = await Promise.all(loops.map((l) => l.stop()));
      for (const s of summaries) expect({ missing: s.missing, enough: s.received >= 50 }).toEqual({ missing: [], enough: true });
      await expectUpgraded(cluster, [...cluster.pods], peerOf);
    });
  });
});
