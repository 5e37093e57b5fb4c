// The agent's --config file for a harness node: everything of AgentConfig but nodeName and
// kubeconfig (those come from NODE_NAME and KUBECONFIG, as in the DaemonSet), with the node's
// own paths and the agent's defaults written out, so a renamed field in the shared contract
// (daemonset/config/types.ts) fails the typecheck here instead of silently being ignored.
import type { AgentConfig, NetworkSettings } from '../../../daemonset/config/types';
import type { ClusterNode } from './node';

export type AgentFileConfig = Omit<AgentConfig, 'nodeName' | 'kubeconfig'>;

/** Health and metrics inside each node namespace (each has its own 127.0.0.1). */
export const AGENT_LISTEN = '127.0.0.1:9765';

/** Self-allocated dual-stack node subnets, from test-only cluster CIDRs. */
export const CLUSTER_CIDRS = ['10.213.0.0/16', 'fd13::/56'] as const;

export function podNetwork(o: Partial<NetworkSettings> = {}): NetworkSettings {
  return {
    name: 'twill',
    bridge: 'twill0',
    vni: 1,
    clusterCIDRs: [...CLUSTER_CIDRS],
    nodePrefixLength: { ipv4: 24, ipv6: 64 },
    ipMasq: true,
    ...o,
  };
}

/** The node's config: defaults, then `overrides` (shallow; `paths` merged key by key). */
export function agentConfigFor(node: ClusterNode, overrides: Partial<AgentFileConfig> = {}): AgentFileConfig {
  const { cniConfDir, cniBinDir, runDir, ipamDataDir } = node.paths;
  return {
    namespace: 'twill-system',
    networks: [podNetwork()],
    vxlanPort: 8472,
    underlay: {},
    directRouting: false,
    checksumOffloadWorkaround: true,
    resyncSeconds: 10,
    listen: AGENT_LISTEN,
    logLevel: 'debug',
    ...overrides,
    paths: { cniConfDir, cniBinDir, runDir, ipamDataDir, ...overrides.paths },
  };
}
