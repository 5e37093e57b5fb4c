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

/** The keys twilld owns and may set or remove on its own Node. */
export const PUBLISHED_ANNOTATIONS: readonly AnnotationKey[] = Object.values(Annotation);
