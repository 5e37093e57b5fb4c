import type * as k8s from '@kubernetes/client-node';
import { TestApiServer } from '../kube/apiserver';
import { clientsFor, failureOf, type Clients } from '../kube/client';

let api: TestApiServer;
let c: Clients;

beforeAll(async () => {
  api = await TestApiServer.start();
  c = clientsFor(api);
});
afterAll(() => api.close());

const node = (name: string, extra: Partial<k8s.V1Node> = {}): k8s.V1Node => ({ metadata: { name }, ...extra });

describe('nodes through client-node', () => {
  test('create, get and list a node over HTTPS with the bearer token', async () => {
    const created = await c.core.createNode({ body: node('n1', { spec: { podCIDR: '10.244.1.0/24' } }) });
    expect(created.metadata?.uid).toMatch(/^[0-9a-f-]{36}$/);
    expect(created.metadata?.creationTimestamp).toBeInstanceOf(Date);
    expect(created.spec?.podCIDRs).toEqual(['10.244.1.0/24']);
    const got = await c.core.readNode({ name: 'n1' });
    expect(got.metadata?.resourceVersion).toBe(created.metadata?.resourceVersion);
    const list = await c.core.listNode();
    expect(list.items.map((n) => n.metadata?.name)).toContain('n1');
    expect(Number(list.metadata?.resourceVersion)).toBeGreaterThanOrEqual(Number(created.metadata?.resourceVersion));
  });

  test('a second create of the same name is 409 AlreadyExists', async () => {
    await c.core.createNode({ body: node('dup') });
    const f = await failureOf(c.core.createNode({ body: node('dup') }));
    expect(f.code).toBe(409);
    expect(f.body).toMatchObject({ kind: 'Status', reason: 'AlreadyExists', message: 'nodes "dup" already exists', details: { name: 'dup', kind: 'nodes' } });
  });
});
