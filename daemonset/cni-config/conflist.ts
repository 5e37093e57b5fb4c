/**
 * The network configuration list twilld writes for each network, `10-<name>.conflist` (pod
 * network) or `80-<name>.conflist` (networks[1+]) in the CNI config directory (pure). One plugin, twill, with its in-process IPAM on the node's
 * subnets and the readiness gate (cni/plugin/readiness.ts) pointing at the agent's file.
 *
 * cniVersion 1.0.0 for runtimes whose libcni predates the `cniVersions` list; libcni 1.2 and
 * newer pick the highest version in `cniVersions` they support, so 1.1 runtimes call STATUS
 * and GC.
 */
import { NAME_PATTERN } from '../../cni/core/env';
import type { NetworkSettings } from '../config/types';
import { parseCidr } from '../../ipam/net/cidr';
import { readinessPath } from './readiness';
import { CniFileError, nodeSubnets } from './subnets';

export const CONFLIST_VERSION = '1.0.0';
export const CONFLIST_VERSIONS = ['1.0.0', '1.1.0'] as const;
export const PLUGIN_TYPE = 'twill';
export const IPAM_TYPE = 'twill-ipam';

export interface ConflistInput {
  network: NetworkSettings;
  /** This node's subnets for the network (one IPv4 and/or one IPv6). */
  subnets: string[];
  /** The pod interfaces' MTU (the overlay's). */
  mtu: number;
  ipamDataDir: string;
  runDir: string;
  /** networks[0]: the pods' default route. Secondary networks route only their cluster CIDRs. */
  podNetwork: boolean;
}

/**
 * `10-<name>.conflist` for the pod network, `80-<name>.conflist` for further networks: containerd
 * and the kubelet take the lexically first conflist in the directory as the pod network, so a
 * secondary network's file must sort after networks[0]'s whatever their names.
 */
export function conflistFileName(name: string, podNetwork = true): string {
  return `${podNetwork ? '10' : '80'}-${name}.conflist`;
}

/** The name is the conflist's `name` and part of two file names: libcni's pattern keeps it one path segment. */
function checkName(name: string): string {
  if (!NAME_PATTERN.test(name)) throw new CniFileError('network.name', `${JSON.stringify(name)} must match ${NAME_PATTERN.source}`);
  return name;
}

function checkMtu(mtu: number): number {
  if (!Number.isInteger(mtu) || mtu < 68 || mtu > 65535) throw new CniFileError('mtu', `${mtu} is not an MTU (an integer from 68 to 65535)`);
  return mtu;
}

/** A secondary network reaches its other nodes through the bridge, in each family the node has. */
function secondaryRoutes(clusterCIDRs: string[], subnets: string[]): Array<{ dst: string }> {
  const families = new Set(subnets.map((s) => parseCidr(s)!.ip.family));
  const inFamily = (cidr: string) => {
    const family = parseCidr(cidr)?.ip.family;
    return family !== undefined && families.has(family);
  };
  return clusterCIDRs.filter(inFamily).map((dst) => ({ dst }));
}

function ipamFor(o: ConflistInput, subnets: string[]): Record<string, unknown> {
  const routes = o.podNetwork ? [] : secondaryRoutes(o.network.clusterCIDRs, subnets);
  return {
    type: IPAM_TYPE,
    ranges: subnets.map((subnet) => [{ subnet }]),
    ...(routes.length ? { routes } : {}),
    dataDir: o.ipamDataDir,
  };
}

/** The conflist as an object; renderConflist gives the bytes to write. */
export function conflistFor(o: ConflistInput): object {
  const { network } = o;
  const name = checkName(network.name);
  const subnets = nodeSubnets(o.subnets);
  const plugin = {
    type: PLUGIN_TYPE,
    bridge: network.bridge,
    isGateway: true,
    isDefaultGateway: o.podNetwork,
    ipMasq: network.ipMasq,
    mtu: checkMtu(o.mtu),
    hairpinMode: true,
    capabilities: { portMappings: true },
    readiness: readinessPath(o.runDir, name),
    ipam: ipamFor(o, subnets),
  };
  return { cniVersion: CONFLIST_VERSION, cniVersions: [...CONFLIST_VERSIONS], name, plugins: [plugin] };
}

/** Two-space JSON and a final newline: equal conflists give equal bytes (syncConfigFile compares bytes). */
export function renderConflist(conflist: object): string {
  return JSON.stringify(conflist, null, 2) + '\n';
}
