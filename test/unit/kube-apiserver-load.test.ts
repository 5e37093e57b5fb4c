// The load generator and paged lists at scale: 5,000 simulated nodes without 5,000 requests.
import * as k8s from '@kubernetes/client-node';
import { addSimulatedNode, createSimulatedNodes, removeSimulatedNode, simulatedAddresses, TestApiServer } from '../kube/apiserver';
import { clientsFor, eventually, failureOf, type Clients } from '../kube/client';

const COUNT = 5000;
// client-node's deserializer, not the server, is what takes time here (seconds for 5,000 full
// nodes on a loaded machine): lighter objects (no image lists) keep this file quick.
jest.setTimeout(30_000);
let api: TestApiServer;
let c: Clients;

beforeAll(async () => {
  api = await TestApiServer.start();
  c = clientsFor(api);
  createSimulatedNodes(api, COUNT, { ipv6: true, images: 0 });
});
afterAll(() => api.close());

test('simulated nodes have distinct dual-stack podCIDRs, an InternalIP and the agent annotations', async () => {
  const n = await c.core.readNode({ name: 'sim-4999' });
  expect(n.spec?.podCIDRs).toEqual(['10.83.135.0/24', 'fd00:10:64:1387::/64']);
  expect(n.status?.addresses?.[0]).toEqual({ type: 'InternalIP', address: '172.16.19.136' });
  expect(n.metadata?.annotations).toEqual({ 'twill.dev/vtep-mac': '0a:58:00:00:13:87', 'twill.dev/underlay-ip': '172.16.19.136' });
  const cidrs = new Set(Array.from({ length: COUNT }, (_, i) => simulatedAddresses(i).podCidrs[0]));
  expect(cidrs.size).toBe(COUNT);
});

test('a paged list is one consistent snapshot even when a node joins between pages', async () => {
  const first = await c.core.listNode({ limit: 1000 });
  expect(first.items).toHaveLength(1000);
  expect(first.metadata?.remainingItemCount).toBe(COUNT - 1000);
  addSimulatedNode(api, 9000);
  const names = first.items.map((n) => n.metadata!.name!);
  for (let token = first.metadata?._continue; token; ) {
    const page = await c.core.listNode({ limit: 1000, _continue: token });
    expect(page.metadata?.resourceVersion).toBe(first.metadata?.resourceVersion);
    names.push(...page.items.map((n) => n.metadata!.name!));
    token = page.metadata?._continue;
  }
  expect(names).toHaveLength(COUNT);
  expect(new Set(names).size).toBe(COUNT);
  expect((await c.core.listNode()).items).toHaveLength(COUNT + 1);
  removeSimulatedNode(api, 9000);
});

test('a continue token from before a compaction is 410 Expired', async () => {
  const first = await c.core.listNode({ limit: 10 });
  api.compactHistory();
  const f = await failureOf(c.core.listNode({ limit: 10, _continue: first.metadata?._continue }));
  expect(f).toMatchObject({ code: 410, body: { reason: 'Expired' } });
});

test('an informer over 5,000 nodes sees one node join and one leave', async () => {
  const informer = k8s.makeInformer(c.kc, '/api/v1/nodes', () => c.core.listNode());
  const seen: string[] = [];
  informer.on('add', (n) => seen.push(`add ${n.metadata?.name}`));
  informer.on('delete', (n) => seen.push(`delete ${n.metadata?.name}`));
  await informer.start();
  expect(informer.list()).toHaveLength(COUNT);
  await eventually(() => expect(api.activeWatches).toBe(1));
  seen.length = 0;
  addSimulatedNode(api, 7000);
  removeSimulatedNode(api, 7000);
  await eventually(() => expect(seen).toEqual(['add sim-7000', 'delete sim-7000']));
  await informer.stop();
});
