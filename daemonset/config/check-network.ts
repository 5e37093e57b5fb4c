import { NAME_PATTERN, validateIfname } from '../../cni/core/env';
import { unsafeIfname } from '../../cni/core/safe-names';
import { parseCidr } from '../../ipam/net/cidr';
import { SubnetConfigError } from '../kube/errors';
import { parseSubnetPools, type SubnetPool } from '../kube/subnet-pool';
import { networkAnnotationName } from '../kube/annotations';
import { checkInteger, DNS_LABEL, type Fail } from './check-util';
import type { NetworkSettings } from './types';

/** 24 bits of VXLAN Network Identifier (RFC 7348); 0 is left unused, as every VXLAN stack does. */
const VNI_MAX = 16777215;

/**
 * Device MTU bounds. 576: the datagram every IPv4 host must accept (RFC 791), below which pods
 * break; 1280 once the network carries IPv6 (RFC 8200's minimum link MTU). 9000: the common
 * jumbo frame, and the overlay sits 50/70 bytes under its underlay, so anything above it
 * would need an underlay few networks have.
 */
const MTU = { min: 576, minIpv6: 1280, max: 9000 } as const;

/** Node subnets need room for the bridge's gateway and a pod: /30 (IPv4) and /126 (IPv6) at most. */
const NODE_PREFIX_MAX = { ipv4: 30, ipv6: 126 } as const;

/**
 * networks[1+] publish `twill.dev/<name>.vtep-mac` and `.pod-cidrs` on the Node: the name must
 * keep those valid annotation names (a DNS label, the whole name part at most 63 characters).
 */
function checkAnnotationName(name: string, path: string, fail: Fail): void {
  const longest = networkAnnotationName(name, 'pod-cidrs');
  if (!DNS_LABEL.test(name)) fail(`${path}.name`, `${JSON.stringify(name)} must be lower-case letters, digits and "-", starting and ending alphanumeric (it names the Node annotations twill.dev/<name>.vtep-mac and .pod-cidrs)`);
  if (longest.length > 63) fail(`${path}.name`, `${JSON.stringify(name)} is too long: the annotation name "${longest}" would be ${longest.length} characters, 63 at most`);
}

function checkNames(net: NetworkSettings, index: number, path: string, fail: Fail): void {
  if (index > 0) checkAnnotationName(net.name, path, fail);
  if (!NAME_PATTERN.test(net.name)) fail(`${path}.name`, `${JSON.stringify(net.name)} must match ${NAME_PATTERN.source} (the CNI spec's rule)`);
  if (net.name.length > 200) fail(`${path}.name`, 'is longer than 200 characters (it names files in the conflist and IPAM directories)');
  const bridge = validateIfname(net.bridge) ?? unsafeIfname(net.bridge);
  if (bridge) fail(`${path}.bridge`, bridge);
}

/** parseSubnetPools names its own fields (clusterCidrs[i].clusterCidr); these are the config's. */
function poolField(err: SubnetConfigError, path: string, families: (4 | 6 | undefined)[]): string {
  const m = /\[(\d+)\]\.(clusterCidr|nodePrefixLength)$/.exec(err.field);
  if (!m) return `${path}.clusterCIDRs`;
  const i = Number(m[1]);
  if (m[2] === 'clusterCidr') return `${path}.clusterCIDRs[${i}]`;
  return `${path}.nodePrefixLength.${families[i] === 6 ? 'ipv6' : 'ipv4'}`;
}

function subnetPools(net: NetworkSettings, path: string, fail: Fail): SubnetPool[] {
  const families = net.clusterCIDRs.map((c) => parseCidr(c)?.ip.family);
  const configs = net.clusterCIDRs.map((clusterCidr, i) => ({
    clusterCidr,
    nodePrefixLength: families[i] === 6 ? net.nodePrefixLength.ipv6 : net.nodePrefixLength.ipv4,
  }));
  try {
    return parseSubnetPools(configs, 'clusterCidrs');
  } catch (err) {
    if (!(err instanceof SubnetConfigError)) throw err;
    return fail(poolField(err, path, families), err.message.slice(err.field.length + 2));
  }
}

/**
 * One network's settings; returns it with its cluster CIDRs written canonically (as the subnet
 * pools and Leases write them) and their pools, for the checks across networks.
 */
export function checkNetwork(net: NetworkSettings, index: number, fail: Fail): { network: NetworkSettings; pools: SubnetPool[] } {
  const path = `networks[${index}]`;
  checkNames(net, index, path, fail);
  checkInteger(fail, `${path}.vni`, net.vni, { min: 1, max: VNI_MAX, why: 'VXLAN identifiers are 24 bits' });
  for (const family of ['ipv4', 'ipv6'] as const) {
    checkInteger(fail, `${path}.nodePrefixLength.${family}`, net.nodePrefixLength[family], { min: 1, max: NODE_PREFIX_MAX[family], why: 'a node subnet needs room for its gateway and a pod' });
  }
  if (index > 0 && net.clusterCIDRs.length === 0) {
    fail(`${path}.clusterCIDRs`, "required after networks[0]: only the pod network can take the nodes' spec.podCIDRs");
  }
  const pools = subnetPools(net, path, fail);
  if (net.mtu !== undefined) {
    const v6 = pools.some((p) => p.family === 6);
    const why = v6 ? 'IPv6 needs links of 1280 at least; jumbo frames end at 9000' : 'IPv4 hosts must take 576-byte datagrams; jumbo frames end at 9000';
    checkInteger(fail, `${path}.mtu`, net.mtu, { min: v6 ? MTU.minIpv6 : MTU.min, max: MTU.max, why });
  }
  return { network: { ...net, clusterCIDRs: pools.map((p) => p.text) }, pools };
}
