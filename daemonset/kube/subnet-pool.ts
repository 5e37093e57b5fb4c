// A cluster CIDR cut into per-node subnets (e.g. 10.244.0.0/16 into 256 /24s, fd00:10:244::/56
// into 256 /64s), addressed by index. Address math is ipam/net's; this file only counts.
// Where a node starts looking is a hash of its name: agents starting together spread over
// the pool instead of all racing for subnet 0, and a node re-created under the same name
// tends to get its old subnet back.
import { createHash } from 'node:crypto';
import { canonicalNetwork, formatCidr, parseCidr, type Cidr } from '../../ipam/net/cidr';
import { BITS, type Family } from '../../ipam/net/ip';
import { SubnetConfigError } from './errors';

export interface SubnetPoolConfig {
  /** e.g. "10.244.0.0/16" */
  clusterCidr: string;
  /** e.g. 24 */
  nodePrefixLength: number;
}

export interface SubnetPool {
  readonly cidr: Cidr;
  /** The cluster CIDR as written canonically, e.g. "10.244.0.0/16". */
  readonly text: string;
  readonly family: Family;
  readonly nodePrefixLength: number;
  /** How many node subnets the pool holds. */
  readonly size: bigint;
}

function parsePool(cfg: SubnetPoolConfig, field: string): SubnetPool {
  const cidr = parseCidr(cfg.clusterCidr);
  if (!cidr) throw new SubnetConfigError({ field: `${field}.clusterCidr`, detail: `"${cfg.clusterCidr}" is not a CIDR` });
  const network = canonicalNetwork(cidr);
  if (network.ip.value !== cidr.ip.value) {
    throw new SubnetConfigError({ field: `${field}.clusterCidr`, detail: `"${cfg.clusterCidr}" has host bits set (did you mean ${formatCidr(network)}?)` });
  }
  const bits = BITS[cidr.ip.family];
  const n = cfg.nodePrefixLength;
  if (!Number.isInteger(n) || n < cidr.prefix || n > bits) {
    throw new SubnetConfigError({ field: `${field}.nodePrefixLength`, detail: `${n} must be an integer from ${cidr.prefix} (the cluster CIDR's) to ${bits}` });
  }
  return { cidr, text: formatCidr(cidr), family: cidr.ip.family, nodePrefixLength: n, size: 1n << BigInt(n - cidr.prefix) };
}

/** The configured pools, at most one per address family (dual-stack: one IPv4, one IPv6). */
export function parseSubnetPools(configs: readonly SubnetPoolConfig[], field = 'clusterCidrs'): SubnetPool[] {
  const pools = configs.map((c, i) => parsePool(c, `${field}[${i}]`));
  const families = pools.map((p) => p.family);
  if (new Set(families).size !== families.length) throw new SubnetConfigError({ field, detail: 'at most one cluster CIDR per address family' });
  return pools;
}

const hostBits = (pool: SubnetPool) => BigInt(BITS[pool.family] - pool.nodePrefixLength);

/** The pool's index-th node subnet. */
export function subnetAt(pool: SubnetPool, index: bigint): Cidr {
  if (index < 0n || index >= pool.size) throw new RangeError(`subnet index ${index} outside pool ${pool.text} (size ${pool.size})`);
  return { ip: { family: pool.family, value: pool.cidr.ip.value + (index << hostBits(pool)) }, prefix: pool.nodePrefixLength };
}

/** Where `subnet` sits in the pool, or undefined when it is not one of the pool's node subnets. */
export function indexOfSubnet(pool: SubnetPool, subnet: Cidr): bigint | undefined {
  if (subnet.ip.family !== pool.family || subnet.prefix !== pool.nodePrefixLength) return undefined;
  if (canonicalNetwork(subnet).ip.value !== subnet.ip.value) return undefined;
  const offset = subnet.ip.value - pool.cidr.ip.value;
  const index = offset >> hostBits(pool);
  return offset >= 0n && index < pool.size ? index : undefined;
}

/** A node's first candidate: its name's hash, spread evenly over the pool. */
export function startIndexFor(pool: SubnetPool, nodeName: string): bigint {
  const digest = createHash('sha256').update(nodeName).digest();
  return digest.readBigUInt64BE(0) % pool.size;
}

/** Every index once, from `start` upwards, wrapping around. */
export function* candidateIndexes(pool: SubnetPool, start: bigint): Generator<bigint> {
  for (let k = 0n; k < pool.size; k++) yield (start + k) % pool.size;
}
