// Authentication, authorization, discovery, and the failure switches of the test API server.
import * as k8s from '@kubernetes/client-node';
import { nodes, TestApiServer } from '../kube/apiserver';
import { clientsFor, eventually, failureOf, type Clients } from '../kube/client';

// flannel's ClusterRole for nodes, plus what a subnet claim needs.
const AGENT_RULES = [
  { apiGroups: [''], resources: ['nodes'], verbs: ['get', 'list', 'watch'] },
  { apiGroups: [''], resources: ['nodes/status'], verbs: ['patch'] },
  { apiGroups: ['coordination.k8s.io'], resources: ['leases'], verbs: ['get', 'list', 'watch', 'create', 'delete'] },
];

let api: TestApiServer;
let c: Clients;

beforeEach(async () => {
  api = await TestApiServer.start({ users: [{ name: 'system:serviceaccount:kube-system:twilld', token: 'agent-token', rules: AGENT_RULES }] });
  c = clientsFor(api);
  api.create(nodes, { metadata: { name: 'n1' } });
});
afterEach(() => api.close());

describe('auth', () => {
  test('a wrong token is 401 Unauthorized', async () => {
    const kc = new k8s.KubeConfig();
    kc.loadFromString(api.kubeconfig().replace(api.token, 'wrong'));
    const f = await failureOf(kc.makeApiClient(k8s.CoreV1Api).listNode());
    expect(f.code).toBe(401);
  });

  test('a user with rules gets what they grant and 403 with RBAC wording for the rest', async () => {
    const agent = clientsFor(api, 'system:serviceaccount:kube-system:twilld');
    await agent.core.readNode({ name: 'n1' });
    const asMerge = k8s.setHeaderOptions('Content-Type', k8s.PatchStrategy.MergePatch);
    await agent.core.patchNodeStatus({ name: 'n1', body: { metadata: { annotations: { a: 'b' } } } }, asMerge);
    const f = await failureOf(agent.core.patchNode({ name: 'n1', body: { metadata: { labels: { a: 'b' } } } }, asMerge));
    expect(f.code).toBe(403);
    expect(f.body.message).toBe('nodes "n1" is forbidden: User "system:serviceaccount:kube-system:twilld" cannot patch resource "nodes" in API group "" at the cluster scope');
    const g = await failureOf(agent.coordination.replaceNamespacedLease({ name: 'x', namespace: 'kube-node-lease', body: { metadata: { name: 'x' } } }));
    expect(g.body.message).toBe('leases.coordination.k8s.io "x" is forbidden: User "system:serviceaccount:kube-system:twilld" cannot update resource "leases" in API group "coordination.k8s.io" in the namespace "kube-node-lease"');
  });

  test('discovery and /version answer as client-node expects', async () => {
    const objects = k8s.KubernetesObjectApi.makeApiClient(c.kc);
    const got = await objects.read({ apiVersion: 'v1', kind: 'Node', metadata: { name: 'n1' } });
    expect(got.metadata?.name).toBe('n1');
    const lease: k8s.KubernetesObject = await objects.create({ apiVersion: 'coordination.k8s.io/v1', kind: 'Lease', metadata: { name: 'l', namespace: 'default' } });
    expect(lease.metadata?.uid).toBeDefined();
    const version = await c.kc.makeApiClient(k8s.VersionApi).getCode();
    expect(version).toMatchObject({ major: '1', minor: '32' });
  });
});

describe('failure injection', () => {
  test('a status for the next N matching requests, then normal service', async () => {
    api.faults.inject({ verb: 'list', resource: 'nodes', status: 503, times: 2 });
    expect((await failureOf(c.core.listNode())).code).toBe(503);
    expect((await failureOf(c.core.listNode())).body.reason).toBe('ServiceUnavailable');
    expect((await c.core.listNode()).items).toHaveLength(1);
  });

  test('429 carries Retry-After', async () => {
    api.faults.inject({ verb: 'get', status: 429, retryAfterSeconds: 3, times: 1 });
    const f = await failureOf(c.core.readNode({ name: 'n1' }));
    expect(f.code).toBe(429);
    expect(f.body).toMatchObject({ reason: 'TooManyRequests', details: { retryAfterSeconds: 3 } });
  });

  test('slow answers', async () => {
    const remove = api.faults.inject({ verb: 'get', delayMs: 300 });
    const started = Date.now();
    await c.core.readNode({ name: 'n1' });
    expect(Date.now() - started).toBeGreaterThanOrEqual(290);
    remove();
  });

  test('a hung request gets no answer until the fault is cleared (its connection then drops)', async () => {
    api.faults.inject({ verb: 'get', hang: true });
    const call = c.core.readNode({ name: 'n1' });
    const outcome = await Promise.race([call.then(() => 'answered', () => 'failed'), new Promise((r) => setTimeout(() => r('pending'), 300))]);
    expect(outcome).toBe('pending');
    api.faults.clear();
    await expect(call).rejects.toThrow();
  });

  test('a dropped connection is a network error, not an HTTP answer', async () => {
    api.faults.inject({ verb: 'get', drop: true, times: 1 });
    await expect(c.core.readNode({ name: 'n1' })).rejects.toThrow(/fetch failed|other side closed|socket/i);
    expect((await c.core.readNode({ name: 'n1' })).metadata?.name).toBe('n1');
  });

  test('stop refuses connections; listen comes back on the same port with the data', async () => {
    const port = api.port;
    await api.stop();
    await expect(c.core.readNode({ name: 'n1' })).rejects.toThrow();
    await api.listen();
    expect(api.port).toBe(port);
    expect((await c.core.readNode({ name: 'n1' })).metadata?.name).toBe('n1');
  });

  test('dropConnections breaks a running watch with an error', async () => {
    const ended: unknown[] = [];
    const rv = (await c.core.listNode()).metadata!.resourceVersion!;
    await new k8s.Watch(c.kc).watch('/api/v1/nodes', { resourceVersion: rv }, () => {}, (err) => ended.push(err));
    await eventually(() => expect(api.activeWatches).toBe(1));
    api.dropConnections();
    await eventually(() => expect(ended).toHaveLength(1));
    await eventually(() => expect(api.activeWatches).toBe(0));
  });
});

describe('plain HTTP', () => {
  test('works with insecure-skip-tls-verify in the kubeconfig (client-node refuses http otherwise)', async () => {
    const plain = await TestApiServer.start({ tls: false });
    try {
      expect(plain.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
      expect(plain.kubeconfig()).toContain('insecure-skip-tls-verify: true');
      expect((await clientsFor(plain).core.listNode()).items).toEqual([]);
    } finally {
      await plain.close();
    }
  });
});
