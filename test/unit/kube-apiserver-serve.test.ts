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

test('serve.ts runs as its own process, writes a kubeconfig and takes churn commands on stdin', async () => {
  const bundle = join(dir, 'apiserver.cjs');
  buildSync({ entryPoints: ['test/kube/apiserver/serve.ts'], bundle: true, platform: 'node', outfile: bundle, logLevel: 'warning' });
  const child = spawn(process.execPath, [bundle, '--kubeconfig', join(dir, 'kubeconfig'), '--nodes', '3'], { stdio: ['pipe', 'pipe', 'inherit'] });
  const lines = createInterface({ input: child.stdout! })[Symbol.asyncIterator]();
  const next = async () => JSON.parse((await lines.next()).value as string);
  try {
    expect(await next()).toMatchObject({ nodes: 3 });
    const kc = new k8s.KubeConfig();
    kc.loadFromFile(join(dir, 'kubeconfig'));
    const core = kc.makeApiClient(k8s.CoreV1Api);
    expect((await core.listNode()).items.map((n) => n.metadata?.name)).toEqual(['sim-0', 'sim-1', 'sim-2']);
    child.stdin!.write('{"op":"addNode","i":42}\n{"op":"removeNode","i":0}\n');
    expect(await next()).toMatchObject({ ok: true, result: { name: 'sim-42' } });
    expect(await next()).toMatchObject({ ok: true });
    expect((await core.listNode()).items.map((n) => n.metadata?.name)).toEqual(['sim-1', 'sim-2', 'sim-42']);
  } finally {
    child.stdin!.end();
    await new Promise((r) => child.once('exit', r));
  }
  expect(child.exitCode).toBe(0);
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
