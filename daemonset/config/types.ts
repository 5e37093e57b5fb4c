/**
 * twilld's settings, after defaults, the `--config` file, flags and environment are merged
 * and validated (load.ts). Every field has a default that works on a cluster that allocates
 * podCIDRs, so `NODE_NAME=n1 KUBECONFIG=… twilld` is a complete command line.
 */

/** One overlay network. `networks[0]` is the pod network (the kubelet's conflist); further
 *  ones are Docker-style isolated overlays for secondary attachments. */
export interface NetworkSettings {
  /** CNI network name (conflist `name`), also names the conflist file (`10-<name>.conflist`,
   *  networks[1+] `80-<name>.conflist`) and, for networks[1+], their Node annotations
   *  (`twill.dev/<name>.vtep-mac`, `.pod-cidrs`: a DNS label then). Default "twill". */
  name: string;
  /** The node's Linux bridge for this network. Default "twill0". */
  bridge: string;
  /** VXLAN VNI (default 1); the device is `twill.<vni>`. */
  vni: number;
  /** Cluster CIDRs to self-allocate node subnets from (one IPv4 and/or one IPv6). Empty: the
   *  cluster allocates (`spec.podCIDRs`), only allowed for networks[0]. */
  clusterCIDRs: string[];
  /** Per-node prefix lengths for self-allocation (defaults 24 and 64). */
  nodePrefixLength: { ipv4: number; ipv6: number };
  /** Device MTU override (default: underlay MTU − 50 for IPv4, − 70 for IPv6). */
  mtu?: number;
  /** Outbound NAT (masquerade) for pod traffic leaving the cluster CIDRs. Default true. */
  ipMasq: boolean;
}

export interface AgentConfig {
  /** This node's name (env NODE_NAME, or `--node-name`). Required. */
  nodeName: string;
  /** Namespace of the agent's own objects (subnet-claim Leases). Env POD_NAMESPACE, default "twill-system". */
  namespace: string;
  /** KUBECONFIG path when given (else in-cluster service account). */
  kubeconfig?: string;
  networks: NetworkSettings[];
  /** UDP port of the VXLAN underlay (default 8472). */
  vxlanPort: number;
  /** Underlay selection: the node's InternalIP by default, or an interface name / address. */
  underlay: { interface?: string; address?: string };
  /** Plain routes to peers on the same link instead of encapsulation (default false). */
  directRouting: boolean;
  /** `tx-checksum-ip-generic off` on the VXLAN device (default true). */
  checksumOffloadWorkaround: boolean;
  /** Full reconcile period in seconds (default 10). */
  resyncSeconds: number;
  /** Health/metrics listen address (default "127.0.0.1:9765"; "" disables). */
  listen: string;
  paths: {
    /** Default /etc/cni/net.d */
    cniConfDir: string;
    /** Default /opt/cni/bin */
    cniBinDir: string;
    /** Readiness files for the plugin; default /run/twill */
    runDir: string;
    /** twill-ipam's dataDir; default /var/lib/cni/networks */
    ipamDataDir: string;
  };
  /** Log level: "debug" | "info" | "warn" | "error" (default "info"). */
  logLevel: 'debug' | 'info' | 'warn' | 'error';
}
