// Publishing the node's network facts: twill.dev annotations and NetworkUnavailable=False
// (TwillIsUp) through nodes/status, written only when something differs.
import { NodeInformer } from '../../daemonset/kube/informer';
import { networkKeys } from '../../daemonset/kube/annotations';
import { NodePublisher, publicationPatch, type NodeNetworkInfo } from '../../daemonset/kube/publish';
import { slimNode, type NodeJson, type SlimNode } from '../../daemonset/kube/slim-node';
import { createSimulatedNodes, nodes, TestApiServer } from '../kube/apiserver';
import { eventually } from '../kube/client';
import { AGENT_USER, agentClientFor } from '../helpers/kube-agent';

let api: TestApiServer;
beforeEach(async () => {
  api = await TestApiServer.start({ users: [AGENT_USER] });
  createSimulatedNodes(api, 1, { annotations: () => ({}) });
});
afterEach(() => api.close());

const NAME = 'sim-0';
const INFO: NodeNetworkInfo = { vtepMac: '0a:58:0a:f4:03:00', underlayIp: '172.16.0.1', backend: 'vxlan', ready: true };
const current = (): SlimNode => slimNode(api.get(nodes, NAME) as NodeJson);
const stored = () => api.get(nodes, NAME)!;
const conditions = () => (stored().status as { conditions: Record<string, string>[] }).conditions;
const networkCondition = () => conditions().find((c) => c.type === 'NetworkUnavailable');
const patches = () => api.requests.filter((r) => r.verb === 'patch').length;
const at = (iso: string) => () => new Date(iso);

function publisher(now = at('2025-01-02T03:04:05.678Z')) {
  return new NodePublisher({ client: agentClientFor(api, { user: AGENT_USER.name }), now });
}

test('the first sync writes the annotations and NetworkUnavailable=False in one status patch; kubelet conditions stay', async () => {
  expect(await publisher().sync(current(), INFO)).toBe(true);
  expect(patches()).toBe(1);
  expect(api.requests.find((r) => r.verb === 'patch')?.resource).toBe('nodes/status');
  expect(stored().metadata.annotations).toEqual({ 'twill.dev/vtep-mac': INFO.vtepMac, 'twill.dev/underlay-ip': INFO.underlayIp, 'twill.dev/backend': 'vxlan' });
  expect(networkCondition()).toEqual({
    type: 'NetworkUnavailable', status: 'False', reason: 'TwillIsUp', message: 'twilld has set up the pod network on this node',
    lastHeartbeatTime: '2025-01-02T03:04:05Z', lastTransitionTime: '2025-01-02T03:04:05Z',
  });
  expect(conditions().map((c) => c.type).sort()).toEqual(['DiskPressure', 'MemoryPressure', 'NetworkUnavailable', 'PIDPressure', 'Ready']);
});

test('nothing differs: no write, also while the informer has not yet seen our own write', async () => {
  const p = publisher();
  const before = current();
  await p.sync(before, INFO);
  const rv = stored().metadata.resourceVersion;
  expect(await p.sync(before, INFO)).toBe(false);
  expect(await p.sync(current(), INFO)).toBe(false);
  expect(await publisher().sync(current(), INFO)).toBe(false);
  expect(patches()).toBe(1);
  expect(stored().metadata.resourceVersion).toBe(rv);
});

test('a changed annotation is patched alone; the condition and its times stay', async () => {
  await publisher().sync(current(), INFO);
  await publisher(at('2025-02-01T00:00:00Z')).sync(current(), { ...INFO, underlayIp: '172.16.0.9' });
  expect(stored().metadata.annotations?.['twill.dev/underlay-ip']).toBe('172.16.0.9');
  expect(networkCondition()?.lastTransitionTime).toBe('2025-01-02T03:04:05Z');
});

test('self-allocated pod CIDRs are published, and removed once the cluster allocates spec.podCIDRs', async () => {
  await publisher().sync(current(), { ...INFO, podCidrs: ['10.244.3.0/24', 'fd00:10:244:3::/64'] });
  expect(stored().metadata.annotations?.['twill.dev/pod-cidrs']).toBe('10.244.3.0/24,fd00:10:244:3::/64');
  await publisher().sync(current(), INFO);
  expect(stored().metadata.annotations).not.toHaveProperty('twill.dev/pod-cidrs');
});

test('not ready: annotations only, the condition is left to whoever set it', async () => {
  await publisher().sync(current(), { ...INFO, ready: false });
  expect(networkCondition()).toBeUndefined();
});

test('NetworkUnavailable=True (a route controller) flips to False with a new transition time; False for another reason keeps its time', () => {
  const now = new Date('2025-03-01T00:00:00Z');
  const node = (status: string, reason: string): SlimNode => ({ ...current(), annotations: { 'twill.dev/vtep-mac': INFO.vtepMac!, 'twill.dev/underlay-ip': INFO.underlayIp!, 'twill.dev/backend': 'vxlan' }, networkUnavailable: { status, reason } });
  expect(publicationPatch(node('True', 'NoRouteCreated'), INFO, now)).toEqual({
    status: { conditions: [expect.objectContaining({ status: 'False', reason: 'TwillIsUp', lastTransitionTime: '2025-03-01T00:00:00Z' })] },
  });
  const patch = publicationPatch(node('False', 'RouteCreated'), INFO, now) as { status: { conditions: object[] } };
  expect(patch.status.conditions[0]).not.toHaveProperty('lastTransitionTime');
  expect(publicationPatch(node('False', 'TwillIsUp'), INFO, now)).toBeUndefined();
});

test('driven by an informer, repeated syncs write once', async () => {
  const informer = new NodeInformer({ client: agentClientFor(api, { user: AGENT_USER.name }) });
  informer.start();
  await informer.waitForSync();
  const p = publisher();
  for (let k = 0; k < 5; k++) await p.sync(informer.nodes.get(NAME)!, INFO);
  await eventually(() => expect(informer.nodes.get(NAME)?.networkUnavailable).toEqual({ status: 'False', reason: 'TwillIsUp' }));
  expect(await p.sync(informer.nodes.get(NAME)!, INFO)).toBe(false);
  expect(patches()).toBe(1);
  await informer.stop();
});

describe('two networks on one Node', () => {
  const BLUE = networkKeys('blue', false);
  const BLUE_INFO: NodeNetworkInfo = { vtepMac: '0a:58:0a:f5:03:00', underlayIp: '172.16.0.1', backend: 'vxlan', podCidrs: ['10.215.3.0/24'], ready: true, keys: BLUE };
  const POD_INFO: NodeNetworkInfo = { ...INFO, keys: networkKeys('twill', true) };

  test('a further network patches only its own keys, and never the condition', () => {
    expect(publicationPatch(current(), BLUE_INFO, new Date())).toEqual({ metadata: { annotations: { 'twill.dev/blue.vtep-mac': BLUE_INFO.vtepMac, 'twill.dev/blue.pod-cidrs': '10.215.3.0/24' } } });
  });

  test('the pod network patches only its keys, leaving a further network’s in place', () => {
    const node = { ...current(), annotations: { 'twill.dev/blue.vtep-mac': 'x', 'twill.dev/blue.pod-cidrs': 'y' } };
    const patch = publicationPatch(node, POD_INFO, new Date()) as { metadata: { annotations: Record<string, unknown> } };
    expect(Object.keys(patch.metadata.annotations).sort()).toEqual(['twill.dev/backend', 'twill.dev/underlay-ip', 'twill.dev/vtep-mac']);
  });

  test('alternating passes of both networks converge after one patch each, through a stale informer view too', async () => {
    const p = publisher();
    const stale = current(); // the informer's view, never updated during this test
    for (let pass = 0; pass < 3; pass++) {
      await p.sync(stale, POD_INFO);
      await p.sync(stale, BLUE_INFO);
      await p.sync(current(), POD_INFO);
      await p.sync(current(), BLUE_INFO);
    }
    expect(patches()).toBe(2);
    expect(stored().metadata.annotations).toEqual({
      'twill.dev/vtep-mac': INFO.vtepMac, 'twill.dev/underlay-ip': INFO.underlayIp, 'twill.dev/backend': 'vxlan',
      'twill.dev/blue.vtep-mac': BLUE_INFO.vtepMac, 'twill.dev/blue.pod-cidrs': '10.215.3.0/24',
    });
    expect(networkCondition()).toMatchObject({ status: 'False', reason: 'TwillIsUp' });
  });
});

test("the pod network sweeps the keys of a further network no longer configured, and only those", () => {
  const keys = networkKeys('twill', true, ['blue']);
  const node = { ...current(), annotations: { 'twill.dev/blue.vtep-mac': 'x', 'twill.dev/red.vtep-mac': 'y', 'twill.dev/red.pod-cidrs': 'z', 'example.com/red.pod-cidrs': 'w' } };
  const patch = publicationPatch(node, { ...INFO, keys }, new Date()) as { metadata: { annotations: Record<string, unknown> } };
  expect(patch.metadata.annotations).toMatchObject({ 'twill.dev/red.vtep-mac': null, 'twill.dev/red.pod-cidrs': null });
  expect(Object.keys(patch.metadata.annotations)).not.toContain('twill.dev/blue.vtep-mac');
  // A further network never sweeps.
  expect(publicationPatch(node, { vtepMac: 'x', ready: true, keys: networkKeys('blue', false) }, new Date())).toBeUndefined();
});
