// What twilld publishes on its Node (metadata.annotations, patched through nodes/status as
// flannel does, so the agent needs no `nodes: patch` on spec), and what peers read back.
// Every key lives under `twill.dev/`; SlimNode keeps only these.
export const ANNOTATION_PREFIX = 'twill.dev/';

export const Annotation = {
  /** The VXLAN device's MAC (derived, stable across restarts), e.g. "0a:58:0a:f4:03:00". */
  vtepMac: 'twill.dev/vtep-mac',
  /** The underlay address peers send encapsulated traffic to (IPv4 or IPv6). */
  underlayIp: 'twill.dev/underlay-ip',
  /** How peers reach this node's pods: "vxlan" (direct routing is decided per peer pair). */
  backend: 'twill.dev/backend',
  /** Self-allocated pod subnets, comma-separated ("10.244.3.0/24,fd00:10:244:3::/64"); absent
   *  when the cluster allocates spec.podCIDRs. */
  podCidrs: 'twill.dev/pod-cidrs',
} as const;

export type AnnotationKey = (typeof Annotation)[keyof typeof Annotation];

/** The keys networks[0] owns and may set or remove on its own Node (networks[1+] own only their NetworkKeys). */
export const PUBLISHED_ANNOTATIONS: readonly AnnotationKey[] = Object.values(Annotation);

/** The name part of a further network's key: "storage.vtep-mac" (its full key is twill.dev/storage.vtep-mac). */
export function networkAnnotationName(network: string, field: 'vtep-mac' | 'pod-cidrs'): string {
  return `${network}.${field}`;
}

/**
 * Where one network's per-node facts live on a Node. networks[0] keeps the original keys (and
 * its nodes' spec.podCIDRs count, when the cluster allocates them); networks[1+] use
 * `twill.dev/<name>.vtep-mac` and `twill.dev/<name>.pod-cidrs` only. The underlay address is the
 * node's, shared by every network.
 */
export interface NetworkKeys {
  network: string;
  /** networks[0]: the pod network. */
  primary: boolean;
  vtepMac: string;
  podCidrs: string;
  /** Every key this network's publisher sets or removes (never another configured network's). */
  owned: readonly string[];
  /** networks[0] only: the further networks configured; keys of any other (a network since removed) are its to sweep. */
  configured?: readonly string[];
}

export function networkKeys(network: string, primary: boolean, configured?: readonly string[]): NetworkKeys {
  if (primary) return { network, primary, vtepMac: Annotation.vtepMac, podCidrs: Annotation.podCidrs, owned: PUBLISHED_ANNOTATIONS, ...(configured ? { configured } : {}) };
  const vtepMac = ANNOTATION_PREFIX + networkAnnotationName(network, 'vtep-mac');
  const podCidrs = ANNOTATION_PREFIX + networkAnnotationName(network, 'pod-cidrs');
  return { network, primary, vtepMac, podCidrs, owned: [vtepMac, podCidrs] };
}

const NETWORK_KEY = /^twill\.dev\/([a-z0-9-]+)\.(vtep-mac|pod-cidrs)$/;

/** A further network's key whose network is not configured here any more (the pod network sweeps it). */
export function isLeftoverNetworkKey(key: string, keys: NetworkKeys): boolean {
  const m = keys.configured && NETWORK_KEY.exec(key);
  return !!m && !keys.configured!.includes(m[1]);
}
