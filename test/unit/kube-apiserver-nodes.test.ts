// The test API server's Node behaviour, driven by client-node 2.x as the agent will drive it.
import * as k8s from '@kubernetes/client-node';
import { nodes, TestApiServer } from '../kube/apiserver';
import { asMergePatch, asStrategicMergePatch, clientsFor, failureOf, type Clients } from '../kube/client';

let api: TestApiServer;
let c: Clients;

beforeAll(async () => {
  api = await TestApiServer.start();
  c = clientsFor(api);
});
afterAll(() => api.close());

const node = (name: string, extra: Partial<k8s.V1Node> = {}): k8s.V1Node => ({ metadata: { name }, ...extra });
const ready = { type: 'Ready', status: 'True', reason: 'KubeletReady', lastHeartbeatTime: new Date('2024-05-01T10:00:00.250Z') };

describe('create, read, list, delete', () => {
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

  test('a name that is not a DNS subdomain is 422 with the validation message', async () => {
    const f = await failureOf(c.core.createNode({ body: node('Bad_Name') }));
    expect(f.code).toBe(422);
    expect(f.body.message).toMatch(/^Node "Bad_Name" is invalid: metadata.name: Invalid value: "Bad_Name": a lowercase RFC 1123 subdomain/);
  });

  test('labelSelector and fieldSelector metadata.name filter the list', async () => {
    await c.core.createNode({ body: node('sel-a', { metadata: { name: 'sel-a', labels: { zone: 'a', role: 'worker' } } }) });
    await c.core.createNode({ body: node('sel-b', { metadata: { name: 'sel-b', labels: { zone: 'b' } } }) });
    const names = async (q: { labelSelector?: string; fieldSelector?: string }) => (await c.core.listNode(q)).items.map((n) => n.metadata?.name);
    expect(await names({ labelSelector: 'zone=a' })).toEqual(['sel-a']);
    expect(await names({ labelSelector: 'zone in (a,b),!role' })).toEqual(['sel-b']);
    expect(await names({ fieldSelector: 'metadata.name=sel-b' })).toEqual(['sel-b']);
    const f = await failureOf(c.core.listNode({ fieldSelector: 'spec.podCIDR=x' }));
    expect(f).toMatchObject({ code: 400, body: { message: 'field label not supported: spec.podCIDR' } });
  });

  test('delete answers a Success Status, then the node is 404', async () => {
    const created = await c.core.createNode({ body: node('gone') });
    const status = await c.core.deleteNode({ name: 'gone' });
    expect(status).toMatchObject({ status: 'Success', details: { name: 'gone', kind: 'nodes', uid: created.metadata?.uid } });
    const f = await failureOf(c.core.readNode({ name: 'gone' }));
    expect(f).toMatchObject({ code: 404, body: { reason: 'NotFound', message: 'nodes "gone" not found' } });
  });
});

describe('patches and the status subresource', () => {
  test('client-node sends JSON patch unless told otherwise, and the server applies it', async () => {
    await c.core.createNode({ body: node('jp', { metadata: { name: 'jp', labels: { a: '1' } } }) });
    const patched = await c.core.patchNode({ name: 'jp', body: [{ op: 'add', path: '/metadata/labels/b', value: '2' }] });
    expect(patched.metadata?.labels).toEqual({ a: '1', b: '2' });
  });

  test('a merge patch of a node changes metadata and spec but never status', async () => {
    await c.core.createNode({ body: node('mp', { status: { conditions: [ready] } }) });
    const body = { metadata: { labels: { x: 'y' } }, spec: { unschedulable: true }, status: { phase: 'Hacked' } };
    const patched = await c.core.patchNode({ name: 'mp', body }, asMergePatch);
    expect(patched.metadata?.labels).toEqual({ x: 'y' });
    expect(patched.spec?.unschedulable).toBe(true);
    expect(patched.status?.phase).toBeUndefined();
    expect(patched.status?.conditions?.map((x) => x.type)).toEqual(['Ready']);
  });

  test('a strategic merge patch of nodes/status merges conditions by type and takes annotations, not spec', async () => {
    const pressure = { type: 'MemoryPressure', status: 'False' };
    await c.core.createNode({ body: node('smp', { status: { conditions: [ready, pressure] } }) });
    const unavailable = { type: 'NetworkUnavailable', status: 'False', reason: 'TwillIsUp', lastTransitionTime: new Date() };
    const body = { metadata: { annotations: { 'twill.dev/vtep-mac': '0a:58:0a:f4:01:01' } }, spec: { unschedulable: true }, status: { conditions: [unavailable] } };
    const patched = await c.core.patchNodeStatus({ name: 'smp', body }, asStrategicMergePatch);
    // The library puts a condition the list did not have before the ones it had.
    expect(patched.status?.conditions?.map((x) => x.type)).toEqual(['NetworkUnavailable', 'Ready', 'MemoryPressure']);
    expect(patched.status?.conditions?.[1].lastHeartbeatTime?.toISOString()).toBe('2024-05-01T10:00:00.000Z');
    expect(patched.metadata?.annotations).toEqual({ 'twill.dev/vtep-mac': '0a:58:0a:f4:01:01' });
    expect(patched.spec?.unschedulable).toBeUndefined();
  });

  test('strategic merge updates an existing condition in place and $patch: delete removes one', async () => {
    await c.core.createNode({ body: node('smp2', { status: { conditions: [ready, { type: 'NetworkUnavailable', status: 'True' }] } }) });
    const body = { status: { conditions: [{ type: 'NetworkUnavailable', status: 'False' }, { type: 'Ready', $patch: 'delete' }] } };
    const patched = await c.core.patchNodeStatus({ name: 'smp2', body }, asStrategicMergePatch);
    expect(patched.status?.conditions).toEqual([expect.objectContaining({ type: 'NetworkUnavailable', status: 'False' })]);
  });

  test('every write bumps resourceVersion; a patch that changes nothing does not', async () => {
    const created = await c.core.createNode({ body: node('rv') });
    const one = await c.core.patchNode({ name: 'rv', body: { metadata: { labels: { k: 'v' } } } }, asMergePatch);
    expect(Number(one.metadata?.resourceVersion)).toBeGreaterThan(Number(created.metadata?.resourceVersion));
    const again = await c.core.patchNode({ name: 'rv', body: { metadata: { labels: { k: 'v' } } } }, asMergePatch);
    expect(again.metadata?.resourceVersion).toBe(one.metadata?.resourceVersion);
  });

  test('a patch carrying a stale resourceVersion is 409 Conflict', async () => {
    const created = await c.core.createNode({ body: node('stale') });
    await c.core.patchNode({ name: 'stale', body: { metadata: { labels: { a: 'b' } } } }, asMergePatch);
    const body = { metadata: { resourceVersion: created.metadata?.resourceVersion, labels: { a: 'c' } } };
    const f = await failureOf(c.core.patchNode({ name: 'stale', body }, asMergePatch));
    expect(f.code).toBe(409);
    expect(f.body.message).toBe('Operation cannot be fulfilled on nodes "stale": the object has been modified; please apply your changes to the latest version and try again');
  });

  test('an unsupported patch type is 415', async () => {
    await c.core.createNode({ body: node('ct') });
    const asYaml = k8s.setHeaderOptions('Content-Type', 'application/yaml');
    const f = await failureOf(c.core.patchNode({ name: 'ct', body: {} }, asYaml));
    expect(f).toMatchObject({ code: 415, body: { reason: 'UnsupportedMediaType' } });
  });

  test('unknown fields are dropped, as decoding into the Go types does', async () => {
    await c.core.createNode({ body: node('unknown') });
    await c.core.patchNode({ name: 'unknown', body: { spec: { podCIDR: '10.9.0.0/24', flavour: 'x' } } }, asMergePatch);
    const got = api.get(nodes, 'unknown');
    expect(got?.spec).toEqual({ podCIDR: '10.9.0.0/24', podCIDRs: ['10.9.0.0/24'] });
  });
});

describe('podCIDRs may only change from empty', () => {
  const CHANGE = 'node updates may not change podCIDR except from "" to valid';

  test('an empty podCIDR may be set once, dual-stack included; podCIDR follows podCIDRs[0]', async () => {
    await c.core.createNode({ body: node('cidr') });
    const body = { spec: { podCIDRs: ['10.244.7.0/24', 'fd00:10:244:7::/64'] } };
    const set = await c.core.patchNode({ name: 'cidr', body }, asMergePatch);
    expect(set.spec).toMatchObject({ podCIDR: '10.244.7.0/24', podCIDRs: ['10.244.7.0/24', 'fd00:10:244:7::/64'] });
  });

  test('changing a set podCIDRs is 422 with the real message', async () => {
    await c.core.createNode({ body: node('cidr2', { spec: { podCIDR: '10.244.8.0/24', podCIDRs: ['10.244.8.0/24'] } }) });
    const f = await failureOf(c.core.patchNode({ name: 'cidr2', body: { spec: { podCIDR: '10.244.9.0/24', podCIDRs: ['10.244.9.0/24'] } } }, asMergePatch));
    expect(f.code).toBe(422);
    expect(f.body).toMatchObject({
      reason: 'Invalid',
      message: `Node "cidr2" is invalid: spec.podCIDRs: Forbidden: ${CHANGE}`,
      details: { name: 'cidr2', kind: 'Node', causes: [{ reason: 'FieldValueForbidden', message: `Forbidden: ${CHANGE}`, field: 'spec.podCIDRs' }] },
    });
    expect((await c.core.readNode({ name: 'cidr2' })).spec?.podCIDRs).toEqual(['10.244.8.0/24']);
  });

  test('two CIDRs of one family, or a malformed one, are 422', async () => {
    const two = await failureOf(c.core.createNode({ body: node('cidr3', { spec: { podCIDRs: ['10.1.0.0/24', '10.2.0.0/24'] } }) }));
    expect(two.body.message).toContain('spec.podCIDRs: Invalid value: []string{"10.1.0.0/24", "10.2.0.0/24"}: may specify no more than one CIDR for each IP family');
    const bad = await failureOf(c.core.createNode({ body: node('cidr4', { spec: { podCIDRs: ['10.1.0.0/33'] } }) }));
    expect(bad.body.message).toContain('spec.podCIDRs[0]: Invalid value: "10.1.0.0/33": must be a valid CIDR value');
  });
});
