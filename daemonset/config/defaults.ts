import type { AgentConfig, NetworkSettings } from './types';

/**
 * Every default twilld uses, in one place (the --help text prints these). With only NODE_NAME
 * set they make a complete config for a cluster that allocates podCIDRs itself.
 */
export const DEFAULTS = {
  namespace: 'twill-system',
  networks: [{ name: 'twill', bridge: 'twill0', vni: 1, clusterCIDRs: [], nodePrefixLength: { ipv4: 24, ipv6: 64 }, ipMasq: true }],
  vxlanPort: 8472,
  underlay: {},
  directRouting: false,
  checksumOffloadWorkaround: true,
  resyncSeconds: 60,
  listen: '127.0.0.1:9765',
  paths: { cniConfDir: '/etc/cni/net.d', cniBinDir: '/opt/cni/bin', runDir: '/run/twill', ipamDataDir: '/var/lib/cni/networks' },
  logLevel: 'info',
} as const satisfies Omit<AgentConfig, 'nodeName'>;

/**
 * Defaults of networks[index]. The first is DEFAULTS.networks[0]; a further one gets bridge
 * `twill<index>` and VNI `index + 1` (networks[1] → twill1, VNI 2) so omitting both never
 * collides with the first; its name has no default (the file must give it) and its
 * clusterCIDRs must be given too (only networks[0] can use the nodes' spec.podCIDRs).
 */
export function networkDefaults(index: number): Omit<NetworkSettings, 'name'> & { name?: string } {
  const first = DEFAULTS.networks[0];
  const base = { clusterCIDRs: [], nodePrefixLength: { ...first.nodePrefixLength }, ipMasq: first.ipMasq };
  if (index === 0) return { ...base, name: first.name, bridge: first.bridge, vni: first.vni };
  return { ...base, bridge: `twill${index}`, vni: index + 1 };
}
