// The agent's view of a Node: what the overlay and the subnet logic use, nothing else. A full
// kubelet-registered Node is tens of KiB (images, conditions, capacity); at 5,000 nodes only
// this slice is kept (see README in this folder for the measured sizes).
import { ANNOTATION_PREFIX, Annotation, type NetworkKeys } from './annotations';

export interface SlimNode {
  readonly name: string;
  readonly uid: string;
  readonly resourceVersion: string;
  /** spec.podCIDRs as the cluster allocated them (empty when it does not). */
  readonly podCIDRs: readonly string[];
  /** status.addresses of type InternalIP, in the node's order. */
  readonly internalIPs: readonly string[];
  /** Only the `twill.dev/` annotations. */
  readonly annotations: Readonly<Record<string, string>>;
  /** The NetworkUnavailable condition, when the node has one. */
  readonly networkUnavailable?: { readonly status: string; readonly reason: string };
}

/** The wire shape of the fields read here (a Node as JSON.parse gives it). */
export interface NodeJson {
  metadata?: { name?: string; uid?: string; resourceVersion?: string; annotations?: Record<string, string> };
  spec?: { podCIDR?: string; podCIDRs?: string[] };
  status?: { addresses?: { type?: string; address?: string }[]; conditions?: { type?: string; status?: string; reason?: string }[] };
}

const NONE: readonly string[] = Object.freeze([]);
const NO_ANNOTATIONS: Readonly<Record<string, string>> = Object.freeze({});

function ourAnnotations(all: Record<string, string> | undefined): Readonly<Record<string, string>> {
  let out: Record<string, string> | undefined;
  for (const [key, value] of Object.entries(all ?? {})) {
    if (key.startsWith(ANNOTATION_PREFIX)) (out ??= {})[key] = value;
  }
  return out ?? NO_ANNOTATIONS;
}

function internalIPs(node: NodeJson): readonly string[] {
  const ips = (node.status?.addresses ?? []).filter((a) => a.type === 'InternalIP' && a.address).map((a) => a.address!);
  return ips.length ? ips : NONE;
}

function networkUnavailable(node: NodeJson): SlimNode['networkUnavailable'] {
  const c = node.status?.conditions?.find((x) => x.type === 'NetworkUnavailable');
  return c ? { status: c.status ?? '', reason: c.reason ?? '' } : undefined;
}

/** Keeps the slice of a Node the agent uses; nothing else of the object stays referenced. */
export function slimNode(node: NodeJson): SlimNode {
  const spec = node.spec ?? {};
  const podCIDRs = spec.podCIDRs?.length ? spec.podCIDRs : spec.podCIDR ? [spec.podCIDR] : NONE;
  const slim: SlimNode = {
    name: node.metadata?.name ?? '',
    uid: node.metadata?.uid ?? '',
    resourceVersion: node.metadata?.resourceVersion ?? '',
    podCIDRs,
    internalIPs: internalIPs(node),
    annotations: ourAnnotations(node.metadata?.annotations),
  };
  const condition = networkUnavailable(node);
  return condition ? { ...slim, networkUnavailable: condition } : slim;
}

/**
 * The node's subnets of a network: for the pod network the cluster's spec.podCIDRs, else what
 * twilld self-allocated and published; for networks[1+] only their own annotation.
 */
export function nodeSubnetsOf(node: SlimNode, keys: Pick<NetworkKeys, 'primary' | 'podCidrs'>): readonly string[] {
  if (keys.primary && node.podCIDRs.length) return node.podCIDRs;
  const published = node.annotations[keys.podCidrs];
  return published ? published.split(',').filter(Boolean) : NONE;
}

/** The node's pod subnets (networks[0]'s): the cluster's spec.podCIDRs, else the ones twilld self-allocated. */
export function nodePodCidrs(node: SlimNode): readonly string[] {
  return nodeSubnetsOf(node, { primary: true, podCidrs: Annotation.podCidrs });
}

function sameList(a: readonly string[], b: readonly string[]): boolean {
  return a.length === b.length && a.every((x, i) => x === b[i]);
}

function sameRecord(a: Readonly<Record<string, string>>, b: Readonly<Record<string, string>>): boolean {
  const keys = Object.keys(a);
  return keys.length === Object.keys(b).length && keys.every((k) => a[k] === b[k]);
}

/** Equal in everything the agent acts on (the resourceVersion alone changing is not news). */
export function sameNodeContent(a: SlimNode, b: SlimNode): boolean {
  const ca = a.networkUnavailable;
  const cb = b.networkUnavailable;
  return (
    a.uid === b.uid &&
    sameList(a.podCIDRs, b.podCIDRs) &&
    sameList(a.internalIPs, b.internalIPs) &&
    sameRecord(a.annotations, b.annotations) &&
    ca?.status === cb?.status &&
    ca?.reason === cb?.reason
  );
}
