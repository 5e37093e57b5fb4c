// Leases (the agent's subnet claims) and ownerReference garbage collection on the test API server.
import * as k8s from '@kubernetes/client-node';
import { leases, nodes, TestApiServer } from '../kube/apiserver';
import { clientsFor, eventually, failureOf, type Clients } from '../kube/client';

let api: TestApiServer;
let c: Clients;

beforeEach(async () => {
  api = await TestApiServer.start();
  c = clientsFor(api);
});
afterEach(() => api.close());

const NS = 'kube-node-lease';

function lease(name: string, owner?: k8s.V1Node, spec: k8s.V1LeaseSpec = { holderIdentity: 'n1' }): k8s.V1Lease {
  const ownerReferences = owner ? [{ apiVersion: 'v1', kind: 'Node', name: owner.metadata!.name!, uid: owner.metadata!.uid! }] : undefined;
  return { metadata: { name, ownerReferences }, spec };
}

const readLease = (name: string) => c.coordination.readNamespacedLease({ name, namespace: NS });

describe('leases as atomic claims', () => {
  test('the second create of a name is 409 AlreadyExists, the first holder keeps it', async () => {
    await c.coordination.createNamespacedLease({ namespace: NS, body: lease('subnet-10-244-3-0-24', undefined, { holderIdentity: 'a' }) });
    const f = await failureOf(c.coordination.createNamespacedLease({ namespace: NS, body: lease('subnet-10-244-3-0-24', undefined, { holderIdentity: 'b' }) }));
    expect(f.code).toBe(409);
    expect(f.body).toMatchObject({
      reason: 'AlreadyExists',
      message: 'leases.coordination.k8s.io "subnet-10-244-3-0-24" already exists',
      details: { name: 'subnet-10-244-3-0-24', group: 'coordination.k8s.io', kind: 'leases' },
    });
    expect((await readLease('subnet-10-244-3-0-24')).spec?.holderIdentity).toBe('a');
  });

  test('a name with a slash (a raw CIDR) is not a valid lease name', async () => {
    const f = await failureOf(c.coordination.createNamespacedLease({ namespace: NS, body: lease('10.244.3.0/24') }));
    expect(f.code).toBe(422);
    expect(f.body.message).toMatch(/^Lease.coordination.k8s.io "10.244.3.0\/24" is invalid: metadata.name: Invalid value/);
  });

  test('a lease in a namespace that does not exist is 404 for the namespace', async () => {
    const f = await failureOf(c.coordination.createNamespacedLease({ namespace: 'nope', body: lease('x') }));
    expect(f).toMatchObject({ code: 404, body: { message: 'namespaces "nope" not found' } });
  });

  test('PUT needs the current resourceVersion: stale is 409 Conflict, missing is 422', async () => {
    const created = await c.coordination.createNamespacedLease({ namespace: NS, body: lease('put') });
    const renewed = await c.coordination.replaceNamespacedLease({ name: 'put', namespace: NS, body: { ...created, spec: { holderIdentity: 'n2' } } });
    expect(Number(renewed.metadata?.resourceVersion)).toBeGreaterThan(Number(created.metadata?.resourceVersion));
    const stale = await failureOf(c.coordination.replaceNamespacedLease({ name: 'put', namespace: NS, body: { ...created, spec: { holderIdentity: 'n3' } } }));
    expect(stale).toMatchObject({ code: 409, body: { reason: 'Conflict', message: 'Operation cannot be fulfilled on leases.coordination.k8s.io "put": the object has been modified; please apply your changes to the latest version and try again' } });
    const body = { metadata: { name: 'put' }, spec: { holderIdentity: 'n4' } };
    const unconditional = await failureOf(c.coordination.replaceNamespacedLease({ name: 'put', namespace: NS, body }));
    expect(unconditional).toMatchObject({ code: 422, body: { message: 'leases.coordination.k8s.io "put" is invalid: metadata.resourceVersion: Invalid value: 0: must be specified for an update' } });
    expect((await readLease('put')).spec?.holderIdentity).toBe('n2');
  });

  test('a PUT to a lease that does not exist creates it (leases allow create on update)', async () => {
    const made = await c.coordination.replaceNamespacedLease({ name: 'fresh', namespace: NS, body: lease('fresh') });
    expect(made.metadata?.uid).toBeDefined();
  });

  test('renewTime is a MicroTime: six fraction digits pass, a plain Date is refused as the real server does', async () => {
    const renewTime = new k8s.V1MicroTime('2024-05-01T10:00:00.123Z');
    const ok = await c.coordination.createNamespacedLease({ namespace: NS, body: lease('micro', undefined, { holderIdentity: 'a', renewTime }) });
    // client-node has no deserializer for MicroTime: it comes back as the wire string.
    expect(ok.spec?.renewTime).toBe('2024-05-01T10:00:00.123000Z');
    const plain = { holderIdentity: 'a', renewTime: new Date('2024-05-01T10:00:00.123Z') as k8s.V1MicroTime };
    const f = await failureOf(c.coordination.createNamespacedLease({ namespace: NS, body: lease('milli', undefined, plain) }));
    expect(f.code).toBe(400);
    expect(f.body.message).toContain('parsing time "2024-05-01T10:00:00.123Z" as "2006-01-02T15:04:05.000000Z07:00"');
  });

  test('namespaces can be created and read; generateName and dryRun work as on a cluster', async () => {
    await c.core.createNamespace({ body: { metadata: { name: 'twill-system' } } });
    expect((await c.core.readNamespace({ name: 'twill-system' })).status?.phase).toBe('Active');
    const generated = await c.coordination.createNamespacedLease({ namespace: 'twill-system', body: { metadata: { generateName: 'claim-' }, spec: {} } });
    expect(generated.metadata?.name).toMatch(/^claim-[a-z0-9]{5}$/);
    const dry = await c.coordination.createNamespacedLease({ namespace: 'twill-system', body: lease('dry'), dryRun: 'All' });
    expect(dry.metadata?.uid).toBeDefined();
    expect((await c.coordination.listNamespacedLease({ namespace: 'twill-system' })).items.map((l) => l.metadata?.name)).toEqual([generated.metadata?.name]);
  });

  test('leases list per namespace and across namespaces', async () => {
    await c.coordination.createNamespacedLease({ namespace: NS, body: lease('l1') });
    await c.coordination.createNamespacedLease({ namespace: 'default', body: lease('l2') });
    expect((await c.coordination.listNamespacedLease({ namespace: NS })).items.map((l) => l.metadata?.name)).toEqual(['l1']);
    const all = await c.coordination.listLeaseForAllNamespaces();
    expect(all.items.map((l) => `${l.metadata?.namespace}/${l.metadata?.name}`)).toEqual(['default/l2', `${NS}/l1`]);
  });
});

describe('garbage collection of owned objects', () => {
  const node = (name: string) => c.core.createNode({ body: { metadata: { name } } });
  const leaseNames = () => api.store.list(leases).map((l) => l.metadata.name);

  test('deleting the owning Node deletes its Lease', async () => {
    const n1 = await node('n1');
    await c.coordination.createNamespacedLease({ namespace: NS, body: lease('claim', n1) });
    await c.core.deleteNode({ name: 'n1' });
    await eventually(() => expect(leaseNames()).toEqual([]));
  });

  test('owners are matched by uid: a node re-created under the same name does not keep the old claim', async () => {
    const first = await node('n1');
    await c.coordination.createNamespacedLease({ namespace: NS, body: lease('claim', first) });
    // Both in one turn, so the collector only ever sees the new n1.
    api.delete(nodes, 'n1');
    api.create(nodes, { metadata: { name: 'n1' } });
    await eventually(() => expect(leaseNames()).toEqual([]));
  });

  test('an object with an owner still alive stays; one whose owner never existed goes', async () => {
    const [a, b] = [await node('a'), await node('b')];
    const both = lease('both', a);
    both.metadata!.ownerReferences!.push({ apiVersion: 'v1', kind: 'Node', name: 'b', uid: b.metadata!.uid! });
    await c.coordination.createNamespacedLease({ namespace: NS, body: both });
    const dangling = lease('dangling', a);
    dangling.metadata!.ownerReferences![0].uid = '00000000-0000-0000-0000-000000000000';
    await c.coordination.createNamespacedLease({ namespace: NS, body: dangling });
    await c.core.deleteNode({ name: 'a' });
    await eventually(() => expect(leaseNames()).toEqual(['both']));
  });

  test('propagationPolicy=Orphan keeps dependents and strips the owner reference', async () => {
    const n1 = await node('n1');
    await c.coordination.createNamespacedLease({ namespace: NS, body: lease('keep', n1) });
    await c.core.deleteNode({ name: 'n1', propagationPolicy: 'Orphan' });
    api.gc.flush();
    expect((await readLease('keep')).metadata?.ownerReferences).toBeUndefined();
  });

  test('delete preconditions on uid are checked (409 when the object was replaced)', async () => {
    await node('pre');
    const f = await failureOf(c.core.deleteNode({ name: 'pre', body: { preconditions: { uid: 'not-it' } } }));
    expect(f.code).toBe(409);
    expect(f.body.message).toMatch(/^Operation cannot be fulfilled on nodes "pre": Precondition failed: UID in precondition: not-it, UID in object meta: /);
    expect(api.get(nodes, 'pre')).toBeDefined();
  });
});
