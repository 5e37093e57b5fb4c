// The agent's KubeClient (raw JSON over client-node's KubeConfig) against the test API server:
// credentials from KUBECONFIG or a service account, slim nodes, patches, leases as claims,
// watch events and the typed errors callers decide on.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { NodeWatchEvent } from '../../daemonset/kube/client';
import { ClientNodeKubeClient } from '../../daemonset/kube/client-node';
import { KubeApiError, KubeConfigError, KubeTransportError } from '../../daemonset/kube/errors';
import { loadKubeConfig } from '../../daemonset/kube/kubeconfig';
import { createSimulatedNodes, leases, nodes, TestApiServer } from '../kube/apiserver';
import { eventually } from '../kube/client';
import { AGENT_USER, agentClientFor } from '../helpers/kube-agent';

let api: TestApiServer;
let dir: string;

beforeEach(async () => {
  api = await TestApiServer.start({ users: [AGENT_USER], historyLimit: 3, bookmarkIntervalMs: 200 });
  dir = mkdtempSync(join(tmpdir(), 'twill-kube-client-'));
});
afterEach(async () => {
  await api.close();
  rmSync(dir, { recursive: true, force: true });
});

async function rejection(call: Promise<unknown>): Promise<unknown> {
  try {
    await call;
  } catch (err) {
    return err;
  }
  throw new Error('expected the call to fail');
}

describe('credentials', () => {
  test("KUBECONFIG names the file (in a list, merged, the first file's context wins)", async () => {
    const file = await api.writeKubeconfig(join(dir, 'kubeconfig'), AGENT_USER.name);
    const other = join(dir, 'other');
    writeFileSync(other, api.kubeconfig().replaceAll('twill-test', 'other').replace(/token: .*/, 'token: wrong'));
    createSimulatedNodes(api, 1);
    const client = new ClientNodeKubeClient(loadKubeConfig({ env: { KUBECONFIG: `${file}:${other}` } }));
    expect((await client.getNode('sim-0'))?.name).toBe('sim-0');
  });

  test('without KUBECONFIG, the in-cluster service account', async () => {
    const env = await api.writeServiceAccount(dir, AGENT_USER.name);
    createSimulatedNodes(api, 1);
    const client = new ClientNodeKubeClient(loadKubeConfig({ env, root: dir }));
    expect((await client.listNodes()).items.map((n) => n.name)).toEqual(['sim-0']);
  });

  test('neither is a KubeConfigError naming what is missing, not a fallback to ~/.kube or localhost', () => {
    expect(() => loadKubeConfig({ env: { HOME: dir } })).toThrow(KubeConfigError);
    expect(() => loadKubeConfig({ env: {} })).toThrow(/KUBECONFIG: not set, and not in a cluster/);
    expect(() => loadKubeConfig({ env: { KUBECONFIG: join(dir, 'nope') } })).toThrow(`KUBECONFIG: ${join(dir, 'nope')} does not exist`);
    expect(() => loadKubeConfig({ env: { KUBERNETES_SERVICE_HOST: '10.96.0.1', KUBERNETES_SERVICE_PORT: '443' }, root: dir })).toThrow(/no service account token/);
  });
});

describe('nodes', () => {
  test('a list page holds slim nodes: podCIDRs, InternalIPs, only twill.dev annotations', async () => {
    createSimulatedNodes(api, 3, { ipv6: true });
    api.patch(nodes, 'sim-1', { metadata: { annotations: { 'other.io/x': 'y' } } }, { contentType: 'application/merge-patch+json' });
    const client = agentClientFor(api, { user: AGENT_USER.name });
    const first = await client.listNodes({ limit: 2 });
    expect(first.items.map((n) => n.name)).toEqual(['sim-0', 'sim-1']);
    expect(first.continue).toBeDefined();
    const rest = await client.listNodes({ limit: 2, continue: first.continue });
    expect(rest).toMatchObject({ resourceVersion: first.resourceVersion, continue: undefined });
    const sim1 = api.get(nodes, 'sim-1')!;
    expect(first.items[1]).toEqual({
      name: 'sim-1',
      uid: sim1.metadata.uid,
      resourceVersion: sim1.metadata.resourceVersion,
      podCIDRs: ['10.64.1.0/24', 'fd00:10:64:1::/64'],
      internalIPs: ['172.16.0.2'],
      annotations: { 'twill.dev/vtep-mac': '0a:58:00:00:00:01', 'twill.dev/underlay-ip': '172.16.0.2' },
    });
  });

  test('get of a missing node is undefined; a status patch returns the patched node', async () => {
    const client = agentClientFor(api, { user: AGENT_USER.name });
    expect(await client.getNode('nope')).toBeUndefined();
    api.create(nodes, { metadata: { name: 'n1' } });
    const patched = await client.patchNodeStatus('n1', { metadata: { annotations: { 'twill.dev/backend': 'vxlan' } } }, 'merge');
    expect(patched.annotations).toEqual({ 'twill.dev/backend': 'vxlan' });
    expect(api.get(nodes, 'n1')!.metadata.annotations).toEqual({ 'twill.dev/backend': 'vxlan' });
  });

  test('the agent may not patch a node spec: 403 as a KubeApiError with the status and reason', async () => {
    api.create(nodes, { metadata: { name: 'n1' } });
    const err = await rejection(agentClientFor(api, { user: AGENT_USER.name }).patchNode('n1', { spec: { unschedulable: true } }, 'strategic'));
    expect(err).toBeInstanceOf(KubeApiError);
    expect(err).toMatchObject({ status: 403, reason: 'Forbidden', verb: 'PATCH', path: '/api/v1/nodes/n1' });
  });
});

describe('watch', () => {
  const client = () => agentClientFor(api);

  test('ADDED, DELETED and BOOKMARK arrive as typed events; the server ending it resolves', async () => {
    const events: NodeWatchEvent[] = [];
    const { resourceVersion } = await client().listNodes();
    const watching = client().watchNodes({ resourceVersion, timeoutSeconds: 1, idleTimeoutMs: 5000, signal: new AbortController().signal }, (e) => events.push(e));
    await eventually(() => expect(api.activeWatches).toBe(1));
    api.create(nodes, { metadata: { name: 'w1' } });
    api.delete(nodes, 'w1');
    await watching;
    expect(events.filter((e) => e.type !== 'BOOKMARK').map((e) => `${e.type} ${'node' in e ? e.node.name : ''}`)).toEqual(['ADDED w1', 'DELETED w1']);
    expect(events.at(-1)).toEqual({ type: 'BOOKMARK', resourceVersion: String(api.store.resourceVersion) });
  });

  test('a version outside the window rejects with KubeApiError 410 (the ERROR event)', async () => {
    const { resourceVersion } = await client().listNodes();
    createSimulatedNodes(api, 5);
    const err = await rejection(client().watchNodes({ resourceVersion, timeoutSeconds: 10, idleTimeoutMs: 5000, signal: new AbortController().signal }, () => undefined));
    expect(err).toMatchObject({ name: 'KubeApiError', status: 410, reason: 'Expired' });
  });

  test('a dropped connection rejects with a KubeTransportError; aborting resolves quietly', async () => {
    const { resourceVersion } = await client().listNodes();
    const opts = { resourceVersion, timeoutSeconds: 10, idleTimeoutMs: 5000 };
    const dropped = rejection(client().watchNodes({ ...opts, signal: new AbortController().signal }, () => undefined));
    await eventually(() => expect(api.activeWatches).toBe(1));
    api.dropConnections();
    expect(await dropped).toBeInstanceOf(KubeTransportError);
    const stop = new AbortController();
    const stopped = client().watchNodes({ ...opts, signal: stop.signal }, () => undefined);
    await eventually(() => expect(api.activeWatches).toBe(1));
    stop.abort();
    await expect(stopped).resolves.toBeUndefined();
  });

  test('a silent watch fails after the idle timeout', async () => {
    api.faults.inject({ verb: 'watch', hang: true, times: 1 });
    const { resourceVersion } = await client().listNodes();
    const err = await rejection(client().watchNodes({ resourceVersion, timeoutSeconds: 10, idleTimeoutMs: 200, signal: new AbortController().signal }, () => undefined));
    expect(err).toMatchObject({ name: 'KubeTransportError', timedOut: true });
  });
});

describe('transport', () => {
  test('a stopped server is a KubeTransportError; a hanging one times out', async () => {
    const client = agentClientFor(api, { requestTimeoutMs: 200 });
    api.faults.inject({ verb: 'get', resource: 'nodes', hang: true, times: 1 });
    expect(await rejection(client.getNode('n1'))).toMatchObject({ name: 'KubeTransportError', timedOut: true, verb: 'GET' });
    await api.stop();
    expect(await rejection(client.listNodes())).toMatchObject({ name: 'KubeTransportError', timedOut: false, message: expect.stringContaining('ECONNREFUSED') });
  });
});

describe('leases', () => {
  const NS = 'kube-node-lease';
  const lease = (name: string) => ({ metadata: { name, labels: { 'twill.dev/node': 'n1' } }, spec: { holderIdentity: 'n1' } });

  test('create, then 409 AlreadyExists for the same name; list by label; get', async () => {
    const client = agentClientFor(api, { user: AGENT_USER.name });
    const made = await client.createLease(NS, lease('l1'));
    expect(made.metadata.uid).toBeDefined();
    expect(await rejection(client.createLease(NS, lease('l1')))).toMatchObject({ status: 409, reason: 'AlreadyExists' });
    await client.createLease(NS, { metadata: { name: 'other' } });
    expect((await client.listLeases(NS, { labelSelector: 'twill.dev/node=n1' })).map((l) => l.metadata.name)).toEqual(['l1']);
    expect((await client.getLease(NS, 'l1'))?.spec?.holderIdentity).toBe('n1');
    expect(await client.getLease(NS, 'nope')).toBeUndefined();
  });

  test('delete honours uid and resourceVersion preconditions; gone is false', async () => {
    const client = agentClientFor(api, { user: AGENT_USER.name });
    const made = await client.createLease(NS, lease('l1'));
    const stale = { uid: made.metadata.uid, resourceVersion: String(Number(made.metadata.resourceVersion) - 1) };
    expect(await rejection(client.deleteLease(NS, 'l1', stale))).toMatchObject({ status: 409, reason: 'Conflict' });
    expect(api.get(leases, 'l1', NS)).toBeDefined();
    expect(await client.deleteLease(NS, 'l1', { uid: made.metadata.uid, resourceVersion: made.metadata.resourceVersion })).toBe(true);
    expect(api.get(leases, 'l1', NS)).toBeUndefined();
    expect(await client.deleteLease(NS, 'l1')).toBe(false);
  });
});
