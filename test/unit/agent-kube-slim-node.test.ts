// The agent's slice of a Node, its pod CIDRs (the cluster's, else self-allocated ones), and
// the one-line-per-event logger.
import { jsonLineLogger } from '../../daemonset/kube/log';
import { networkKeys } from '../../daemonset/kube/annotations';
import { nodePodCidrs, nodeSubnetsOf, sameNodeContent, slimNode, type NodeJson } from '../../daemonset/kube/slim-node';
import { simulatedNode } from '../kube/apiserver';

const full = (): NodeJson => {
  const node = simulatedNode(7, { ipv6: true }) as NodeJson;
  node.metadata = { ...node.metadata, uid: 'u7', resourceVersion: '42', annotations: { ...node.metadata?.annotations, 'node.alpha.kubernetes.io/ttl': '0' } };
  return node;
};

test('a kubelet-shaped node shrinks to what the agent uses', () => {
  const slim = slimNode(full());
  expect(slim).toEqual({
    name: 'sim-7',
    uid: 'u7',
    resourceVersion: '42',
    podCIDRs: ['10.64.7.0/24', 'fd00:10:64:7::/64'],
    internalIPs: ['172.16.0.8'],
    annotations: { 'twill.dev/vtep-mac': '0a:58:00:00:00:07', 'twill.dev/underlay-ip': '172.16.0.8' },
  });
  expect(JSON.stringify(slim).length * 10).toBeLessThan(JSON.stringify(full()).length);
});

test('pod CIDRs: spec.podCIDRs, else spec.podCIDR, else the self-allocated annotation', () => {
  expect(nodePodCidrs(slimNode({ spec: { podCIDR: '10.1.0.0/24' } }))).toEqual(['10.1.0.0/24']);
  expect(nodePodCidrs(slimNode({ metadata: { annotations: { 'twill.dev/pod-cidrs': '10.2.0.0/24,fd00::/64' } } }))).toEqual(['10.2.0.0/24', 'fd00::/64']);
  expect(nodePodCidrs(slimNode({}))).toEqual([]);
});

test("a further network's subnets: only its own annotation, never spec.podCIDRs or the pod network's", () => {
  const blue = networkKeys('blue', false);
  const node = slimNode({ spec: { podCIDRs: ['10.1.0.0/24'] }, metadata: { annotations: { 'twill.dev/pod-cidrs': '10.2.0.0/24', 'twill.dev/blue.pod-cidrs': '10.215.3.0/24,fd15::/64' } } });
  expect(nodeSubnetsOf(node, blue)).toEqual(['10.215.3.0/24', 'fd15::/64']);
  expect(nodeSubnetsOf(slimNode({ spec: { podCIDRs: ['10.1.0.0/24'] } }), blue)).toEqual([]);
  expect(nodeSubnetsOf(node, networkKeys('twill', true))).toEqual(['10.1.0.0/24']);
  expect(blue.owned).toEqual(['twill.dev/blue.vtep-mac', 'twill.dev/blue.pod-cidrs']);
});

test('the same content with another resourceVersion is no news; any used field is', () => {
  const a = slimNode(full());
  const moved = slimNode({ ...full(), metadata: { ...full().metadata, resourceVersion: '43' } });
  expect(sameNodeContent(a, moved)).toBe(true);
  const readdressed = full();
  readdressed.status!.addresses = [{ type: 'InternalIP', address: '172.16.9.9' }];
  expect(sameNodeContent(a, slimNode(readdressed))).toBe(false);
  const unavailable = full();
  unavailable.status!.conditions = [{ type: 'NetworkUnavailable', status: 'True', reason: 'NoRouteCreated' }];
  expect(sameNodeContent(a, slimNode(unavailable))).toBe(false);
});

test('the logger writes one JSON line per event at or above its level', () => {
  const lines: string[] = [];
  const log = jsonLineLogger({ write: (l) => lines.push(l), level: 'info', now: () => new Date('2025-01-01T00:00:00Z') });
  log.debug('hidden');
  log.info('subnet claimed', { node: 'n1', subnet: '10.244.3.0/24' });
  log.error('watch failed', { error: 'line\nbreak' });
  expect(lines).toEqual([
    '{"ts":"2025-01-01T00:00:00.000Z","level":"info","event":"subnet claimed","node":"n1","subnet":"10.244.3.0/24"}\n',
    '{"ts":"2025-01-01T00:00:00.000Z","level":"error","event":"watch failed","error":"line\\nbreak"}\n',
  ]);
});
