// The test API server as a process of its own, for end-to-end tests and benchmarks that run
// agents as separate processes. Bundle and run it with the pinned Node:
//
//   node_modules/.bin/esbuild test/kube/apiserver/serve.ts --bundle --platform=node --outfile=DIR/apiserver.cjs
//   node_modules/.bin/node DIR/apiserver.cjs --kubeconfig DIR/kubeconfig [--nodes 5000] [--ipv6] [--http]
//
// It prints one JSON line ({"url", "kubeconfig", "nodes", "ms"}) when ready, then takes one
// JSON command per stdin line and answers each with one JSON line: {"op":"addNode","i":N},
// {"op":"removeNode","i":N}, {"op":"createNode","body":{metadata,spec,status}} (a Node of the
// caller's own shape, e.g. the node a benchmark's agent runs as), {"op":"patch","name":…,"body":…,"contentType":…,"subresource":"status"},
// {"op":"delete","name":…}, {"op":"restart"}, {"op":"stop"}, {"op":"listen"},
// {"op":"expireWatches"}, {"op":"closeWatches"}, {"op":"dropConnections"}, {"op":"stats"}.
// End of stdin stops it.
import { createInterface } from 'node:readline';
import { addSimulatedNode, createSimulatedNodes, removeSimulatedNode } from './load';
import { nodes } from './resources';
import { TestApiServer } from './server';
import type { Json } from './types';

interface Command {
  op: string;
  i?: number;
  name?: string;
  body?: Json;
  contentType?: string;
  subresource?: 'status';
}

function flag(args: string[], name: string): string | undefined {
  const at = args.indexOf(name);
  return at >= 0 ? args[at + 1] : undefined;
}

async function run(api: TestApiServer, cmd: Command, ipv6: boolean): Promise<unknown> {
  switch (cmd.op) {
    case 'addNode':
      return addSimulatedNode(api, cmd.i ?? 0, { ipv6 }).metadata;
    case 'removeNode':
      return removeSimulatedNode(api, cmd.i ?? 0);
    case 'createNode':
      if (cmd.body === undefined) throw new Error('createNode: body (the Node) is required');
      return api.create(nodes, cmd.body).metadata;
    case 'patch':
      return api.patch(nodes, cmd.name ?? '', cmd.body ?? {}, { contentType: cmd.contentType ?? 'application/merge-patch+json', subresource: cmd.subresource }).metadata;
    case 'delete':
      return api.delete(nodes, cmd.name ?? '');
    case 'restart':
      return api.restart();
    case 'stop':
      return api.stop();
    case 'listen':
      return api.listen();
    case 'expireWatches':
      return api.expireWatches();
    case 'closeWatches':
      return api.closeWatches();
    case 'dropConnections':
      return api.dropConnections();
    case 'stats':
      return { resourceVersion: api.store.resourceVersion, nodes: api.store.count(nodes), watches: api.activeWatches, requests: api.requests.length };
    default:
      throw new Error(`unknown op: ${cmd.op}`);
  }
}

async function main(args: string[]): Promise<void> {
  const kubeconfig = flag(args, '--kubeconfig');
  if (!kubeconfig) throw new Error('--kubeconfig PATH is required');
  const ipv6 = args.includes('--ipv6');
  const api = await TestApiServer.start({ tls: !args.includes('--http'), port: Number(flag(args, '--port') ?? 0) });
  const started = performance.now();
  const count = Number(flag(args, '--nodes') ?? 0);
  createSimulatedNodes(api, count, { ipv6 });
  await api.writeKubeconfig(kubeconfig);
  process.stdout.write(`${JSON.stringify({ url: api.url, kubeconfig, nodes: count, ms: Math.round(performance.now() - started) })}\n`);
  for await (const line of createInterface({ input: process.stdin })) {
    if (!line.trim()) continue;
    try {
      const result = await run(api, JSON.parse(line) as Command, ipv6);
      process.stdout.write(`${JSON.stringify({ ok: true, result: result ?? null })}\n`);
    } catch (e) {
      process.stdout.write(`${JSON.stringify({ ok: false, error: (e as Error).message })}\n`);
    }
  }
  await api.close();
}

main(process.argv.slice(2)).catch((e: Error) => {
  process.stderr.write(`apiserver: ${e.message}\n`);
  process.exitCode = 1;
});
