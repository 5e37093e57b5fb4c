// The test API server as a separate process (serve.ts, bundled as a later benchmark will), and
// in-cluster configuration from a service account mount it writes.
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import * as k8s from '@kubernetes/client-node';
import { buildSync } from 'esbuild';
import { TestApiServer } from '../kube/apiserver';

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'twill-apiserver-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** serve.ts bundled and started with `nodes` simulated Nodes; `next()` reads its next JSON line. */
function startServe(nodes: number) {
  const bundle = join(dir, 'apiserver.cjs');
  buildSync({ entryPoints: ['test/kube/apiserver/serve.ts'], bundle: true, platform: 'node', outfile: bundle, logLevel: 'warning' });
  const child = spawn(process.execPath, [bundle, '--kubeconfig', join(dir, 'kubeconfig'), '--nodes', String(nodes)], { stdio: ['pipe', 'pipe', 'inherit'] });
  const lines = createInterface({ input: child.stdout! })[Symbol.asyncIterator]();
  const next = async () => JSON.parse((await lines.next()).value as string);
  const core = () => {
    const kc = new k8s.KubeConfig();
    kc.loadFromFile(join(dir, 'kubeconfig'));
    return kc.makeApiClient(k8s.CoreV1Api);
  };
  const stop = async () => {
    child.stdin!.end();
    if (child.exitCode === null) await new Promise((r) => child.once('exit', r));
    return child.exitCode;
  };
  return { child, next, core, stop };
}

test('serve.ts runs as its own process, writes a kubeconfig and takes churn commands on stdin', async () => {
  const { child, next, core, stop } = startServe(3);
  try {
    expect(await next()).toMatchObject({ nodes: 3 });
    const api = core();
    expect((await api.listNode()).items.map((n) => n.metadata?.name)).toEqual(['sim-0', 'sim-1', 'sim-2']);
    child.stdin!.write('{"op":"addNode","i":42}\n{"op":"removeNode","i":0}\n');
    expect(await next()).toMatchObject({ ok: true, result: { name: 'sim-42' } });
    expect(await next()).toMatchObject({ ok: true });
    expect((await api.listNode()).items.map((n) => n.metadata?.name)).toEqual(['sim-1', 'sim-2', 'sim-42']);
  } finally {
    expect(await stop()).toBe(0);
  }
});

test('createNode registers a Node of the caller\'s shape (status included, as kubelet registers) and names a missing body', async () => {
  const { child, next, core, stop } = startServe(1);
  const body = {
    metadata: { name: 'bench-node', labels: { 'kubernetes.io/hostname': 'bench-node' } },
    spec: { podCIDR: '10.200.0.0/24', podCIDRs: ['10.200.0.0/24'] },
    status: { addresses: [{ type: 'InternalIP', address: '172.31.255.254' }] },
  };
  try {
    expect(await next()).toMatchObject({ nodes: 1 });
    child.stdin!.write(`${JSON.stringify({ op: 'createNode', body })}\n{"op":"createNode"}\n`);
    expect(await next()).toMatchObject({ ok: true, result: { name: 'bench-node' } });
    expect(await next()).toEqual({ ok: false, error: expect.stringContaining('body') });
    child.stdin!.write(`${JSON.stringify({ op: 'createNode', body })}\n`);
    expect(await next()).toMatchObject({ ok: false, error: expect.stringContaining('already exists') });
    const node = await core().readNode({ name: 'bench-node' });
    expect(node.spec?.podCIDRs).toEqual(['10.200.0.0/24']);
    expect(node.status?.addresses).toEqual([{ type: 'InternalIP', address: '172.31.255.254' }]);
    expect(node.metadata?.resourceVersion).toBeTruthy();
  } finally {
    expect(await stop()).toBe(0);
  }
});

test('a service account mount and its environment give client-node an in-cluster configuration', async () => {
  const api = await TestApiServer.start();
  const saved = { ...process.env };
  try {
    Object.assign(process.env, await api.writeServiceAccount(dir));
    const kc = new k8s.KubeConfig();
    kc.loadFromCluster(dir);
    const list = await kc.makeApiClient(k8s.CoreV1Api).listNamespace();
    expect(list.items.map((n) => n.metadata?.name)).toContain('kube-system');
  } finally {
    process.env = saved;
    await api.close();
  }
});
