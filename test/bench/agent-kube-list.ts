// What listing N nodes costs the agent, one way per process (fresh RSS each): client-node's
// typed listNode (full models, what its informer caches), the same then slimmed, our raw
// client in one page, and our informer (pages of 500, slimmed per page). Run against the
// test API server as its own process:
//
//   esbuild test/kube/apiserver/serve.ts --bundle --platform=node --outfile=dist/bench/apiserver.cjs
//   esbuild test/bench/agent-kube-list.ts --bundle --platform=node --format=esm \
//     --external:@kubernetes/client-node --outfile=dist/bench/agent-kube-list.mjs
//   (node dist/bench/apiserver.cjs --kubeconfig /tmp/kc --nodes 5000 &)
//   node --expose-gc dist/bench/agent-kube-list.mjs /tmp/kc raw
//
// Prints one JSON line: ms (first request to map ready), peak RSS (maxRSS), heap kept after
// a full GC with the result still referenced, node count.
import * as k8s from '@kubernetes/client-node';
import { ClientNodeKubeClient } from '../../daemonset/kube/client-node';
import { NodeInformer } from '../../daemonset/kube/informer';
import { slimNode, type NodeJson } from '../../daemonset/kube/slim-node';

type Mode = 'client-node' | 'client-node-slim' | 'raw' | 'informer';

async function load(kc: k8s.KubeConfig, mode: Mode): Promise<{ kept: unknown; count: number }> {
  if (mode === 'client-node' || mode === 'client-node-slim') {
    const list = await kc.makeApiClient(k8s.CoreV1Api).listNode();
    const kept = mode === 'client-node' ? list.items : list.items.map((n) => slimNode(n as unknown as NodeJson));
    return { kept, count: list.items.length };
  }
  const client = new ClientNodeKubeClient(kc);
  if (mode === 'raw') {
    const page = await client.listNodes();
    return { kept: page.items, count: page.items.length };
  }
  const informer = new NodeInformer({ client });
  informer.start();
  await informer.waitForSync();
  await informer.stop();
  return { kept: informer.nodes, count: informer.nodes.size };
}

async function main(): Promise<void> {
  const [file, mode] = process.argv.slice(2) as [string, Mode];
  const kc = new k8s.KubeConfig();
  kc.loadFromFile(file);
  const rssBefore = process.memoryUsage().rss;
  const started = performance.now();
  const { kept, count } = await load(kc, mode);
  const ms = performance.now() - started;
  (globalThis as { gc?: () => void }).gc?.();
  const mb = (b: number) => Math.round(b / 1e5) / 10;
  const out = { mode, nodes: count, ms: Math.round(ms), peakRssMB: mb(process.resourceUsage().maxRSS * 1024), rssBeforeMB: mb(rssBefore), heapKeptMB: mb(process.memoryUsage().heapUsed) };
  process.stdout.write(`${JSON.stringify(out)}\n`);
  void kept;
}

void main();
