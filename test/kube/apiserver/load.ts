// Load for the scale benchmark: thousands of simulated Nodes written straight into the server's
// registry (same validation and events as over HTTP, without N requests), shaped like kubelet-
// registered nodes (podCIDRs, InternalIP, conditions, images, so objects have a real node's
// weight), and churn: one node added or removed at a time.
import { nodes } from './resources';
import type { TestApiServer } from './server';
import type { Json, JsonObject, KubeObject } from './types';

export interface SimulatedNodeOptions {
  /** Node names are `${prefix}${index}` (default "sim-"). */
  prefix?: string;
  /** Also an IPv6 /64 per node (dual-stack podCIDRs). */
  ipv6?: boolean;
  /** Entries in status.images (default 20): a kubelet reports what its node pulled. */
  images?: number;
  /** The annotations the agent publishes on its node; defaults name a VTEP MAC and underlay IP. */
  annotations?: (i: number, addresses: SimulatedAddresses) => Record<string, string>;
  labels?: (i: number) => Record<string, string>;
}

export interface SimulatedAddresses {
  internalIp: string;
  podCidrs: string[];
  mac: string;
}

const HEX = (n: number, width: number) => n.toString(16).padStart(width, '0');

/** Node i's addresses: 10.64.0.0/10 in /24s, fd00:10:64::/48 in /64s, InternalIP in 172.16.0.0/12. */
export function simulatedAddresses(i: number, ipv6 = false): SimulatedAddresses {
  if (!Number.isInteger(i) || i < 0 || i >= 16384) throw new Error(`simulated node index out of range: ${i}`);
  const host = i + 1;
  const internalIp = `172.${16 + (host >> 16)}.${(host >> 8) & 255}.${host & 255}`;
  const podCidrs = [`10.${64 + (i >> 8)}.${i & 255}.0/24`, ...(ipv6 ? [`fd00:10:64:${HEX(i, 1)}::/64`] : [])];
  const mac = `0a:58:${HEX((i >> 24) & 255, 2)}:${HEX((i >> 16) & 255, 2)}:${HEX((i >> 8) & 255, 2)}:${HEX(i & 255, 2)}`;
  return { internalIp, podCidrs, mac };
}

function images(count: number, i: number): Json[] {
  return Array.from({ length: count }, (_, k) => {
    const digest = HEX((i * 1009 + k * 7919) >>> 0, 16).repeat(4);
    return { names: [`registry.k8s.io/app-${k}@sha256:${digest}`, `registry.k8s.io/app-${k}:v1.${k}.0`], sizeBytes: 10_000_000 + k * 1_234_567 };
  });
}

function conditions(now: string): Json[] {
  const c = (type: string, status: string, reason: string) => ({ type, status, lastHeartbeatTime: now, lastTransitionTime: now, reason, message: `kubelet says ${reason}` });
  return [c('MemoryPressure', 'False', 'KubeletHasSufficientMemory'), c('DiskPressure', 'False', 'KubeletHasNoDiskPressure'), c('PIDPressure', 'False', 'KubeletHasSufficientPID'), c('Ready', 'True', 'KubeletReady')];
}

const defaultAnnotations = (_i: number, a: SimulatedAddresses) => ({ 'twill.dev/vtep-mac': a.mac, 'twill.dev/underlay-ip': a.internalIp });

export function simulatedNode(i: number, opts: SimulatedNodeOptions = {}): JsonObject {
  const name = `${opts.prefix ?? 'sim-'}${i}`;
  const addr = simulatedAddresses(i, opts.ipv6);
  const now = new Date().toISOString();
  const resources = { cpu: '8', memory: '32827392Ki', pods: '110', 'ephemeral-storage': '101430960Ki' };
  const labels = { 'kubernetes.io/hostname': name, 'kubernetes.io/os': 'linux', 'kubernetes.io/arch': 'amd64', ...(opts.labels?.(i) ?? {}) };
  return {
    metadata: { name, labels, annotations: (opts.annotations ?? defaultAnnotations)(i, addr) },
    spec: { podCIDR: addr.podCidrs[0], podCIDRs: addr.podCidrs },
    status: {
      capacity: resources,
      allocatable: resources,
      conditions: conditions(now),
      addresses: [{ type: 'InternalIP', address: addr.internalIp }, { type: 'Hostname', address: name }],
      daemonEndpoints: { kubeletEndpoint: { Port: 10250 } },
      nodeInfo: { kubeletVersion: 'v1.32.0', containerRuntimeVersion: 'containerd://1.7.24', kernelVersion: '6.1.0-28-amd64', osImage: 'Debian GNU/Linux 12 (bookworm)', operatingSystem: 'linux', architecture: 'amd64' },
      images: images(opts.images ?? 20, i),
    },
  };
}

/** Creates nodes `from` .. `from + count - 1` in-process; returns them as stored. */
export function createSimulatedNodes(api: TestApiServer, count: number, opts: SimulatedNodeOptions & { from?: number } = {}): KubeObject[] {
  const from = opts.from ?? 0;
  return Array.from({ length: count }, (_, k) => api.create(nodes, simulatedNode(from + k, opts)));
}

/** Churn: one node joins (ADDED to every node watcher at once). */
export function addSimulatedNode(api: TestApiServer, i: number, opts: SimulatedNodeOptions = {}): KubeObject {
  return api.create(nodes, simulatedNode(i, opts));
}

/** Churn: one node leaves (DELETED to every node watcher; its owned objects go to the GC). */
export function removeSimulatedNode(api: TestApiServer, i: number, opts: Pick<SimulatedNodeOptions, 'prefix'> = {}): void {
  api.delete(nodes, `${opts.prefix ?? 'sim-'}${i}`);
}
