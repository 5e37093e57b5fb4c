// Nodes registered in the API as a kubelet registers them: name, hostname label, InternalIP(s)
// (the node's underlay addresses: the agent's default underlay), Ready, and spec.podCIDRs only
// when the test plays a controller-manager that allocates them (shapes as in ../../kube/apiserver/load.ts).
import { namespaces, nodes, type KubeObject, type TestApiServer } from '../../kube/apiserver';
import type { JsonObject } from '../../kube/apiserver/types';

export interface NodeRegistration {
  name: string;
  ipv4: string;
  /** Listed as a second InternalIP: a dual-stack node. */
  ipv6?: string;
  /** Cluster-allocated subnets (spec.podCIDRs); absent when the agent self-allocates. */
  podCIDRs?: string[];
}

export function kubeletNode(r: NodeRegistration): JsonObject {
  const now = new Date().toISOString();
  const addresses = [{ type: 'InternalIP', address: r.ipv4 }, ...(r.ipv6 ? [{ type: 'InternalIP', address: r.ipv6 }] : []), { type: 'Hostname', address: r.name }];
  return {
    metadata: { name: r.name, labels: { 'kubernetes.io/hostname': r.name, 'kubernetes.io/os': 'linux', 'kubernetes.io/arch': 'amd64' } },
    spec: r.podCIDRs?.length ? { podCIDR: r.podCIDRs[0], podCIDRs: r.podCIDRs } : {},
    status: {
      addresses,
      conditions: [{ type: 'Ready', status: 'True', lastHeartbeatTime: now, lastTransitionTime: now, reason: 'KubeletReady', message: 'kubelet is posting ready status' }],
      daemonEndpoints: { kubeletEndpoint: { Port: 10250 } },
      nodeInfo: { kubeletVersion: 'v1.32.0', containerRuntimeVersion: 'containerd://1.7.24', kernelVersion: '6.1.0-28-amd64', osImage: 'Debian GNU/Linux 12 (bookworm)', operatingSystem: 'linux', architecture: 'amd64' },
    },
  };
}

export function registerNode(api: TestApiServer, r: NodeRegistration): KubeObject {
  return api.create(nodes, kubeletNode(r));
}

/** `kubectl delete node`: the API's garbage collector then takes what the node owned. */
export function deregisterNode(api: TestApiServer, name: string): void {
  api.delete(nodes, name);
}

/** The agent's own namespace (its subnet-claim Leases live there), as the manifests create it. */
export function ensureNamespace(api: TestApiServer, name: string): void {
  if (!api.get(namespaces, name)) api.create(namespaces, { metadata: { name } });
}
