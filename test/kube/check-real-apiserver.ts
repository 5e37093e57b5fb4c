// By hand, not in CI: the agent's Kubernetes side against a REAL kube-apiserver 1.32 (see
// /work/shared/kube: start.sh, then a namespace twill-system, the twilld ClusterRole/Role
// bindings and a few nodes, as in the report). Bundle and run with the pinned Node:
//
//   esbuild test/kube/check-real-apiserver.ts --bundle --platform=node --format=esm \
//     --external:@kubernetes/client-node --outfile=dist/bench/check-real.mjs
//   node dist/bench/check-real.mjs claims|follow SECONDS
//
// `claims`: subnets (dual-stack claims, restart, 8 concurrent agents on a pool of 8, a 9th
// exhausted, reclaim after a node delete with no garbage collector running), publishing.
// `follow`: an informer for SECONDS, logging one line per event (restart the API server and
// change nodes meanwhile), then its counters and whether it matches a fresh list.
import { execFileSync } from 'node:child_process';
import { ClientNodeKubeClient } from '../../daemonset/kube/client-node';
import { NodeInformer } from '../../daemonset/kube/informer';
import { loadKubeConfig } from '../../daemonset/kube/kubeconfig';
import { jsonLineLogger } from '../../daemonset/kube/log';
import { ensureNodeSubnets } from '../../daemonset/kube/node-subnets';
import { NodePublisher } from '../../daemonset/kube/publish';
import { claimNodeSubnet } from '../../daemonset/kube/subnet-claim';
import { parseSubnetPools } from '../../daemonset/kube/subnet-pool';

const ACC = '/tmp/acc-kube';
const kubectl = (...args: string[]) => execFileSync(`${ACC}/bin/kubectl`, ['--kubeconfig', `${ACC}/admin.kubeconfig`, ...args], { encoding: 'utf8' });
const logger = jsonLineLogger({ write: (l) => process.stdout.write(l), level: 'debug' });
const client = new ClientNodeKubeClient(loadKubeConfig({ env: { KUBECONFIG: `${ACC}/twilld.kubeconfig` } }));
const NS = 'twill-system';
const say = (what: string, value: unknown) => process.stdout.write(`${what}: ${JSON.stringify(value)}\n`);

async function node(name: string) {
  const n = await client.getNode(name);
  if (!n) throw new Error(`no node ${name}`);
  return n;
}

function applyNodes(names: string[]): void {
  const docs = JSON.stringify({ apiVersion: 'v1', kind: 'List', items: names.map((name) => ({ apiVersion: 'v1', kind: 'Node', metadata: { name } })) });
  execFileSync(`${ACC}/bin/kubectl`, ['--kubeconfig', `${ACC}/admin.kubeconfig`, 'apply', '-f', '-'], { input: docs, encoding: 'utf8' });
}

async function checkDualStack(): Promise<void> {
  const pools = parseSubnetPools([{ clusterCidr: '10.244.0.0/16', nodePrefixLength: 24 }, { clusterCidr: 'fd00:10:244::/56', nodePrefixLength: 64 }]);
  for (const name of ['real-1', 'real-2', 'real-3']) say(`subnets ${name}`, await ensureNodeSubnets({ client, namespace: NS, node: await node(name), pools, logger }));
  say('restart real-1', await ensureNodeSubnets({ client, namespace: NS, node: await node('real-1'), pools }));
}

async function checkTinyPool(): Promise<void> {
  const [pool] = parseSubnetPools([{ clusterCidr: '10.9.0.0/27', nodePrefixLength: 30 }]);
  const names = Array.from({ length: 10 }, (_, i) => `tiny-${i}`);
  applyNodes(names);
  const first8 = await Promise.all(names.slice(0, 8).map(async (n) => claimNodeSubnet({ client, namespace: NS, node: await node(n), pool })));
  say('8 concurrent agents, pool of 8: distinct subnets', new Set(first8.map((c) => c.subnet)).size);
  const ninth = await claimNodeSubnet({ client, namespace: NS, node: await node('tiny-8'), pool }).catch((e: Error) => `${e.name}: ${e.message}`);
  say('9th', ninth);
  kubectl('delete', 'node', 'tiny-3');
  const reclaimed = await claimNodeSubnet({ client, namespace: NS, node: await node('tiny-9'), pool, logger });
  say('after deleting tiny-3 (no garbage collector runs here)', { reclaimed, tiny3Had: first8[3] });
}

async function checkPublish(): Promise<void> {
  const publisher = new NodePublisher({ client, logger });
  const info = { vtepMac: '0a:58:0a:f4:00:01', underlayIp: '192.0.2.1', backend: 'vxlan', podCidrs: ['10.244.1.0/24'], ready: true };
  say('first publish wrote', await publisher.sync(await node('real-1'), info));
  say('second publish wrote', await publisher.sync(await node('real-1'), info));
  const stored = JSON.parse(kubectl('get', 'node', 'real-1', '-o', 'json')) as { metadata: { annotations: object }; status: { conditions?: object[] } };
  say('real-1 annotations', stored.metadata.annotations);
  say('real-1 conditions', stored.status.conditions);
}

async function checkClaims(): Promise<void> {
  await checkDualStack();
  await checkTinyPool();
  await checkPublish();
}

async function main(): Promise<void> {
  const [mode, seconds] = process.argv.slice(2);
  if (mode === 'claims') return checkClaims();
  if (mode === 'follow') return follow(Number(seconds ?? 30));
  throw new Error('usage: claims | follow SECONDS');
}

async function follow(seconds: number): Promise<void> {
  const informer = new NodeInformer({ client, logger, watchTimeoutSeconds: 5, hooks: { onChange: () => say('changed', informer.nodes.size) } });
  informer.start();
  await informer.waitForSync();
  await new Promise((r) => setTimeout(r, seconds * 1000));
  await informer.stop();
  const fresh = await client.listNodes();
  const same = fresh.items.every((n) => informer.nodes.get(n.name)?.resourceVersion === n.resourceVersion) && fresh.items.length === informer.nodes.size;
  say('counters', informer.counters);
  say('matches a fresh list', same);
}

void main().catch((e: unknown) => {
  process.stdout.write(`FAILED: ${(e as Error).stack}\n`);
  process.exitCode = 1;
});
